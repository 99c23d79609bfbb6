"""The alert store: SQLite (one process) or PostgreSQL (several processes and machines), through SQLAlchemy.

One row per occurrence of an alert; at most one open occurrence per identity (location, ruleset, rule,
subject). ``apply(report)`` compares a readiness report with the open alerts of the locations it evaluated
and returns what is new, ongoing and resolved; a location missing from the report, or whose evaluation
failed, is left exactly as it was. Change sets to deliver are queued in an outbox in the same transaction.

The schema is created and upgraded by Alembic migrations (``mipr_rules/watch/migrations``); SQLite stores of
schema version 1 and 2 (before Alembic) are recognised by ``PRAGMA user_version`` and upgraded in place.

Modules: ``connection`` (URL, engine, schema and migrations, write transactions), ``recording`` (``apply``),
``queries`` (alerts and their history), ``lifecycle`` (acknowledge, snooze, escalate), ``digest``,
``outbox`` (queue, claim, deliver), ``positions`` (where change feeds stand), ``records`` (the read models),
``hits`` (a hit's columns, worked out once per hit object), ``tables`` (shared statements) and ``alert_store``
(``AlertStore``, all of them together).

Several watchers may share one PostgreSQL store: checks (``apply``) of the same location are serialised by
transaction-level advisory locks, one per location (a change is stored and queued once), while checks of other
locations go on side by side; escalations, digests and migrations take a store-wide lock that waits for every
check in progress (checks share it). The outbox is *claimed* (``FOR UPDATE SKIP LOCKED``) with a lease:
two watchers never deliver the same queued item at once, and a killed watcher's claim is taken over when its
lease expires. Every queued item carries an idempotency key that notifiers send (webhook header
``Idempotency-Key``), so a receiver can drop the one repeat a kill between delivery and bookkeeping can cause.

Time is an input: every method that needs "now" takes it (``at``), the service passes its clock.
"""

from __future__ import annotations

from mipr_rules.watch.store.alert_store import AlertStore
from mipr_rules.watch.store.connection import HEAD, SCHEMA_VERSION, STORE_KIND, shown_url, store_url
from mipr_rules.watch.store.lifecycle import MAX_NOTE
from mipr_rules.watch.store.outbox import DEFAULT_LEASE, idempotency_key
from mipr_rules.watch.store.positions import FeedPosition, source_key
from mipr_rules.watch.store.records import AlertEvent, AlertState, OutboxItem, utc

__all__ = [
    "DEFAULT_LEASE",
    "HEAD",
    "MAX_NOTE",
    "SCHEMA_VERSION",
    "STORE_KIND",
    "AlertEvent",
    "AlertState",
    "AlertStore",
    "FeedPosition",
    "OutboxItem",
    "idempotency_key",
    "shown_url",
    "source_key",
    "store_url",
    "utc",
]
