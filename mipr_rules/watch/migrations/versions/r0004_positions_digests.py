"""Schema version 4: change-feed positions per (source, ruleset), saved with the alerts they led to; the last
digest per target (it was one value per store, so targets with different digest schedules interfered)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``feed_positions`` and ``digests``; the store's last digest becomes that of every target waiting for one."""
    op.create_table(
        "feed_positions",
        sa.Column("source_key", sa.Text, primary_key=True),  # digest of the source (no secrets)
        sa.Column("ruleset_id", sa.Text, primary_key=True),
        sa.Column("position", sa.Text, nullable=False),  # the feed's own text (log:SEQ, cursor:DATETIME...)
        sa.Column("source", sa.Text, nullable=False),  # the source as messages show it (no password, no query)
        sa.Column("saved_at", sa.Text),  # service clock, UTC ISO
    )
    op.create_table(
        "digests",
        sa.Column("target_key", sa.Text, primary_key=True),
        sa.Column("last_sent", sa.Text, nullable=False),  # service clock, UTC ISO
    )
    op.execute(
        "INSERT INTO digests (target_key, last_sent) SELECT DISTINCT outbox.target_key, store_info.value "
        "FROM outbox, store_info WHERE store_info.key = 'last_digest'"
    )
