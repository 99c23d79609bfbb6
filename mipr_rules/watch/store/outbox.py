"""The outbox: change sets queued per target, claimed by watchers (``FOR UPDATE SKIP LOCKED``, leases), delivered.

Every queued item carries an idempotency key that notifiers send (webhook header ``Idempotency-Key``), so a
receiver can drop the one repeat a kill between delivery and bookkeeping can cause."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, Target
from mipr_rules.watch.store.connection import StoreConnection
from mipr_rules.watch.store.records import OutboxItem, utc
from mipr_rules.watch.store.tables import OUTBOX, insert_rows, run

DEFAULT_LEASE = dt.timedelta(seconds=60)
"""How long a claim on queued notifications holds before another watcher may take it over."""
_LEGACY = "legacy:"
"""Prefix of outbox keys written before schema version 2."""


def idempotency_key(changes_id: str, target: Target) -> str:
    """The key of one notification: the change set and the target (no secrets: ``Target.key`` has none)."""
    return hashlib.sha256(f"{changes_id}\x1f{target.key}".encode()).hexdigest()[:32]


def queue(db: sa.Connection, changes: AlertChanges, targets: Iterable[Target], *, hold: bool = False) -> None:
    targets = list(targets)
    if not targets:
        return
    document = changes.to_json()
    rows = [
        {
            "target_key": target.key,
            "target_label": target.label,
            "changes": document,
            "idempotency_key": idempotency_key(changes.id, target),
            "held": int(hold),
        }
        for target in {t.key: t for t in targets}.values()  # one per target, whatever its credentials
    ]
    if rows:
        insert_rows(db, OUTBOX, rows)


class Outbox(StoreConnection):
    """Queued notifications: waiting, claimed, delivered or failed."""

    def pending(self, target_key: str | None = None) -> list[OutboxItem]:
        """Notifications waiting for delivery (not held for a digest), oldest first (for one target, if given)."""
        sql = "SELECT id, target_label, changes, attempts, last_error, idempotency_key FROM outbox WHERE held = 0"
        args: dict[str, Any] = {}
        if target_key is not None:
            sql, args = sql + " AND target_key = :k", {"k": target_key}
        return [OutboxItem(*r) for r in self._tuples(sql + " ORDER BY id", args)]

    def _tuples(self, sql: str, args: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self._engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(sa.text(sql), dict(args))]
            conn.rollback()
            return rows

    def claim(
        self, target_key: str, worker: str, *, at: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE, limit: int = 100
    ) -> list[OutboxItem]:
        """Claim up to ``limit`` notifications waiting for a target, oldest first, for ``lease``.

        Items claimed by another worker whose lease has not expired are skipped (on PostgreSQL, rows another
        transaction is claiming at this instant too: ``FOR UPDATE SKIP LOCKED``).
        """
        now = utc(at)
        lock = "" if self.sqlite else " FOR UPDATE SKIP LOCKED"
        with self._write() as db:
            rows = [
                tuple(r)
                for r in db.execute(
                    sa.text(
                        "SELECT id, target_label, changes, attempts, last_error, idempotency_key FROM outbox "
                        "WHERE target_key = :k AND held = 0 AND (lease_until IS NULL OR lease_until < :now "
                        f"OR claimed_by = :w) ORDER BY id LIMIT :n{lock}"
                    ),
                    {"k": target_key, "now": now, "w": worker, "n": limit},
                )
            ]
            if rows:
                run(
                    db,
                    "UPDATE outbox SET claimed_by = :w, lease_until = :u WHERE id IN :ids",
                    {"w": worker, "u": utc(at + lease), "ids": [r[0] for r in rows]},
                    "bigint",
                )
        return [OutboxItem(*r) for r in rows]

    def release(self, worker: str) -> None:
        """Give up every claim of ``worker`` (a clean stop), so that others need not wait for the lease."""
        with self._write() as db:
            db.execute(
                sa.text("UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = :w"), {"w": worker}
            )

    def pending_elsewhere(self, targets: Sequence[Target]) -> int:
        """Notifications waiting for targets that are not among ``targets``."""
        keys = [t.key for t in targets]
        if not keys:
            return int(self._rows("SELECT count(*) AS n FROM outbox")[0]["n"])
        with self._engine.connect() as conn:
            n = conn.execute(
                sa.text("SELECT count(*) FROM outbox WHERE target_key NOT IN :keys").bindparams(
                    sa.bindparam("keys", expanding=True)
                ),
                {"keys": keys},
            ).scalar_one()
            conn.rollback()
        return int(n)

    def adopt_legacy(self, targets: Sequence[Target]) -> int:
        """Re-key change sets queued before schema version 2 for any of ``targets``; how many were."""
        if not self._rows("SELECT 1 AS one FROM outbox WHERE target_key LIKE :p LIMIT 1", p=_LEGACY + "%"):
            return 0
        adopted = 0
        with self._write() as db:
            for target in targets:
                cursor = db.execute(
                    sa.text("UPDATE outbox SET target_key = :k WHERE target_key = :old"),
                    {"k": target.key, "old": _LEGACY + target.legacy_key},
                )
                adopted += max(cursor.rowcount, 0)
        return adopted

    def delivered(self, item_id: int) -> None:
        """Remove a delivered notification from the outbox."""
        with self._write() as db:
            db.execute(sa.text("DELETE FROM outbox WHERE id = :id"), {"id": item_id})

    def delivery_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt; the notification stays queued (and its claim is released)."""
        with self._write() as db:
            db.execute(
                sa.text(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = :e, claimed_by = NULL, lease_until = NULL "
                    "WHERE id = :id"
                ),
                {"e": error, "id": item_id},
            )
