"""The open rows a check left for each location, so that the next check of it compares against them instead
of reading them again, as long as nobody else has written the location's alerts since.

A check that writes a location's alerts adds one to ``locations.revision`` in its transaction (``UPDATE …
RETURNING``), and so does an acknowledgement. A check that finds the revision it left knows that nobody has
written the location's alerts since: the rows it left are the rows stored. Any other revision (another
process's check, an acknowledgement) and the rows are read again.
"""

from __future__ import annotations

from typing import Any

Rows = dict[tuple[str, str, str], tuple[Any, ...]]
"""The open rows of a location (the columns a check compares) by (ruleset, rule, subject)."""

MAX_ROWS = 200_000
"""Most rows kept across locations; the locations checked longest ago are let go first."""


class RowsLeft:
    """Open rows by (ruleset, location), with the location's revision when they were left (bounded: ``MAX_ROWS``)."""

    def __init__(self, limit: int = MAX_ROWS) -> None:
        self._limit = limit
        self._held: dict[tuple[str, str], tuple[int, Rows]] = {}
        self._size = 0

    def __len__(self) -> int:
        """How many rows are kept."""
        return self._size

    def get(self, ruleset_id: str, location_id: str, revision: int) -> Rows | None:
        """A copy of the rows left for this location if its revision is still ``revision``."""
        held = self._held.get((ruleset_id, location_id))
        if held is None or held[0] != revision:
            return None
        return dict(held[1])

    def keep(self, left: dict[tuple[str, str], tuple[int, Rows]]) -> None:
        """Keep what a committed check left: (ruleset, location) → (revision it wrote, open rows)."""
        held = self._held
        for key, entry in left.items():
            old = held.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            held[key] = entry  # last in order: the most recently checked
            self._size += len(entry[1])
        while self._size > self._limit and held:
            self._size -= len(held.pop(next(iter(held)))[1])
