"""Schema version 1: store_info, locations, alerts (one row per occurrence), outbox."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN = sa.text("resolved_on IS NULL")


def upgrade() -> None:
    """Create the tables of schema version 1."""
    op.create_table(
        "store_info", sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False)
    )
    op.create_table(
        "locations",
        sa.Column("location_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("last_checked", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_on", sa.Text),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in (
                "alert_id",
                "location_id",
                "ruleset_id",
                "rule_id",
                "subject",
                "ruleset_version",
                "severity",
                "title",
                "message",
                "facts",
                "detail",
                "first_seen",
                "last_seen",
            )
        ),
        sa.Column("resolved_on", sa.Text),
        sa.Column("acknowledged_by", sa.Text),
        sa.Column("acknowledged_on", sa.Text),
        sa.Column("acknowledgement_note", sa.Text),
    )
    op.create_index(
        "alerts_open",
        "alerts",
        ["location_id", "ruleset_id", "rule_id", "subject"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("alerts_by_alert_id", "alerts", ["alert_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target_key", sa.Text, nullable=False),
        sa.Column("target_label", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("outbox_by_target", "outbox", ["target_key", "id"])
