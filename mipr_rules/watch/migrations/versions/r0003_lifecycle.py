"""Schema version 3: the alert lifecycle (events, snooze, escalation) and a shared outbox (claims, leases,
idempotency keys, digests)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the lifecycle columns, the events table and the outbox's claim columns."""
    with op.batch_alter_table("alerts") as alerts:
        alerts.add_column(sa.Column("opened_at", sa.Text))  # service clock (UTC ISO) when first stored
        alerts.add_column(sa.Column("snoozed_until", sa.Text))  # date: snoozed while the as-of date is before it
        alerts.add_column(sa.Column("snoozed_by", sa.Text))
        alerts.add_column(sa.Column("snooze_reason", sa.Text))
        alerts.add_column(sa.Column("escalated_at", sa.Text))
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("idempotency_key", sa.Text))
        outbox.add_column(sa.Column("claimed_by", sa.Text))
        outbox.add_column(sa.Column("lease_until", sa.Text))  # UTC ISO; an expired claim is taken over
        outbox.add_column(sa.Column("held", sa.Integer, nullable=False, server_default="0"))  # waits for a digest
    op.execute("UPDATE outbox SET idempotency_key = 'legacy-' || CAST(id AS TEXT) WHERE idempotency_key IS NULL")
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Text, nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),  # alerts.id
        sa.Column("kind", sa.Text, nullable=False),  # new, resolved, acknowledged, snoozed, escalated
        sa.Column("at", sa.Text),  # service clock, UTC ISO (None for events migrated from schema 2)
        sa.Column("as_of", sa.Text, nullable=False),
        sa.Column("by", sa.Text),  # pseudonymous staff id, or None for the service itself
        sa.Column("note", sa.Text),
    )
    op.create_index("alert_events_by_alert_id", "alert_events", ["alert_id", "id"])
    # the history of schema-2 stores, as far as it can be told
    op.execute(
        "INSERT INTO alert_events (alert_id, occurrence, kind, as_of) "
        "SELECT alert_id, id, 'new', first_seen FROM alerts"
    )
    op.execute(
        "INSERT INTO alert_events (alert_id, occurrence, kind, as_of) "
        "SELECT alert_id, id, 'resolved', resolved_on FROM alerts WHERE resolved_on IS NOT NULL"
    )
    op.execute(
        "INSERT INTO alert_events (alert_id, occurrence, kind, as_of, by, note) SELECT alert_id, id, 'acknowledged', "
        "acknowledged_on, acknowledged_by, acknowledgement_note FROM alerts WHERE acknowledged_by IS NOT NULL"
    )
