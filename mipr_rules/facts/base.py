"""The fact-calculator protocol and the context every calculator is given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from mipr_rules.workdays import WorkingDays, calendar

FactValue = str | int | float | bool | None
Fact = dict[str, Any]
"""A flat fact: ``type`` (its fact type), ``subject`` (pseudonymous record key) and scalar fields; no ``None``."""

RESERVED_FIELDS = frozenset({"sid", "id"})
"""Field names the engine owns; calculators must not produce them."""


@attrs.frozen
class FactContext:
    """What a calculator may know besides its subject: the as-of date, the calendar, the parameters."""

    as_of: dt.date
    """The date the evaluation is as of; nothing reads the wall clock."""
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    """The ruleset's parameters after provider overrides."""
    calendar: WorkingDays = attrs.field(factory=calendar)
    """Working-day calendar of the selected region."""

    @property
    def as_of_end(self) -> dt.datetime:
        """The instant the evaluation stands at: the end of the as-of day (as at close of that day)."""
        return dt.datetime.combine(self.as_of, dt.time(23, 59, 59))


@attrs.frozen
class FieldDoc:
    """What one field of a fact means: its unit (``days``, ``hours``, ``working_days``...) and meaning."""

    unit: str | None
    """Unit of a number (``None`` for flags and text)."""
    meaning: str
    """One sentence: what the value measures and when it is left out."""


@attrs.frozen
class FactType:
    """A declared fact type: its name, what it describes and its fields with their JSON types."""

    name: str
    """The fact type a rule names in ``fact:``."""
    description: str
    """What one fact of this type describes."""
    fields: Mapping[str, str]
    """Field name → ``integer``, ``number``, ``boolean``, ``string`` or ``date`` (ISO string)."""
    docs: Mapping[str, FieldDoc] = attrs.field(factory=dict)
    """Field name → unit and meaning, where the calculator documents it (``mipr rules facts`` shows them)."""

    @classmethod
    def documented(cls, name: str, description: str, fields: Mapping[str, tuple[str, str | None, str]]) -> FactType:
        """A fact type whose fields are given as ``name → (type, unit, meaning)``."""
        return cls(
            name,
            description,
            {field: spec[0] for field, spec in fields.items()},
            {field: FieldDoc(spec[1], spec[2]) for field, spec in fields.items()},
        )


def documented(name: str, description: str, fields: Mapping[str, tuple[str, str | None, str]]) -> FactType:
    """``FactType.documented``: a fact type whose fields are given as ``name → (type, unit, meaning)``."""
    return FactType.documented(name, description, fields)


@runtime_checkable
class FactCalculator(Protocol):
    """Measures a subject and yields facts; never decides whether a rule fires."""

    name: str
    subject_type: type
    """The class of subject it measures (e.g. ``Location``)."""
    fact_types: tuple[FactType, ...]
    """The fact types it produces, with their fields (used to check rule conditions at load time)."""

    def calculate(self, subject: Any, context: FactContext) -> Iterable[Fact]:
        """Yield the facts of ``subject`` as of ``context.as_of``."""
        ...


def days_between(earlier: dt.date | None, later: dt.date) -> int | None:
    """Whole days from ``earlier`` to ``later``; ``None`` if ``earlier`` is unknown."""
    return None if earlier is None else (later - earlier).days
