"""``Session.readiness`` inside a Celery task, run by a real ``celery worker`` (prefork pool: tasks run in daemonic
processes, which ``multiprocessing`` forbids to have children) with the Redis broker on localhost:6379.

The queue and the Redis keys are unique to the test and removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from mipr_rules.testing.contract import sample_path

pytest.importorskip("celery", reason="the test extra installs celery")
redis = pytest.importorskip("redis", reason="the test extra installs redis")

REDIS_DB = 9
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def _redis() -> redis.Redis:
    client = redis.Redis(host="localhost", port=6379, db=REDIS_DB, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is not running on localhost:6379 ({exc}); start it with: {START_REDIS}")
    return client


def test_a_celery_task_returns_the_samples_alerts(tmp_path: Path) -> None:
    store = _redis()
    queue = f"mipr-test-{uuid.uuid4().hex[:12]}"
    url = f"redis://localhost:6379/{REDIS_DB}"
    (tmp_path / "readiness_tasks.py").write_text(
        textwrap.dedent(
            f"""
            import datetime as dt
            from celery import Celery

            app = Celery("readiness_tasks", broker={url!r}, backend={url!r})
            app.conf.update(task_default_queue={queue!r}, broker_connection_retry_on_startup=True,
                            worker_hijack_root_logger=False, result_expires=300)

            @app.task
            def readiness(path):
                from mipr_rules.adapters.base import ReadContext
                from mipr_rules.privacy import default_pseudonym_key
                from mipr_rules.adapters.file_adapter import FileAdapter
                from mipr_rules.api import Session

                locations = FileAdapter().read(path, ReadContext(key=default_pseudonym_key()))
                with Session() as session:
                    report = session.readiness(locations, as_of=dt.date(2026, 11, 2))
                return [[a.rule_id, a.subject] for a in report.alerts()], [r.error for r in report.locations]
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "client.py").write_text(
        textwrap.dedent(
            f"""
            import json
            from readiness_tasks import readiness
            result = readiness.apply_async(args=[{str(sample_path())!r}], queue={queue!r})
            print(json.dumps([result.id, result.get(timeout=90)]))
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "C_FORCE_ROOT": "1"}
    env.pop("MIPR_RULES_WORKERS", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "readiness_tasks", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "-n", f"{queue}@localhost", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel=WARNING"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        client = subprocess.run(
            [sys.executable, "client.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
            check=False,
        )
    finally:
        worker.terminate()
        try:
            log, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            log, _ = worker.communicate()
        for key in store.scan_iter(match=f"*{queue}*"):
            store.delete(key)
    assert client.returncode == 0, f"{client.stderr}\n--- celery worker ---\n{log}"
    import json

    task_id, (alerts, errors) = json.loads(client.stdout)
    store.delete(f"celery-task-meta-{task_id}")
    assert errors == [None], errors
    assert len(alerts) == 23, alerts
