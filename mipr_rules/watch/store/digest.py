"""Digests: the change sets held for each target turned into one summary."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, CheckedLocation, StoredAlert, Target
from mipr_rules.watch.store.connection import StoreConnection
from mipr_rules.watch.store.outbox import queue
from mipr_rules.watch.store.records import by_rank, parse_at, utc
from mipr_rules.watch.store.tables import run, upsert


class Digests(StoreConnection):
    """Summaries of held change sets, per target."""

    def digest(self, targets: Sequence[Target], *, at: dt.datetime, on: dt.date) -> int:
        """Turn the change sets held for each target into one summary; how many summaries were queued.

        The summary lists what is still new (first stored since the last digest and still open, not snoozed)
        and what was resolved since, per target; a target with nothing held gets nothing. Each target's last
        digest becomes ``at`` (``last_digest(target)``), whether or not it got one.
        """
        made = 0
        with self._write() as db:
            self._lock_writers(db)
            for target in {t.key: t for t in targets}.values():
                held = list(
                    db.execute(
                        sa.text("SELECT id, changes FROM outbox WHERE target_key = :k AND held = 1 ORDER BY id"),
                        {"k": target.key},
                    ).mappings()
                )
                if not held:
                    continue
                sets = [AlertChanges.from_json(r["changes"]) for r in held]
                new: dict[str, StoredAlert] = {}
                resolved: dict[str, StoredAlert] = {}
                locations: dict[str, CheckedLocation] = {}
                for changes in sets:
                    for loc in changes.locations:
                        locations[loc.location_id] = loc
                    for a in changes.new:
                        new[a.alert_id] = a
                        resolved.pop(a.alert_id, None)
                    for a in changes.resolved:
                        if new.pop(a.alert_id, None) is None:
                            resolved[a.alert_id] = a
                snoozed = {
                    r[0]
                    for r in db.execute(
                        sa.text("SELECT alert_id FROM alerts WHERE resolved_on IS NULL AND snoozed_until > :o"),
                        {"o": on.isoformat()},
                    )
                }
                last = sets[-1]
                summary = AlertChanges(
                    id=uuid.uuid4().hex,
                    as_of=on,
                    ruleset_id=last.ruleset_id,
                    ruleset_version=last.ruleset_version,
                    locations=tuple(locations[k] for k in sorted(locations)),
                    new=tuple(by_rank([a for k, a in new.items() if k not in snoozed])),
                    resolved=tuple(by_rank(list(resolved.values()))),
                    event="digest",
                )
                run(db, "DELETE FROM outbox WHERE id IN :ids", {"ids": [r["id"] for r in held]}, "bigint")
                if summary.has_news:
                    queue(db, summary, [target])
                    made += 1
            for target in targets:
                upsert(db, "digests", "target_key", target_key=target.key, last_sent=utc(at))
            upsert(db, "store_info", "key", key="last_digest", value=utc(at))
        return made

    def start_digests(self, targets: Sequence[Target], *, at: dt.datetime) -> None:
        """Count ``at`` as the last digest of each of ``targets`` that never had one (their first is due at the
        next scheduled time after it); the others are left alone."""
        if not targets:
            return
        with self._write() as db:
            db.execute(
                sa.text(
                    "INSERT INTO digests (target_key, last_sent) VALUES (:k, :at) ON CONFLICT (target_key) DO NOTHING"
                ),
                [{"k": key, "at": utc(at)} for key in dict.fromkeys(t.key for t in targets)],
            )

    def last_digest(self, target: Target | None = None) -> dt.datetime | None:
        """The service clock of the last digest of ``target`` (``None``: of any target)."""
        if target is not None:
            rows = self._rows("SELECT last_sent AS value FROM digests WHERE target_key = :k", k=target.key)
        else:
            rows = self._rows("SELECT value FROM store_info WHERE key = 'last_digest'")
        return parse_at(rows[0]["value"]) if rows else None
