"""Benchmark: what the SQL change log's triggers cost the PostgreSQL server per written row.

    python bench/change_log.py          # ~30 s; PostgreSQL on localhost (MIPR_SQL_POSTGRESQL_URL)

On the streaming bench's database (1,000 homes, its own database, dropped at the end), the writer's work of
``bench/streaming.py`` (care-plan reviews, 100 rows a transaction) is committed with the change log
installed (``mipr sql install-triggers``) and without it, alternately, ``--repeat`` times each; the server
process's CPU (``/proc``) is read around each run. The baseline is the same updates without the triggers, in
the same run. The last line: ``change log: T us per row with triggers, B us without (+D us)``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "adapters" / "sql" / "tests")]

import streaming  # noqa: E402  (the bench's database and loader)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000, help="rows updated per run (default 20,000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs with and without the triggers (default 5)")
    args = parser.parse_args(argv)

    import psycopg
    import sqlalchemy as sa
    from mipr_rules_adapter_sql.mapping import reference_mapping
    from mipr_rules_adapter_sql.triggers import install_triggers
    from readiness import templates

    url, admin = streaming.create_database()
    try:
        plans = [row_id for row_id, _location, _plan in streaming.load(url, templates(streaming.HOMES))]
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        rng = random.Random(1)
        spent: dict[bool, list[float]] = {True: [], False: []}
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as writer:
            server = writer.info.backend_pid
            for _ in range(args.repeat):
                for logged in (True, False):
                    install_triggers(engine, "postgresql", reference_mapping(), drop=not logged)
                    before = streaming._cpu_s(server)
                    for _ in range(args.rows // 100):
                        with writer.cursor() as cursor:
                            cursor.executemany(streaming.REVIEW, streaming.reviews(rng, lambda: rng.choice(plans), 100))
                        writer.commit()
                    spent[logged].append((streaming._cpu_s(server) - before) * 1e6 / args.rows)
        engine.dispose()
    finally:
        streaming.drop_database(url, admin)
    with_log, without = statistics.median(spent[True]), statistics.median(spent[False])
    print(f"runs (us per row): with {[round(v) for v in spent[True]]}, without {[round(v) for v in spent[False]]}")
    added = with_log - without
    print(f"change log: {with_log:.0f} us per row with triggers, {without:.0f} us without (+{added:.0f} us)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
