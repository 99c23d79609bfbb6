"""Alembic revisions of the alert store, one per schema version."""
