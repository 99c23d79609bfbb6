"""Schema version 6: a revision of each location's alerts, so that a check that recorded a location last can
compare against the open alerts it left instead of reading them again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``locations.revision`` (0): every check that writes the location's alerts and every acknowledgement
    adds one."""
    with op.batch_alter_table("locations") as locations:
        locations.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
