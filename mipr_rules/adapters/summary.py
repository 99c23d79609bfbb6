"""The read summary: what an adapter read, used, skipped and ignored, shown first in every report."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
from rich.console import Console
from rich.markup import escape

from mipr_rules.adapters.base import ReadContext, SkippedRecords


@attrs.frozen
class ReadSummary:
    """Records read per type, used, skipped (with reasons) and ignored, for one read of one source."""

    adapter: str
    """Name of the adapter that read the source."""
    read: dict[str, int]
    """Records read per type: used + skipped per canonical record type, and every ignored source type."""
    used: dict[str, int]
    """Records that became part of the canonical model, per canonical record type."""
    skipped: tuple[SkippedRecords, ...] = ()
    """Records skipped in lenient mode, per record type, with ``where: why`` lines."""
    ignored: dict[str, int] = attrs.field(factory=dict)
    """Records read and not used, per source type (e.g. FHIR ``Flag``, ``Communication``)."""
    unsupported: tuple[str, ...] = ()
    """Source types the source did not give (``type: why``), read past with ``--lenient``."""

    @classmethod
    def of(cls, context: ReadContext, adapter: str) -> ReadSummary:
        """The summary of the read ``context`` recorded."""
        skipped = context.summary()
        used = {kind: n for kind, n in context.kept.items() if n}
        read: Counter[str] = Counter(used)
        for group in skipped:
            read[group.record_type] += group.count
        read.update(context.ignored)
        return cls(
            adapter=adapter,
            read=dict(read),
            used=used,
            skipped=skipped,
            ignored=dict(context.ignored),
            unsupported=tuple(context.unsupported),
        )

    @property
    def total_read(self) -> int:
        """All records read."""
        return sum(self.read.values())

    def as_dict(self) -> dict[str, Any]:
        """The ``read_summary`` key of the JSON reports."""
        return {
            "adapter": self.adapter,
            "read": dict(self.read),
            "used": dict(self.used),
            "skipped": [group.as_dict() for group in self.skipped],
            "ignored": dict(self.ignored),
            "unsupported": list(self.unsupported),
        }

    def lines(self) -> list[str]:
        """The summary as plain lines (text and HTML reports)."""
        used = ", ".join(f"{n} {kind}" for kind, n in self.used.items()) or "nothing"
        out = [f"Read by {self.adapter}: {self.total_read} record(s); used: {used}"]
        if self.skipped:
            out.append("skipped: " + ", ".join(f"{g.count} {g.record_type}" for g in self.skipped))
        if self.ignored:
            ignored = ", ".join(f"{n} {kind}" for kind, n in sorted(self.ignored.items()))
            out.append(f"read and not used: {ignored}")
        out += [f"not read: {line}" for line in self.unsupported]
        return out

    def render_text(self, console: Console) -> None:
        """The summary for the terminal, printed before any result."""
        first, *rest = self.lines()
        console.print(f"[dim]{escape(first)}[/dim]")
        for line in rest:
            console.print(f"  [yellow]{escape(line)}[/yellow]")
