"""Shards: several followers of one source, each owning a fixed share of its locations.

One follower is one Python process, so it evaluates on one core. ``mipr watch --follow --shard 2/4`` runs
the second of four followers: it follows, reads, evaluates, sweeps and records only the locations whose
shard (a stable digest of the location id, the same in every process and on every machine) is its own. The
four share one store that several processes can write (PostgreSQL); each saves its own feed position, so
each resumes where it stopped. Together they hold exactly what one follower would: every location belongs
to exactly one shard.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Iterator, Sequence

import attrs

from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.watch.changes import Change, ChangeFeed

_SHARD = re.compile(r"([1-9][0-9]{0,3})/([1-9][0-9]{0,3})")


@attrs.frozen
class Shard:
    """The ``number``-th of ``count`` shards (from 1)."""

    number: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``I/N`` with 1 <= I <= N (``--shard``); an ``InputError`` otherwise."""
        match = _SHARD.fullmatch(text.strip())
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise InputError(f"--shard {text!r}: expected I/N with 1 <= I <= N (such as 1/2)")
        return cls(int(match[1]), int(match[2]))

    @property
    def label(self) -> str:
        """``I/N``."""
        return f"{self.number}/{self.count}"

    def owns(self, location_id: str) -> bool:
        """Whether ``location_id`` is this shard's (a digest, not ``hash()``: that differs between processes)."""
        if self.count == 1:
            return True
        digest = hashlib.blake2b(location_id.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.number - 1

    def position_key(self, source: str) -> str:
        """The source's identity for the feed position this shard saves (one shard alone: the source)."""
        return source if self.count == 1 else f"{source}#shard={self.label}"


class ShardFeed:
    """A change feed showing one shard's locations only (``ChangeFeed``)."""

    def __init__(self, feed: ChangeFeed, shard: Shard) -> None:
        self.feed = feed
        self.shard = shard
        if hasattr(feed, "apply"):
            self.apply = feed.apply  # a feed that re-reads only the changed rows (given this shard's changes)

    @property
    def position(self) -> str | None:
        """The feed's position: it stands after the other shards' changes too, which are not this one's."""
        return self.feed.position

    def wait(self, timeout: float) -> Sequence[Change]:
        """This shard's changes; waits up to ``timeout`` while only other shards' changes arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.feed.wait(max(0.0, deadline - time.monotonic()))
            mine = [change for change in found if self.shard.owns(change.location_id)]
            if mine or not found or time.monotonic() >= deadline:
                return mine

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """The current state of those of ``location_ids`` this shard owns."""
        return self.feed.read([key for key in location_ids if self.shard.owns(key)])

    def read_all(self) -> Iterator[Location]:
        """This shard's locations."""
        return (location for location in self.feed.read_all() if self.shard.owns(location.location_id))

    def close(self) -> None:
        """Close the feed."""
        self.feed.close()


__all__ = ["Shard", "ShardFeed"]
