"""The file adapter's change feed: filesystem events (``watchfiles``) on the source file or folder.

An event re-reads the source with the file adapter and compares each location with the one read before:
the locations that differ (or appeared) are changes, those no longer there are deletions. A file caught
half-written fails to read; the error is reported and the next event (the end of the write) reads it whole.
The position is not durable (files have no change log): a follower that starts again reads everything.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.adapters.base import Adapter
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.watch.changes import Change, FeedOptions

DEBOUNCE_MS = 50
"""Events closer together than this are taken as one (an editor's save is several)."""


class FileChangeFeed:
    """Follows a file or folder read by the file adapter (see the module docstring)."""

    def __init__(self, adapter: Adapter, source: str, options: FeedOptions) -> None:
        import watchfiles

        self.adapter = adapter
        self.source = source
        self.context = options.context
        path = Path(source)
        if not path.exists():
            raise InputError(f"{source}: no such file or folder")
        self._root = path if path.is_dir() else path.parent
        self._only = None if path.is_dir() else path.resolve()
        self._locations: dict[str, Location] = {}
        self._events: queue.Queue[set[Any]] = queue.Queue()
        self._stop = threading.Event()
        self._generation = 0
        self._watcher = threading.Thread(target=self._run, args=(watchfiles,), name="mipr-file-feed", daemon=True)
        self._watcher.start()

    def _run(self, watchfiles: Any) -> None:
        for events in watchfiles.watch(
            self._root, stop_event=self._stop, debounce=DEBOUNCE_MS, step=10, raise_interrupt=False
        ):
            if self._only is not None:
                events = {event for event in events if Path(event[1]).resolve() == self._only}
            if events:
                self._events.put(events)

    @property
    def position(self) -> str | None:
        """``files:N``: the number of event batches seen (not durable)."""
        return f"files:{self._generation}"

    def _read(self) -> dict[str, Location]:
        context = attrs.evolve(self.context, skips=[], kept=Counter())
        return {location.location_id: location for location in context.read(self.adapter, self.source)}

    def wait(self, timeout: float) -> Sequence[Change]:
        """The locations that changed with the next filesystem events (waits up to ``timeout`` seconds)."""
        try:
            self._events.get(timeout=max(timeout, 0.0)) if timeout > 0 else self._events.get_nowait()
        except queue.Empty:
            return []
        while not self._events.empty():
            self._events.get_nowait()
        self._generation += 1
        before, after = self._locations, self._read()
        self._locations = after
        name, position = Path(self.source).name, self.position or ""
        changes = [Change(key, name, "", False, position) for key, loc in after.items() if before.get(key) != loc]
        changes += [Change(key, name, "", True, position) for key in before if key not in after]
        return changes

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """These locations as last read."""
        for key in location_ids:
            if key in self._locations:
                yield self._locations[key]

    def read_all(self) -> Iterator[Location]:
        """Every location, read now."""
        self._locations = self._read()
        yield from self._locations.values()

    def close(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._watcher.join(timeout=5)


@hookimpl
def mipr_change_feed(adapter: Any, source: str, options: Any) -> Any:
    """The file adapter's change feed."""
    if getattr(adapter, "name", None) != "file":
        return None
    return FileChangeFeed(adapter, source, options)
