"""The alert store's apply path: changed location results persisted per second, beside a plain-SQL floor.

Each batch is what the streaming watcher hands the store after a burst of changes: ``--batch`` location
results (default 100), each location holding a handful of alerts of which some are new, some ongoing and
some resolved since its previous result. The same batches are applied to a SQLite store (the default) and,
if PostgreSQL answers on ``--pg``, to a PostgreSQL store.

The floor, measured in the same process on the same database engine: the rows the batch changes (alerts
inserted and updated, one event per change, the location rows) written by plain ``executemany`` into
scratch tables of the same shape, one transaction per batch, with no reads and no Python change detection.
``ratio`` is store time over floor time (lower is better).

Run under the shared benchmark lock: ``flock /tmp/bench.lock python bench/store_apply.py``. The last line is
``store_apply: sqlite N records/s (R.Rx floor), postgresql M records/s (S.Sx floor)``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from mipr_rules.readiness import LocationReadiness, ReadinessReport
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.samples import sample_as_of
from mipr_rules.watch.store import AlertStore

SUBJECTS = 12
"""Possible subjects per rule and location; about a quarter of them hold an alert at any time."""


def hits_of(ruleset: Ruleset, location_id: str, chosen: list[tuple[int, int]], as_of: dt.date) -> tuple[RuleHit, ...]:
    """Alerts of a location: (rule index, subject index) pairs."""
    out = []
    for r, s in chosen:
        rule = ruleset.rules[r]
        source = ruleset.source(rule.source)
        assert source is not None
        subject = f"person:R{s:02d}/care_plan:CP-{s:02d}"
        out.append(
            RuleHit(
                ruleset_id=ruleset.id,
                ruleset_version=ruleset.version,
                rule_id=rule.id,
                title=rule.title,
                severity=rule.severity,
                subject=subject,
                message=f"{rule.title}: {subject}",
                maps_to=rule.maps_to,
                source=source,
                facts={"subject": subject, "days_since_review": 30 + s},
                parameters={},
                partition=location_id,
                as_of=as_of,
            )
        )
    return tuple(out)


def batches(ruleset: Ruleset, locations: int, batch: int, count: int, seed: int) -> list[list[tuple[str, list]]]:
    """The first full read, then ``count`` batches of ``batch`` (location id, alert pairs) results; each
    result changes one or two of its location's alerts (one new, half the time one resolved)."""
    rng = random.Random(seed)
    pairs = [(r, s) for r in range(min(len(ruleset.rules), 8)) for s in range(SUBJECTS)]
    state = {f"L{i:05d}": rng.sample(pairs, 4) for i in range(locations)}
    out = [[(k, list(v)) for k, v in state.items()]]
    ids = list(state)
    for _ in range(count):
        chosen = rng.sample(ids, batch)
        results = []
        for location_id in chosen:
            current = list(state[location_id])
            if current and rng.random() < 0.5:
                current.pop(rng.randrange(len(current)))  # one resolved
            current.append(rng.choice([p for p in pairs if p not in current]))  # one new
            state[location_id] = current
            results.append((location_id, list(current)))
        out.append(results)
    return out


def report(ruleset: Ruleset, results: list[tuple[str, list]], as_of: dt.date) -> ReadinessReport:
    locations = tuple(
        LocationReadiness(location_id, f"Home {location_id}", hits_of(ruleset, location_id, chosen, as_of))
        for location_id, chosen in results
    )
    return ReadinessReport(as_of, ruleset, {}, locations)


FLOOR_TABLES = """
CREATE TABLE floor_alerts (id INTEGER PRIMARY KEY, alert_id TEXT, location_id TEXT, rule_id TEXT, subject TEXT,
    severity TEXT, title TEXT, message TEXT, facts TEXT, detail TEXT, first_seen TEXT, last_seen TEXT,
    resolved_on TEXT);
CREATE TABLE floor_events (id INTEGER PRIMARY KEY, alert_id TEXT, kind TEXT, as_of TEXT);
CREATE TABLE floor_locations (location_id TEXT PRIMARY KEY, name TEXT, last_checked TEXT)
"""


def floor_time(engine: sa.Engine, rep: ReadinessReport) -> float:
    """Seconds to write the batch's rows by plain executemany (inserts for every alert, one event each)."""
    alerts = [
        {
            "a": uuid.uuid4().hex,
            "l": loc.location_id,
            "r": h.rule_id,
            "s": h.subject,
            "sev": h.severity,
            "t": h.title,
            "m": h.message,
            "f": json.dumps(h.facts, sort_keys=True, default=str),
            "d": json.dumps({"source": h.source.id}),
            "o": rep.as_of.isoformat(),
        }
        for loc in rep.locations
        for h in loc.alerts
    ]
    start = time.perf_counter()
    with engine.begin() as db:
        db.execute(
            sa.text(
                "INSERT INTO floor_alerts (alert_id, location_id, rule_id, subject, severity, title, message, facts, "
                "detail, first_seen, last_seen) VALUES (:a, :l, :r, :s, :sev, :t, :m, :f, :d, :o, :o)"
            ),
            alerts,
        )
        db.execute(
            sa.text("INSERT INTO floor_events (alert_id, kind, as_of) VALUES (:a, 'new', :o)"),
            [{"a": a["a"], "o": a["o"]} for a in alerts],
        )
        db.execute(
            sa.text("INSERT INTO floor_locations (location_id, name, last_checked) VALUES (:l, :n, :o)"),
            [{"l": f"{loc.location_id}-{uuid.uuid4().hex}", "n": loc.name, "o": "x"} for loc in rep.locations],
        )
    return time.perf_counter() - start


@contextlib.contextmanager
def postgres(base: str) -> Iterator[str | None]:
    name = f"mipr_bench_store_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        print(f"postgresql: skipped ({str(exc).splitlines()[0]})", file=sys.stderr)
        yield None
        return
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def run(label: str, url: str, engine_url: str, ruleset: Ruleset, args: argparse.Namespace) -> tuple[float, float]:
    as_of = sample_as_of()
    first, *work = batches(ruleset, args.locations, args.batch, args.batches, seed=1)
    reports = [report(ruleset, results, as_of) for results in work]
    at = dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc)
    times: list[float] = []
    floor: list[float] = []
    with AlertStore(url) as store:
        engine = sa.create_engine(engine_url)
        with engine.begin() as db:
            if engine.dialect.name == "sqlite":
                db.exec_driver_sql("PRAGMA journal_mode = WAL")
            serial = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "BIGSERIAL PRIMARY KEY"
            for statement in FLOOR_TABLES.replace("INTEGER PRIMARY KEY", serial).split(";"):
                db.exec_driver_sql(statement)
        store.apply(report(ruleset, first, as_of), full_read=True, at=at)
        for rep in reports:  # store and floor batch by batch: both see the same load on a shared machine
            start = time.perf_counter()
            store.apply(rep, at=at)
            times.append(time.perf_counter() - start)
            floor.append(floor_time(engine, rep))
    engine.dispose()
    records = args.batch * len(reports)
    rate, floor_rate = records / sum(times), records / sum(floor)
    p99 = sorted(times)[max(0, int(len(times) * 0.99) - 1)] * 1000
    print(
        f"{label}: {rate:,.0f} records/s (median batch {statistics.median(times) * 1000:.1f} ms, p99 {p99:.1f} ms); "
        f"floor {floor_rate:,.0f} records/s; ratio {floor_rate / rate:.1f}x floor"
    )
    return rate, floor_rate / rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    ruleset = Catalogue.installed().get("cqc-readiness", sample_as_of())
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "alerts.db"
        rate, ratio = run("sqlite", str(path), f"sqlite:///{Path(tmp) / 'floor.db'}", ruleset, args)
        parts.append(f"sqlite {rate:,.0f} records/s ({ratio:.1f}x floor)")
    with postgres(args.pg) as url:
        if url is not None:
            rate, ratio = run("postgresql", url.replace("+psycopg", ""), url, ruleset, args)
            parts.append(f"postgresql {rate:,.0f} records/s ({ratio:.1f}x floor)")
    print("store_apply: " + ", ".join(parts))


if __name__ == "__main__":
    main()
