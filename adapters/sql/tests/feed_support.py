"""What the change-feed tests share: the followed homes, a care-plan review, a follower and waiting for it."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sql_fixtures import engine

from mipr_rules.adapters.base import ReadContext
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.follow import Follower
from mipr_rules.watch.incremental import IncrementalEvaluator
from mipr_rules.watch.store import AlertStore
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.feed import SqlChangeFeed

OTHER = "1-000000002"
"""The second followed home (the sample home under another id)."""
PLAN = "CP-R07"
"""The care plan the tests review."""
RULE = "care_plan_review_overdue"
"""The rule a review 200 days ago raises."""


def review(url: str, location_id: str, on: dt.date) -> None:
    """Record that ``PLAN`` of ``location_id`` was reviewed ``on``."""
    with engine(url).begin() as connection:
        connection.execute(
            sa.update(schema.care_plans)
            .where(schema.care_plans.c.location_id == location_id, schema.care_plans.c.plan_id == PLAN)
            .values(last_reviewed=on)
        )


def follower(
    url: str,
    store: AlertStore,
    evaluator: Evaluator,
    clock: Callable[[], dt.datetime],
    as_of: dt.date,
    position: str | None = None,
    **options: Any,
) -> Follower:
    """A follower of ``url`` (the SQL feed from ``position``) into ``store``, with no daily sweep."""
    ruleset = Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of)
    feed = SqlChangeFeed(url, FeedOptions(ReadContext(key=TEST_KEY), position, poll=0.05))
    compiled = evaluator.compile(ruleset, None, Location)
    incremental = IncrementalEvaluator(evaluator, compiled)
    return Follower(feed, incremental, store, clock=clock, sweep_at=None, **options)


def until(follower: Follower, what: Callable[[], Any], rounds: int = 200) -> None:
    """Step ``follower`` until ``what()`` holds (``AssertionError`` if it never does)."""
    for _ in range(rounds):
        follower.step(timeout=0.2)
        if what():
            return
    raise AssertionError("the change never arrived")


class Follow:
    """``mipr watch --follow`` in a process of its own (more ``options`` after the usual ones), its JSON steps
    read as they come; ``key``: its pseudonymisation key."""

    def __init__(self, source: str, store: Path | str, *options: str, key: str = "feed test key") -> None:
        command = [
            str(Path(sys.executable).with_name("mipr")),
            "watch", "--follow", "--adapter", "sql", "--source", source, "--store", str(store),
            "--as-of", sample_as_of().isoformat(), "--format", "json", "--poll", "0.05", "--sweep-at", "off",
            *options,
        ]  # fmt: skip
        env = {**os.environ, "MIPR_RULES_PSEUDONYM_KEY": key}
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout or ():
            self.lines.put(line)

    def step(self) -> dict[str, Any]:
        """The next step it printed (``AssertionError`` after 120 s of nothing)."""
        try:
            return dict(json.loads(self.lines.get(timeout=120)))
        except queue.Empty:
            self.process.kill()
            raise AssertionError("mipr watch --follow printed nothing for 120 s") from None

    def stop(self) -> str:
        """Stop it (SIGTERM); what it wrote on standard error."""
        self.process.terminate()
        _, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return err
