"""The CQC adapter's change feed: the API's ``/changes/location`` endpoint, polled.

Each poll asks for the locations changed between the position (a UTC timestamp) and now, and moves the
position on to now. Changed locations are read again with ``/locations/{id}``; one the API no longer
has (HTTP 404) is a deletion. When the source names locations (``/locations/{id}`` or ``?ids=``), changes
to others are ignored. CQC publishes changes a few times a day: a poll every few minutes is plenty.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import attrs

from mipr_rules.cqc_api import CqcInputError, read_cqc_location
from mipr_rules.model import Location
from mipr_rules.watch.changes import Change, FeedOptions
from mipr_rules_adapter_cqc.adapter import DEFAULT_PER_PAGE, CqcAdapter, _entry_id
from mipr_rules_adapter_cqc.api_source import parse_api_source, utc_timestamp
from mipr_rules_adapter_cqc.client import CqcApiError


def _now() -> str:
    # The API's window end: a position in the source's own time line, not an as-of date.
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CqcChangeFeed:
    """Follows the CQC API (see the module docstring). Positions: ``cqc:YYYY-MM-DDTHH:MM:SSZ``."""

    def __init__(self, adapter: CqcAdapter, source: str, options: FeedOptions) -> None:
        self.adapter = adapter
        self.source = source
        self.api = parse_api_source(source)
        self.client = adapter.client(self.api)
        self.context = options.context
        self.poll = options.poll
        given = (options.position or "").removeprefix("cqc:")
        self._since = utc_timestamp(given, self.api.base_url, "position") if given else _now()
        self._last_poll = 0.0

    @property
    def position(self) -> str | None:
        """``cqc:TIMESTAMP``: every change before it has been returned."""
        return f"cqc:{self._since}"

    def _changed(self) -> list[str]:
        until = _now()
        params: list[tuple[str, object]] = [("startTimestamp", self._since), ("endTimestamp", until)]
        per_page = self.api.per_page or DEFAULT_PER_PAGE
        ids = []
        for _url, _index, item in self.client.paged("/changes/location", "changes", params, per_page):
            found = _entry_id(item, "locationId")
            if found is not None and (not self.api.location_ids or found in self.api.location_ids):
                ids.append(found)
        self._since = until
        return list(dict.fromkeys(ids))

    def wait(self, timeout: float) -> Sequence[Change]:
        """The locations changed since the last poll; polls at most every ``poll`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() - self._last_poll >= self.poll:
                self._last_poll = time.monotonic()
                position = f"cqc:{self._since}"
                ids = self._changed()
                if ids:
                    return [
                        Change(location_id, "locations", location_id, False, position) for location_id in ids
                    ]
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            time.sleep(min(left, max(self.poll - (time.monotonic() - self._last_poll), 0.01)))

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """These locations as the API has them now (one it no longer has is not yielded)."""
        context = attrs.evolve(self.context, skips=[], kept=Counter())
        for location_id in location_ids:
            where = self.client.url(self.client.location_path(location_id))
            try:
                data = self.client.location(location_id)
            except CqcApiError as exc:
                if exc.status == 404:
                    continue
                raise
            try:
                location, _facts = read_cqc_location(data, where, key=context.key, root="$")
            except CqcInputError as exc:
                context.problem(exc.source, exc.reason, "locations")
                continue
            yield context.count(location)

    def read_all(self) -> Iterator[Location]:
        """Every location the source names."""
        context = attrs.evolve(self.context, skips=[], kept=Counter())
        yield from context.read(self.adapter, self.source)

    def close(self) -> None:
        """Nothing to release (each request has its own connection)."""
