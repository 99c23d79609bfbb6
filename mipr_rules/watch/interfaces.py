"""What the watch service consumes: a source of changes and an evaluator (the seam with change feeds).

The service asks its ``ChangeSource`` for the locations to evaluate (every location on a full read, else
only those whose records changed) and its ``Evaluation`` for their readiness report. The built-in
implementations (``AdapterSource``, ``FullEvaluation``) read through an adapter and evaluate the whole of each
location; change feeds and incremental evaluation plug in behind the same two protocols.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

import attrs

from mipr_rules.adapters.base import DEFAULT_MAX_SKIPPED, Adapter, ReadContext, SkippedRecords
from mipr_rules.config import Config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport, run_readiness
from mipr_rules.ruleset.catalogue import Catalogue


@runtime_checkable
class ChangeSource(Protocol):
    """Where the service learns what to evaluate."""

    @property
    def shown(self) -> str:
        """The source as messages may show it (no credentials)."""

    def read(self, *, full: bool) -> Iterable[Location]:
        """Every location (``full``) or those that changed since the last read; bad data raises ``InputError``."""
        ...

    def skipped(self) -> tuple[SkippedRecords, ...]:
        """What the last read skipped in lenient mode (counted, never silent)."""
        ...


@runtime_checkable
class Evaluation(Protocol):
    """Turns locations into a readiness report as of a date."""

    ruleset_id: str

    def evaluate(
        self, locations: Iterable[Location], *, as_of: dt.date, skipped: tuple[SkippedRecords, ...] = ()
    ) -> ReadinessReport:
        """The readiness report of ``locations``; a location that cannot be evaluated is in its failures."""
        ...


class Reading:
    """Locations as they are read, remembering the last one (to name where a failure happened)."""

    def __init__(self, locations: Iterable[Location]) -> None:
        self._locations = locations
        self.last: str | None = None

    def __iter__(self) -> Iterator[Location]:
        for location in self._locations:
            self.last = location.location_id
            yield location


@attrs.define
class AdapterSource:
    """The full re-read path: an adapter reads the source (its change cursor, if any, when not ``full``)."""

    adapter: Adapter
    source: str
    config: Config
    lenient: bool = False
    max_skipped: float = DEFAULT_MAX_SKIPPED
    _context: ReadContext | None = None

    @property
    def shown(self) -> str:
        """The source without password or query."""
        return shown_source(self.source)

    def read(self, *, full: bool) -> Iterable[Location]:
        """Read through the adapter."""
        self._context = ReadContext(
            lenient=self.lenient, full=full, key=self.config.pseudonym_key(), max_skipped=self.max_skipped
        )
        return self._context.read(self.adapter, self.source)

    def skipped(self) -> tuple[SkippedRecords, ...]:
        """What the last read skipped."""
        return self._context.summary() if self._context else ()


@attrs.define
class FullEvaluation:
    """Evaluate every location given in full with the installed ruleset (as ``mipr readiness`` does)."""

    evaluator: Evaluator
    catalogue: Catalogue
    config: Config
    ruleset_id: str
    output_format: str = "json"
    """The command's output format: a sweep shows a progress bar on a terminal only for text or HTML."""
    informs: tuple[str, ...] | None = None
    """Record types the adapter supplies (``None``: all); rules on others are not evaluated."""
    unmapped: tuple[str, ...] = ()
    """Model fields the adapter does not read; rules that look at them are not evaluated."""

    def evaluate(
        self, locations: Iterable[Location], *, as_of: dt.date, skipped: tuple[SkippedRecords, ...] = ()
    ) -> ReadinessReport:
        """Run readiness, keeping what cannot be evaluated in the report's failures."""
        from mipr_rules.presentation.progress import progress

        ruleset = self.catalogue.get(self.ruleset_id, as_of)
        with progress("Watch sweep: locations", fmt=self.output_format) as tracker:
            return run_readiness(
                locations,
                as_of=as_of,
                ruleset=ruleset,
                overrides=self.config.overrides_for(ruleset),
                region=self.config.region,
                evaluator=self.evaluator,
                skipped=skipped,
                allow_incomplete=True,
                tracker=tracker,
                informs=self.informs,
                unmapped=self.unmapped,
            )


def shown_source(source: str) -> str:
    """``source`` as messages may show it: a URL without its password and query (they can hold secrets)."""
    if "://" not in source:
        return source
    try:
        parts = urllib.parse.urlsplit(source)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return source.split("://", 1)[0] + "://…"
    user = f"{parts.username}@" if parts.username else ""
    return urllib.parse.urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))
