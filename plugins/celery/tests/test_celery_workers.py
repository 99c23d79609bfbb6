"""``mipr watch --executor celery`` with two real ``celery worker`` processes on the local RabbitMQ (and Redis):
1,000 homes evaluated on the workers give the alerts of a single-process run, also when one worker is killed
with SIGKILL in the middle of a task (late acknowledgement: its partition is redelivered to the other).

The queue is unique to the test; the PostgreSQL store is a fresh database, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.api import Session
from mipr_rules.samples.generate import generate_home

AS_OF = dt.date(2026, 11, 2)
HOMES = 1000
RABBIT = "amqp://guest:guest@localhost:5672//"
REDIS = "redis://localhost:6379/11"
PG_ADMIN = "postgresql://postgres@localhost/postgres"
KEY = "mipr-rules celery test key"


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str, str]]]:
    """1,000 small homes (a third with the sample's planted gaps) and their alerts from one process."""
    folder = tmp_path_factory.mktemp("homes")
    data = [
        generate_home(
            AS_OF,
            seed=i,
            residents=3 + i % 3,
            staff=2 + i % 3,
            planted_gaps=i % 3 == 0,
            location_id=f"1-{i:09d}",
            name=f"Home {i}",
        )
        for i in range(HOMES)
    ]
    source = folder / "homes.json"
    source.write_text(json.dumps(data))
    with Session() as session:
        report = session.readiness(FileAdapter().read(str(source), ReadContext(key=KEY.encode())), as_of=AS_OF)
    assert report.failures == ()
    return source, report.alert_keys()


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    name = f"mipr_celery_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable on localhost ({exc}); start it (service postgresql start)")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql://postgres@localhost/{name}"
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        admin.execute(f'DROP DATABASE "{name}"')


class Worker:
    """``celery -A mipr_rules_celery worker`` in its own process group; its log lines collected."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.received = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mipr_rules_celery",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-n",
                f"{name}@localhost",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()
            if "received" in line and "mipr.evaluate_partition" in line:
                self.received.set()

    def task_ids(self, what: str) -> set[str]:
        return {m[1] for line in self.lines if what in line for m in [re.search(r"\[([0-9a-f-]{36})\]", line)] if m}

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _broker_up(broker: str) -> None:
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(f"the broker {broker} is not reachable ({type(exc).__name__}); start RabbitMQ / Redis on localhost")


@pytest.mark.parametrize(("broker", "kill"), [(RABBIT, True), (REDIS, False)], ids=["rabbitmq-kill", "redis"])
def test_two_workers_give_the_single_process_alerts_and_a_killed_worker_loses_nothing(
    homes: tuple[Path, set[tuple[str, str, str]]], pg_url: str, tmp_path: Path, broker: str, kill: bool
) -> None:
    _broker_up(broker)
    source, expected = homes
    queue = f"mipr-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "MIPR_CELERY_BROKER": broker,
        "MIPR_CELERY_QUEUE": queue,
        "C_FORCE_ROOT": "1",
        "MIPR_RULES_PSEUDONYM_KEY": KEY,
    }
    env.pop("MIPR_RULES_WORKERS", None)
    workers = [Worker("one", env), Worker("two", env)]
    try:
        for w in workers:
            assert w.ready.wait(60), "".join(w.lines)
        mipr = Path(sys.executable).with_name("mipr")
        watch = subprocess.Popen(
            [
                str(mipr),
                "watch",
                "--source",
                str(source),
                "--store",
                pg_url,
                "--once",
                "--as-of",
                AS_OF.isoformat(),
                "--executor",
                "celery",
                "--broker",
                broker,
                "--format",
                "json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if kill:
            assert workers[0].received.wait(120), "".join(workers[0].lines)
            workers[0].kill()
        out, err = watch.communicate(timeout=600)
        assert watch.returncode in (0, 1), f"{err}\n--- worker two ---\n{''.join(workers[1].lines)}"
        cycle = json.loads(out)
        assert cycle["complete"] is True and cycle["error"] is None
        listed = subprocess.run(
            [str(mipr), "alerts", "list", "--store", pg_url, "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        alerts = json.loads(listed.stdout)["alerts"]
        assert {(a["location_id"], a["rule"], a["subject"]) for a in alerts} == expected
        assert len(alerts) == len(expected) > HOMES, "the homes have gaps to find"
        if kill:
            lost = workers[0].task_ids("received") - workers[0].task_ids("succeeded")
            assert lost, "the worker was killed in the middle of a task"
            assert lost <= workers[1].task_ids("succeeded"), "its task was redelivered to the other worker"
    finally:
        for w in workers:
            w.kill()
        _delete_queue(broker, queue)


def _delete_queue(broker: str, queue: str) -> None:
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # best effort: the queue may not exist
        pass
