"""Two watchers on one PostgreSQL store, one killed with SIGKILL at random points 50 times (issue 12).

Every change delivered, none twice by idempotency key, ``mipr alerts list`` consistent: the invariants of
tests/watch/kill_harness.py, over more kills than the required suite can afford (it runs 4). Needs PostgreSQL
on localhost (user postgres, trust). Ends with one line::

    watch kill: K kills, C changes delivered, N notifications, R repeats dropped by key, S s
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(HERE / "tests" / "watch"), str(HERE / "tests" / "alerts")]

from alert_support import Receiver  # noqa: E402
from kill_harness import run  # noqa: E402
from watch_support import postgres_database  # noqa: E402

from mipr_rules.samples import sample_as_of, sample_path  # noqa: E402


def main() -> int:
    """Run the scenario; exit 1 if an invariant breaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    start = time.monotonic()
    receiver = Receiver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp, postgres_database("mipr_bench_kill") as url:
            home = json.loads(sample_path().read_text())
            outcome = run(Path(tmp), url, receiver, home, sample_as_of(), kills=args.kills, seed=args.seed)
    except AssertionError as exc:
        print(f"watch kill: FAILED: {exc}")
        return 1
    finally:
        receiver.stop()
    print(
        f"watch kill: {outcome.kills} kills, {outcome.changes} changes delivered, {outcome.notifications} "
        f"notifications, {outcome.repeats} repeats dropped by key, {time.monotonic() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
