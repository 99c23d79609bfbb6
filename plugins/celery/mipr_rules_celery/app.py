"""The Celery application of mipr-rules: late acknowledgement, one task at a time per worker process."""

from __future__ import annotations

import os

from celery import Celery

BROKER_ENV = "MIPR_CELERY_BROKER"
BACKEND_ENV = "MIPR_CELERY_BACKEND"
QUEUE_ENV = "MIPR_CELERY_QUEUE"
DEFAULT_BROKER = "amqp://guest:guest@localhost//"
DEFAULT_QUEUE = "mipr-readiness"


def default_backend(broker: str) -> str:
    """``rpc://`` for AMQP brokers (results as messages back to the caller), else the broker (Redis)."""
    return "rpc://" if broker.startswith(("amqp", "pyamqp")) else broker


def make_app(broker: str | None = None, backend: str | None = None, queue: str | None = None) -> Celery:
    """A Celery app for ``broker`` (default ``MIPR_CELERY_BROKER``)."""
    broker = broker or os.environ.get(BROKER_ENV) or DEFAULT_BROKER
    backend = backend or os.environ.get(BACKEND_ENV) or default_backend(broker)
    celery = Celery("mipr_rules_celery", broker=broker, backend=backend, include=["mipr_rules_celery.tasks"])
    celery.conf.update(
        task_acks_late=True,  # a message is acknowledged when its task is done, not when it is received
        task_reject_on_worker_lost=True,  # ...and requeued when the worker process running it dies
        worker_prefetch_multiplier=1,  # a worker holds one unacknowledged partition at a time
        task_default_queue=queue or os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE,
        # locations and results are the model's attrs objects; the broker is the provider's own, trusted
        task_serializer="pickle",
        result_serializer="pickle",
        accept_content=["pickle", "json"],
        result_accept_content=["pickle", "json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


app = make_app()
"""The app ``celery -A mipr_rules_celery worker`` runs."""
