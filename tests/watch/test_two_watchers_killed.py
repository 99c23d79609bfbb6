"""Two watchers share one PostgreSQL store; one is killed with SIGKILL at random points (a few times here, 50
times in bench/watch_kill.py): every change is delivered, none twice by idempotency key, and ``mipr alerts
list`` equals a full readiness run. Real processes, a real PostgreSQL server and a real HTTP receiver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kill_harness import run

from mipr_rules.testing import TEST_KEY  # noqa: F401  (the harness's watchers share the suite's key)


def test_a_watcher_killed_at_random_points_loses_and_repeats_nothing(
    tmp_path: Path, pg_url: str, receiver: Any, home: dict[str, Any], as_of: dt.date
) -> None:
    outcome = run(tmp_path, pg_url, receiver, home, as_of, kills=4, seed=12)
    print(outcome)
    assert outcome.changes >= outcome.first + 4 and outcome.notifications >= 5
