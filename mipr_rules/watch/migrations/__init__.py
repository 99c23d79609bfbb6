"""Alembic migrations of the alert store (``mipr_rules.watch.store`` runs them; no alembic.ini needed)."""
