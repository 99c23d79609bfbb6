"""The watch service: sources of changes, evaluation, the shared alert store, the alert lifecycle, notification.

``service.WatchService`` runs in a vendor's own process (``start``, ``stop``, ``health``); ``mipr watch`` is a
thin command over it. ``store.AlertStore`` keeps alerts in SQLite or PostgreSQL (SQLAlchemy, Alembic).
Modules are imported on use: importing this package loads nothing heavy.
"""
