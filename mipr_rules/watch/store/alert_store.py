"""``AlertStore``: the store's parts (recording, queries, lifecycle, digests, outbox) over one connection."""

from __future__ import annotations

from mipr_rules.watch.store.digest import Digests
from mipr_rules.watch.store.lifecycle import Lifecycle
from mipr_rules.watch.store.outbox import Outbox
from mipr_rules.watch.store.recording import Recording


class AlertStore(Recording, Lifecycle, Digests, Outbox):
    """An alert store at a path (SQLite) or URL. Use as a context manager, or call ``close()``."""

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
