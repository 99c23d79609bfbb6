"""Schema version 2: outbox keys written before it (digests of the whole target, secrets included) are marked.

They cannot be turned into the new keys (a digest is one way); ``AlertStore.adopt_legacy`` re-keys them the
first time the same target is given again.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Mark the outbox keys of schema version 1."""
    op.execute("UPDATE outbox SET target_key = 'legacy:' || target_key")
