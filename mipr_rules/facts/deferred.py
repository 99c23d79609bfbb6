"""A fact calculator imported when it is first used, so that registering it costs a run nothing.

A plugin whose calculators measure something other than most runs' subjects (``mipr review``'s reports, for
instance) registers ``DeferredCalculator``s: each knows its name and its subject type's import path, so
the evaluator can tell that it does not measure a ``Location`` without importing it. Anything else asked
of it (``subject_type``, ``fact_types``, ``calculate``) imports and makes the real calculator once.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from mipr_rules.errors import PluginError
from mipr_rules.facts.base import Fact, FactCalculator, FactContext, FactType


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class DeferredCalculator:
    """Stands for the calculator ``factory()`` makes (``factory``: ``"package.module:Name"``)."""

    def __init__(self, name: str, subject: str, factory: str) -> None:
        self.name = name
        """The calculator's name (checked against the real one's when it is made)."""
        self.subject = subject
        """``"package.module:Class"`` of the subjects it measures (``subject_type``, not imported)."""
        self._factory = factory
        self._real: FactCalculator | None = None
        self._serves: dict[type, bool] = {}

    def load(self) -> FactCalculator:
        """The real calculator, made on first use."""
        if self._real is None:
            real = _resolve(self._factory)()
            subject = f"{real.subject_type.__module__}:{real.subject_type.__qualname__}"
            if real.name != self.name or subject != self.subject:
                raise PluginError(
                    f"deferred fact calculator {self.name} ({self.subject}) is {real.name} ({subject}) when loaded"
                )
            self._real = real
        return self._real

    def serves(self, subject_type: type) -> bool:
        """Whether it measures subjects of ``subject_type``; imports nothing when it does not."""
        found = self._serves.get(subject_type)
        if found is None:
            module, _, qualname = self.subject.partition(":")
            found = any(k.__module__ == module and k.__qualname__ == qualname for k in subject_type.__mro__)
            self._serves[subject_type] = found
        return found

    @property
    def subject_type(self) -> type:
        """The class of subject it measures (imports it)."""
        return self.load().subject_type

    @property
    def fact_types(self) -> tuple[FactType, ...]:
        """The fact types it produces (imports the calculator)."""
        return self.load().fact_types

    def calculate(self, subject: Any, context: FactContext) -> Iterable[Fact]:
        """The real calculator's facts of ``subject``."""
        return self.load().calculate(subject, context)


def serves(calculator: FactCalculator, subject_type: type) -> bool:
    """Whether ``calculator`` measures subjects of ``subject_type`` (without loading a deferred one that does not)."""
    check = getattr(calculator, "serves", None)
    return bool(check(subject_type)) if check is not None else issubclass(subject_type, calculator.subject_type)
