"""Helpers of the watch service tests: a fresh PostgreSQL database per test, a clock that is an input, and the
alert tests' real receivers (tests/alerts/alert_support.py)."""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "alerts"))

from alert_support import mail_server, receiver  # on the path just above; fixtures for conftest

if TYPE_CHECKING:
    from mipr_rules.watch.follow import Follower

__all__ = ["mail_server", "postgres_database", "receiver", "step_until_changes"]

PG_ADMIN = "postgresql://postgres@localhost/postgres"
START_PG = "start it (e.g. `service postgresql start`; the tests connect as user postgres, trust auth, on localhost)"


@contextmanager
def postgres_database(prefix: str = "mipr_watch") -> Iterator[str]:
    """A new, empty PostgreSQL database on localhost; its URL; dropped afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL is not reachable on localhost ({exc}); {START_PG}") from None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@localhost/{name}"
        finally:
            admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@attrs.define
class Clock:
    """The service's clock as a test sets it: time is an input."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def step_until_changes(follower: Follower) -> None:
    """Step ``follower`` until a step applies changes (a file feed hears of a save a little after it)."""
    for _ in range(100):
        if any(step.reason == "changes" for step in follower.step(timeout=0.2)):
            return
    raise AssertionError("the change was never applied")
