"""Two watchers on one PostgreSQL store, one killed with SIGKILL at random points while records change.

Used by tests/watch/test_two_watchers_killed.py (a few kills) and bench/watch_kill.py (50). What it checks:
every change the store recorded (an alert new or resolved) reached the webhook receiver, each change set under
exactly one idempotency key (a repeat with the same key, which a kill between sending and bookkeeping can
cause, is what receivers drop), and ``mipr alerts list`` equals a full readiness run of the final records.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
from alert_support import Receiver, fix_care_plan_review, run_mipr, second_home, write_source

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.store import AlertStore

WATCHER = """
import datetime as dt, sys
from mipr_rules.api import Session
source, store, notify, as_of, lease, config = sys.argv[1:]
service = Session.from_config(config, processes=1).watch_service(
    source=source, store=store, notify=[notify], allow_http=True,
    as_of=dt.date.fromisoformat(as_of), interval=0.05, lease=dt.timedelta(seconds=float(lease)),
)
print("ready", flush=True)
service.run()
"""
LEASE = 1.0
"""Seconds a killed watcher's claim holds before the other takes it over."""
WAIT = 90.0
"""Longest wait for the store to reflect a change (a failure, not a timing measurement)."""


@attrs.define
class Outcome:
    """What a run saw."""

    kills: int
    changes: int
    """Alerts new or resolved, as the store recorded them."""
    notifications: int
    """Distinct idempotency keys received."""
    repeats: int
    """Requests that repeated a key already received (dropped by a receiver that deduplicates)."""
    first: int = 0
    """Alerts raised by the first check (both homes)."""


@attrs.define
class Watcher:
    """One ``WatchService`` in its own process (and process group: its engine worker dies with it)."""

    args: list[str]
    cwd: Path
    """An empty directory to run in: not the source tree, whose mipr_rules/ would shadow the installed
    package under ``python -c``, nor a shared one such as /tmp, whose stray modules would shadow others."""
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WATCHER, *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            cwd=self.cwd,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready", "the watcher did not start"

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None


def _wait(condition: Any, what: str) -> None:
    end = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"not reached within {WAIT:g} s: {what}")
        time.sleep(0.05)


def run(
    workdir: Path, pg_url: str, receiver: Receiver, home: dict[str, Any], as_of: dt.date, kills: int, seed: int = 0
) -> Outcome:
    """Run the scenario; raises ``AssertionError`` when an invariant breaks."""
    rng = random.Random(seed)
    original = json.loads(json.dumps(home))
    homes = [home, second_home(home)]
    source = workdir / "homes.json"
    config = workdir / "provider.yaml"
    config.write_text("notify:\n  allow_hosts: [127.0.0.1]\n")

    def write() -> None:
        write_source(workdir / "homes.tmp", *homes)
        os.replace(workdir / "homes.tmp", source)

    write()
    with Evaluator(processes=1) as evaluator:
        start = Session(evaluator=evaluator).readiness(
            FileAdapter().read(str(source), ReadContext(key=TEST_KEY)), as_of=as_of
        )
    base = len(start.alert_keys())
    with AlertStore(pg_url):
        pass  # the schema, before two processes race to create it
    args = [str(source), pg_url, f"webhook:{receiver.url()}", as_of.isoformat(), str(LEASE), str(config)]
    empty = workdir / "cwd"
    empty.mkdir()
    watchers = [Watcher(args, empty), Watcher(args, empty)]
    fixed = [False, False]
    try:
        for w in watchers:
            w.start()
        with AlertStore(pg_url) as store:
            _wait(lambda: len(store.open_alerts()) == base, "the first check")
            for step in range(kills):
                which = step % 2
                fixed[which] = not fixed[which]
                if fixed[which]:
                    fix_care_plan_review(homes[which], as_of)
                else:
                    person = next(p for p in homes[which]["people"] if p["person_id"] == "R07")
                    orig = next(p for p in original["people"] if p["person_id"] == "R07")
                    person["care_plans"][0]["last_reviewed"] = orig["care_plans"][0]["last_reviewed"]
                write()
                time.sleep(rng.uniform(0, 0.5))
                victim = watchers[rng.randrange(2)]
                victim.kill()
                victim.start()
                expected = base - sum(fixed)
                _wait(lambda n=expected: len(store.open_alerts()) == n, f"step {step}: {expected} open alerts")
            _wait(lambda: not store.pending(), "every notification delivered")
            events = collections.Counter(
                (e.alert_id, e.kind)
                for alert_id in {a.alert.alert_id for a in store.states(open_only=False)}
                for e in store.events(alert_id)
                if e.kind in ("new", "resolved")
            )
    finally:
        for w in watchers:
            w.kill()
    by_key: dict[str, Any] = {}
    repeats = 0
    keys_of_change_set: dict[str, set[str]] = collections.defaultdict(set)
    for request in list(receiver.requests):
        key = request.headers["Idempotency-Key"]
        body = request.json()
        keys_of_change_set[body["id"]].add(key)
        if key in by_key:
            repeats += 1
            assert by_key[key] == body, "a repeat under one key carries the same notification"
        by_key[key] = body
    assert all(len(keys) == 1 for keys in keys_of_change_set.values()), "a change set under two keys"
    delivered = collections.Counter(
        (a["alert_id"], kind) for body in by_key.values() for kind in ("new", "resolved") for a in body[kind]
    )
    assert delivered == events, (
        f"delivered {sum(delivered.values())} changes; the store recorded {sum(events.values())}"
    )
    listed = json.loads(run_mipr("alerts", "list", "--store", pg_url, "--format", "json").output)["alerts"]
    with Evaluator(processes=1) as evaluator:
        locations = FileAdapter().read(str(source), ReadContext(key=TEST_KEY))
        full = Session(evaluator=evaluator).readiness(locations, as_of=as_of)
    assert {(a["location_id"], a["rule"], a["subject"]) for a in listed} == full.alert_keys()
    return Outcome(kills, sum(events.values()), len(by_key), repeats, base)
