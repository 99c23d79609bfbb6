"""Schema version 5: a digest of each alert's stored values, so that a check compares open alerts by it
instead of reading their text (the detail document alone is most of a row)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``alerts.digest`` (empty: the next check of each location writes it, once)."""
    with op.batch_alter_table("alerts") as alerts:
        alerts.add_column(sa.Column("digest", sa.Text))  # blake2b of the value columns (``hits.values_digest``)
