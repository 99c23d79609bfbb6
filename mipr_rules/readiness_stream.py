"""Readiness over many locations in flat memory: results go to a spool file as they come, not into a report.

``mipr readiness`` with ``--format json`` or ``text`` writes through this. Each location's part of the
output is rendered as soon as it is evaluated and appended to a temporary file; only counts, the
locations not evaluated and the skipped-record summary stay in memory. When the source is exhausted, the
output is written: first what a reader must see first (whether the run was complete, the summary, the
records skipped), then the spooled locations, copied in chunks. So the output is byte for byte what
``ReadinessReport`` renders (the same JSON keys in the same order, the same text), incompleteness stays at
the top, and memory does not grow with the number of locations: the price is disk space for the spool
and that nothing is printed before the last location is done.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.adapters.informs import NotEvaluated
from mipr_rules.adapters.summary import ReadSummary
from mipr_rules.completeness import Failure, completeness_json, render_failures
from mipr_rules.outputs.do_first import AlertGroup, group_alerts
from mipr_rules.outputs.text import console_for
from mipr_rules.readiness import (
    LocationReadiness,
    do_first,
    location_dict,
    render_head,
    render_location,
    render_not_evaluated,
    render_skipped,
)
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.severity import SEVERITIES

FORMATS = ("json", "text")
"""Output formats written as a stream."""
_PLACEHOLDER = "\x00mipr-locations\x00"
_INDENT = "    "  # an item of the top-level "locations" list, at indent=2


class StreamedReadiness:
    """Consumes ``LocationReadiness`` results one at a time into a spool; ``write`` produces the output."""

    def __init__(
        self,
        fmt: str,
        as_of: dt.date,
        ruleset: Ruleset,
        parameters: Mapping[str, Any],
        region: str,
        not_evaluated: Iterable[NotEvaluated] = (),
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"not a streamed format: {fmt}")
        self.fmt, self.as_of, self.ruleset, self.parameters, self.region = fmt, as_of, ruleset, parameters, region
        self.not_evaluated = tuple(not_evaluated)
        self.failures: list[Failure] = []
        """(location id, why) of every location not evaluated."""
        self.locations = 0
        self.by_severity: Counter[str] = Counter()
        self._first: list[AlertGroup] = []
        """The do-first list so far (bounded: ``readiness.DO_FIRST_LIMIT`` groups)."""
        self._groups = 0
        """How many groups (alerts of one rule at one location) there are."""
        self._spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by write
        self._console = console_for(self._spool) if fmt == "text" else None  # type: ignore[arg-type]

    @property
    def severities(self) -> list[str]:
        """The severity of every alert (with repeats), for ``--fail-on``."""
        return [s for s in SEVERITIES for _ in range(self.by_severity[s])]

    def add(self, loc: LocationReadiness) -> None:
        """Render one location into the spool and count it."""
        if loc.error is not None:
            self.failures.append((loc.location_id, loc.error.removeprefix(f"{loc.location_id}: ")))
        self.by_severity.update(a.severity for a in loc.alerts)
        groups = group_alerts(loc.alerts, self.ruleset, {loc.location_id: loc.name}, self.region)
        self._groups += len(groups)
        self._first = do_first(sorted([*self._first, *groups], key=AlertGroup.sort_key))
        if self._console is not None:
            render_location(self._console, loc, self.ruleset, self.region)
        else:
            text = json.dumps(location_dict(loc, self.ruleset, self.region), indent=2, ensure_ascii=False, default=str)
            self._spool.write((",\n" if self.locations else "") + _INDENT + text.replace("\n", "\n" + _INDENT))
        self.locations += 1

    def consume(self, results: Iterable[LocationReadiness]) -> StreamedReadiness:
        """``add`` every result; returns self."""
        for loc in results:
            self.add(loc)
        return self

    def write(
        self, out: IO[str], skipped: Iterable[SkippedRecords], read_summary: ReadSummary | None = None
    ) -> None:
        """The whole output to ``out``: the head (completeness, summary, skipped records, rules not evaluated,
        the read summary), then the spool."""
        skipped = tuple(skipped)
        try:
            self._spool.flush()
            self._spool.seek(0)
            if self.fmt == "json":
                self._write_json(out, skipped, read_summary)
            else:
                self._write_text(out, skipped, read_summary)
            out.flush()
        finally:
            self.close()

    def close(self) -> None:
        """Delete the spool (``write`` does; call it when the results end in an error instead)."""
        self._spool.close()

    def _write_json(
        self, out: IO[str], skipped: tuple[SkippedRecords, ...], read_summary: ReadSummary | None
    ) -> None:
        head = {
            "kind": "readiness",
            **completeness_json(self.failures),
            "as_of": self.as_of.isoformat(),
            "region": self.region,
            "ruleset": self.ruleset.ref(),
            "parameters": dict(self.parameters),
            "summary": {
                "locations": self.locations,
                "alerts": sum(self.by_severity.values()),
                "by_severity": {s: self.by_severity[s] for s in reversed(SEVERITIES)},
            },
            "do_first": [group.as_dict() for group in self._first],
            "locations": _PLACEHOLDER,
            "skipped": [group.as_dict() for group in skipped],
            "read_summary": read_summary.as_dict() if read_summary is not None else None,
            "not_evaluated": [group.as_dict() for group in self.not_evaluated],
        }
        text = json.dumps(head, indent=2, ensure_ascii=False, default=str) + "\n"
        before, after = text.split(json.dumps(_PLACEHOLDER, ensure_ascii=False), 1)
        out.write(before)
        if self.locations:
            out.write("[\n")
            shutil.copyfileobj(self._spool, out, 1 << 16)
            out.write("\n  ]")
        else:
            out.write("[]")
        out.write(after)

    def _write_text(
        self, out: IO[str], skipped: tuple[SkippedRecords, ...], read_summary: ReadSummary | None
    ) -> None:
        stream = io.StringIO()
        console = console_for(stream)
        render_failures(console, self.failures, self.locations, "location")
        render_skipped(skipped, console)
        render_not_evaluated(self.not_evaluated, console)
        if read_summary is not None:
            read_summary.render_text(console)
        counts = {s: self.by_severity[s] for s in reversed(SEVERITIES)}
        render_head(console, self.as_of, self.ruleset, counts, self._first, self._groups, self.locations > 1)
        out.write(stream.getvalue())
        shutil.copyfileobj(self._spool, out, 1 << 16)


def stream_readiness(
    fmt: str,
    results: Iterable[LocationReadiness],
    *,
    as_of: dt.date,
    ruleset: Ruleset,
    parameters: Mapping[str, Any],
    region: str,
    skipped: Callable[[], Iterable[SkippedRecords]],
    out: IO[str],
    read_summary: Callable[[], ReadSummary | None] = lambda: None,
    not_evaluated: Iterable[NotEvaluated] = (),
) -> StreamedReadiness:
    """Evaluate ``results`` into a spool and write the output to ``out``; ``skipped`` and ``read_summary``
    are asked once the results are exhausted (a streaming read knows what it read only at its end)."""
    streamed = StreamedReadiness(fmt, as_of, ruleset, parameters, region, not_evaluated)
    try:
        streamed.consume(results)
        streamed.write(out, skipped(), read_summary())
    finally:
        streamed.close()
    return streamed
