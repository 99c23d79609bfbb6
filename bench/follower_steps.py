"""Benchmark: the cost of one ``mipr watch --follow`` step, per changed record, in one process.

    python bench/follower_steps.py --batch 50                 # CPU ms of the follower and of PostgreSQL
    valgrind --tool=callgrind --instr-atstart=no \\
        python bench/follower_steps.py --batch 50 --callgrind  # instructions of the measured steps only

``bench/streaming.py`` measures the service end to end, but near saturation one run of it varies more than
most changes do. This one takes the follower of shard 1 of 2 (``Watcher`` of ``streaming.py``: the SQL
feed, the incremental evaluator on an engine worker, a PostgreSQL store) over the same 1,000 homes, and
times its steps one at a time: the writer commits ``--batch`` care-plan reviews of the shard's homes (each
raising or resolving an alert), then one ``Follower.step`` applies them. It reports the median over
``--rounds`` of the follower's CPU per step and the local PostgreSQL server's (all of its processes but
the writer's), per step and per record. ``--callgrind`` switches callgrind's instrumentation on for the
measured steps only (``callgrind_control``), so that the instruction count (repeatable to about 0.2%)
compares two commits whatever else the machine does; ``--batch 1`` shows the fixed cost of a step.

The last line: ``follower steps: batch B, C ms CPU per step, R ms per record, PostgreSQL P ms per step``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "adapters" / "sql" / "tests")]

import streaming  # noqa: E402  (the bench's database, loader and watcher)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=50, help="care plans changed per step (default 50)")
    parser.add_argument("--steps", type=int, default=100, help="steps per round (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported (default 3)")
    parser.add_argument("--warm-up", type=int, default=30, help="steps before measuring (default 30)")
    parser.add_argument("--callgrind", action="store_true", help="instrument only the measured steps")
    args = parser.parse_args(argv)

    import psycopg
    from readiness import templates

    from mipr_rules.watch.shard import Shard

    url, admin = streaming.create_database()
    try:
        plans = streaming.load(url, templates(streaming.HOMES))
        store = streaming.store_database(url, admin, "store")
        shard = Shard(1, 2)
        watcher = streaming.Watcher(url, store, shard)
        try:
            watcher.start()
            mine = [row_id for row_id, location_id, _plan in plans if shard.owns(location_id)]
            rng = random.Random(1)
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as writer:
                servers = [pid for pid in streaming._postgres_pids() if pid != writer.info.backend_pid]

                def step() -> tuple[float, float]:
                    with writer.cursor() as cursor:
                        rows = streaming.reviews(rng, lambda: rng.choice(mine), args.batch)
                        cursor.executemany(streaming.REVIEW, rows)
                    writer.commit()
                    time.sleep(0.01)  # the notification and the log rows are there before the step
                    cpu, server = time.process_time(), sum(map(streaming._cpu_s, servers))
                    while not watcher.follower.step(timeout=1.0):
                        pass
                    return time.process_time() - cpu, sum(map(streaming._cpu_s, servers)) - server

                for _ in range(args.warm_up):
                    step()
                if args.callgrind:
                    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True)
                rounds = []
                for _ in range(args.rounds):
                    spent = [step() for _ in range(args.steps)]
                    rounds.append(tuple(sum(s[i] for s in spent) * 1000 / args.steps for i in (0, 1)))
                if args.callgrind:
                    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True)
        finally:
            watcher.close()
    finally:
        streaming.drop_database(url, admin)
    cpu = statistics.median(r[0] for r in rounds)
    server = statistics.median(r[1] for r in rounds)
    print(f"rounds (follower ms, PostgreSQL ms per step): {[(round(a, 2), round(b, 2)) for a, b in rounds]}")
    print(
        f"follower steps: batch {args.batch}, {cpu:.2f} ms CPU per step, {cpu / args.batch:.3f} ms per record, "
        f"PostgreSQL {server:.2f} ms per step"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
