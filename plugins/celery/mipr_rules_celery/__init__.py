"""mipr watch on Celery: ``celery -A mipr_rules_celery worker`` evaluates locations for ``mipr watch --executor
celery --broker URL`` (docs/deploy-celery.md).

The broker is ``MIPR_CELERY_BROKER`` (default ``amqp://guest:guest@localhost//``); results travel back over
``MIPR_CELERY_BACKEND`` (default: ``rpc://`` for an AMQP broker, the broker itself for Redis). Tasks are
acknowledged late and requeued when a worker is lost, and are idempotent (a pure evaluation; the store's
``apply`` tells news once), so a worker killed mid-task loses no location.
"""

from __future__ import annotations

from mipr_rules_celery.app import app, make_app

__all__ = ["app", "make_app"]
