"""Sources of changes: what an adapter's change feed yields, and the protocol a feed satisfies.

A change feed tells which records of a source changed (or were deleted) since a durable position, so that
``mipr watch --follow`` re-reads and re-evaluates only the locations holding them. Adapters provide feeds
through the ``mipr_change_feed`` hook (``mipr_rules.hookspecs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

import attrs

from mipr_rules.adapters.base import ReadContext
from mipr_rules.model import Location


@attrs.frozen
class Change:
    """One changed (or deleted) record of a source."""

    location_id: str
    """The location the record belongs to (the unit re-read and re-evaluated)."""
    record_type: str
    """Its record type or table (``care_plans``, ``Patient``, a file name...)."""
    record_key: str = ""
    """The record's key within its type, as text (pseudonymous where the source's key is personal)."""
    deleted: bool = False
    """Whether the record was deleted (a deleted location retracts all its alerts)."""
    position: str = ""
    """The feed's durable position just after this change: resume from here and nothing is lost."""


@attrs.frozen
class FeedOptions:
    """What ``mipr_change_feed`` is given besides the adapter and the source."""

    context: ReadContext
    """Read options (lenient, pseudonymisation key) for the locations the feed reads again."""
    position: str | None = None
    """Durable position to resume after (``None``: from now on; the caller reads everything once)."""
    poll: float = 1.0
    """Seconds between polls for feeds that poll (sub-second allowed)."""
    owns: Callable[[str], bool] | None = None
    """Which locations are followed (a shard's: ``mipr_rules.watch.shard``); a feed may leave the others
    unread (``ShardFeed`` filters what it returns in any case). ``None``: every location."""


@runtime_checkable
class ChangeFeed(Protocol):
    """A source of changes that can also read the locations they name.

    ``wait`` blocks up to ``timeout`` seconds and returns the changes that arrived (possibly none); the
    feed's ``position`` then stands after them. ``read`` reads the given locations as they are now;
    a location it does not yield no longer exists.
    """

    @property
    def position(self) -> str | None:
        """Durable position after the last change returned (store it; pass it back to resume)."""

    def wait(self, timeout: float) -> Sequence[Change]:
        """The changes that arrived, waiting up to ``timeout`` seconds for the first."""
        ...

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """The current state of these locations (those deleted are not yielded)."""
        ...

    def read_all(self) -> Iterator[Location]:
        """Every location of the source (the first read and the daily sweep)."""
        ...

    def close(self) -> None:
        """Release connections, watchers and threads."""
        ...


def changed_locations(changes: Iterable[Change]) -> list[str]:
    """The distinct location ids of ``changes``, in first-seen order."""
    return list(dict.fromkeys(change.location_id for change in changes))
