"""The adapter protocol and the read context adapters report problems through."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import attrs

from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.privacy import pseudonymise

log = logging.getLogger("mipr_rules.adapters")


@runtime_checkable
class Adapter(Protocol):
    """Reads one kind of care-record source into canonical ``Location`` objects."""

    @property
    def name(self) -> str:
        """Short name used on the command line: ``mipr readiness --adapter NAME``."""

    @property
    def version(self) -> str:
        """Version of the distribution that provides the adapter."""

    @property
    def description(self) -> str:
        """One line for ``mipr adapters``."""

    @property
    def accepts(self) -> tuple[str, ...]:
        """Human-readable list of the sources it accepts, e.g. ``("*.json", "https://… FHIR base URL")``."""

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """Yield every location found in ``source``; report bad records through ``context.problem``."""
        ...


@attrs.define
class ReadContext:
    """Options of one read and the record of what was skipped.

    In strict mode (the default) the first bad record raises ``InputError`` naming the record and field.
    In lenient mode the record is skipped, logged without its values, and counted; nothing is dropped
    silently.
    """

    lenient: bool = False
    """Skip bad records (logged and counted) instead of failing."""
    full: bool = False
    """Yield every location even from a source read incrementally (a change cursor), whose cursor still moves
    on. ``mipr watch`` asks for it when the as-of date moved: time alone changes results."""
    key: bytes = attrs.field(kw_only=True, repr=False)
    """Pseudonymisation key for identifiers such as NHS numbers (required: there is no built-in key; use
    ``mipr_rules.privacy.default_pseudonym_key()`` for the one the ``mipr`` command uses by default)."""
    skipped: list[str] = attrs.field(factory=list)
    """One line per skipped record: where it was and why (never its content)."""

    def problem(self, where: str, why: str) -> None:
        """Report a bad record: raise in strict mode, log and count in lenient mode."""
        line = f"{where}: {why}"
        if not self.lenient:
            raise InputError(line)
        self.skipped.append(line)
        log.warning("skipped record %s", line)

    def pseudonym(self, value: str, prefix: str = "P") -> str:
        """Pseudonymous id for an identifier under this read's key."""
        return pseudonymise(value, prefix, self.key)
