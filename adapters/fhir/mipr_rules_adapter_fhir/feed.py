"""The FHIR adapter's change feed: a server polled with ``_lastUpdated``.

Each poll asks every searched resource type for resources updated after the position
(``GET [base]/[type]?_lastUpdated=gtINSTANT&_count=1&_elements=id,meta``) and, where the server gives it,
its ``_summary=count`` total (a total that drops is a deletion, which ``_lastUpdated`` cannot show). When
anything moved, the location is read again and compared with the last read: the feed reports a change
only if the location differs, so a server that ignores the filter costs reads, never false alerts. The
position is the latest ``meta.lastUpdated`` seen (``fhir:INSTANT``); a follower that starts again reads
everything anyway.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from mipr_rules.adapters.base import Adapter
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.watch.changes import Change, FeedOptions
from mipr_rules_adapter_fhir.server import SEARCHES, _get_json, is_server_url


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


class FhirChangeFeed:
    """Follows a FHIR server (see the module docstring)."""

    def __init__(self, adapter: Adapter, source: str, options: FeedOptions) -> None:
        if not is_server_url(source):
            raise InputError(
                f"{source}: --follow needs a FHIR server base URL (a Bundle file has no changes)"
            )
        self.adapter = adapter
        self.source = source
        self.base = source.rstrip("/")
        self.context = options.context
        self.poll = options.poll
        given = _instant((options.position or "").removeprefix("fhir:"))
        # The server's clock, not ours, stamps resources: start a little back (a re-read costs nothing).
        self._since = given or dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        self._totals: dict[str, int] = {}
        self._locations: dict[str, Location] = {}
        self._last_poll = 0.0

    @property
    def position(self) -> str | None:
        """``fhir:INSTANT``: the latest ``meta.lastUpdated`` seen."""
        return f"fhir:{self._since.isoformat()}"

    def _moved(self) -> bool:
        moved = False
        since = quote(self._since.isoformat(), safe="")
        for resource_type in SEARCHES:
            origin = f"{self.base}/{resource_type} (_lastUpdated)"
            url = f"{self.base}/{resource_type}?_lastUpdated=gt{since}&_count=1&_elements=id,meta"
            bundle = _get_json(url, origin)
            for entry in bundle.get("entry") or () if isinstance(bundle, dict) else ():
                stamp = _instant(((entry or {}).get("resource") or {}).get("meta", {}).get("lastUpdated"))
                if stamp is None or stamp > self._since:
                    moved = True
                    if stamp is not None:
                        self._since = max(self._since, stamp)
            counted = _get_json(
                f"{self.base}/{resource_type}?_summary=count", f"{self.base}/{resource_type} (count)"
            )
            total = counted.get("total") if isinstance(counted, dict) else None
            if isinstance(total, int) and not isinstance(total, bool):
                if self._totals.get(resource_type, total) != total:
                    moved = True
                self._totals[resource_type] = total
        return moved

    def _read(self) -> dict[str, Location]:
        context = attrs.evolve(self.context, skips=[], kept=Counter())
        return {location.location_id: location for location in context.read(self.adapter, self.source)}

    def wait(self, timeout: float) -> Sequence[Change]:
        """The location, if it changed since the last poll; polls at most every ``poll`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() - self._last_poll >= self.poll:
                self._last_poll = time.monotonic()
                if self._moved():
                    before, after = self._locations, self._read()
                    self._locations = after
                    position = self.position or ""
                    changes = [
                        Change(k, "fhir", "", False, position) for k, v in after.items() if before.get(k) != v
                    ]
                    changes += [Change(k, "fhir", "", True, position) for k in before if k not in after]
                    if changes:
                        return changes
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            time.sleep(min(left, max(self.poll - (time.monotonic() - self._last_poll), 0.01)))

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """These locations as last read."""
        for key in location_ids:
            if key in self._locations:
                yield self._locations[key]

    def read_all(self) -> Iterator[Location]:
        """The server's location, read now."""
        self._locations = self._read()
        yield from self._locations.values()

    def close(self) -> None:
        """Nothing to release."""
