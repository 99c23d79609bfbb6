"""Benchmark: commit-to-alert latency of ``mipr watch --follow`` on a PostgreSQL source of 1,000 homes.

    python bench/streaming.py --quick      # rates 50..7,500 records/s, 2.5 s each; under 3 minutes
    python bench/streaming.py              # the same with 10 s per rate and a longer simulated day

What it does, on a database of its own (``mipr_bench_<random>``, dropped at the end) on the local
PostgreSQL server (``MIPR_SQL_POSTGRESQL_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``):

1. loads 1,000 generated homes (``bench/readiness.py``'s templates) into the SQL adapter's reference schema
   and installs the change log (``mipr sql install-triggers``: triggers, NOTIFY);
2. starts the watchers: ``--shards`` processes (default 2, one per core of this machine), each a follower of
   its share of the homes (``mipr watch --follow --shard I/N``: the SQL change feed listening, the
   incremental evaluator on a real engine worker, the alert store shared by all: PostgreSQL, a second
   database on the same server; SQLite only with ``--shards 1``); each reads its homes once;
3. for each offered rate, a writer process commits care-plan reviews (each one raising or resolving an
   alert) at that rate, in a transaction every 20 ms, and records when each commit returned; the watcher
   owning the change's home records when the step of its follower (``Follower.step``, the service's loop)
   that stored the change's alert returned. Commit-to-alert latency is matched per record (the i-th write
   of a row is the i-th change of it). Each rate also reports CPU per record of the watchers, their engine
   workers, PostgreSQL and the writer, and the watchers' wall time per record in re-reading, evaluating
   and storing, and in planning next dates of change between changes;
4. the in-process floor: the same changes applied by plain Python, per record as the watcher does (the care
   plan replaced in the model, the parts of the home's facts it touched measured again, the hand-written
   rules of ``bench/floor.py`` on the new facts, the home's alerts assembled), no database, engine or store;
5. a quiet check: CPU time of one watcher step with nothing changed (the log queried, nothing evaluated;
   the slowest watcher's);
6. memory over 24 simulated hours: the watchers' RSS (and their engine workers') each simulated hour, with
   changes every hour, a midnight crossing (the due homes re-evaluated) and the daily sweep.

Sustained rate, as the issue states its target (records/s sustained *with* a p99 within ``P99_TARGET_MS``,
100 ms): the rate committed (at most the rate offered) of the highest offered rate the watcher kept up with
(every record persisted, the last within ``KEPT_UP_BACKLOG``, 0.1 s, of the last commit) at a p99 within
the target, and that p99. If no rate kept up within the target, the highest rate kept up with and its p99
(over the target); if it kept up with none, the highest rate at which it persisted every committed record
(its pace under load, with the p99 of that run, backlog included). The line before the contract names the
highest rate kept up with whatever its p99. The last line is the contract::

    streaming: N records/s sustained, p99 M ms, quiet check C ms

Results also go to ``bench/results/streaming-<time>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import multiprocessing as mp
import os
import random
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "adapters" / "sql" / "tests")]

AS_OF = dt.date(2026, 11, 2)
HOMES = 1000
TICK = 0.02
"""Seconds between the writer's transactions."""
QUICK_RATES_UNTIL = 125.0
"""Seconds into a ``--quick`` run after which no further rate is offered (what follows the rates takes about 50 s)."""
SHARDS = 2
"""Watcher processes by default: one per core of this machine."""
P99_TARGET_MS = 100.0
"""The issue's latency target: commit-to-alert p99 at the rate reported as sustained."""
KEPT_UP_BACKLOG = 0.1
"""Seconds from the last commit to the last record persisted within which a rate counts as kept up (a
watcher that falls behind by x% ends a run of s seconds about s * x / 100 seconds late: 0.1 s of 2.5 s
is 4%; 0.5 s, the old bound, let a fifth too slow pass)."""
BENCH_KEY = b"mipr-rules bench only: never a provider's pseudonymisation key"
"""The pseudonymisation key of the benchmark's reads (its pseudonyms are public)."""
ADMIN_URL = os.environ.get("MIPR_SQL_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _postgres_pids() -> list[int]:
    """The local PostgreSQL server's processes (their CPU is the source's and the log's cost)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as fh:
                    if fh.read().strip() == "postgres":
                        found.append(int(entry))
            except OSError:
                pass
    return found


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# -- the database ----------------------------------------------------------------------------------------


REVIEW = "UPDATE care_plans SET last_reviewed = %s WHERE id = %s"
"""The writer's change: a care plan's last review (``reviews`` gives the rows)."""


def reviews(rng: random.Random, pick: Callable[[], Any], count: int) -> list[tuple[dt.date, Any]]:
    """``count`` rows of ``REVIEW`` for the care plans ``pick`` gives, each reviewed 200 days ago (overdue) or
    yesterday: every write raises or resolves an alert."""
    return [(AS_OF - dt.timedelta(days=rng.choice((1, 200))), pick()) for _ in range(count)]


def create_database() -> tuple[str, Any]:
    import sqlalchemy as sa

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"mipr_bench_{secrets.token_hex(5)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.DBAPIError as exc:
        raise SystemExit(
            f"PostgreSQL at {admin.url.render_as_string(hide_password=True)} is not reachable "
            f"({str(exc.orig).strip().splitlines()[0]}); start it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        ) from None
    return admin.url.set(database=name).render_as_string(hide_password=False), admin


def vacuum(*urls: str | None) -> None:
    """``VACUUM ANALYZE`` of these databases (``None``: skipped): what autovacuum, on by default, does as they
    change. The bench runs it before each rate, so that a run does not measure the dead rows of the one before
    (on a server with autovacuum off, as this machine's is, they pile up) nor plans made without statistics."""
    import sqlalchemy as sa

    for url in filter(None, urls):
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()


def store_database(url: str, admin: Any, suffix: str) -> str:
    """A second database beside the source, for an alert store (the store has a ``locations`` table too)."""
    import sqlalchemy as sa

    name = f"{sa.make_url(url).database}_{suffix}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    return str(sa.make_url(url).set(database=name).render_as_string(hide_password=False))


def drop_database(url: str, admin: Any, stores: tuple[str, ...] = ("store",)) -> None:
    import sqlalchemy as sa

    name = sa.make_url(url).database
    with admin.connect() as connection:
        for database in (name, *(f"{name}_{suffix}" for suffix in stores)):
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin.dispose()


def load(url: str, homes: list[Any]) -> list[tuple[int, str, str]]:
    """Load the homes, install the change log; the care plans as (row id, location id, plan id)."""
    import sqlalchemy as sa
    from mipr_rules_adapter_sql import schema
    from mipr_rules_adapter_sql.mapping import reference_mapping
    from mipr_rules_adapter_sql.triggers import install_triggers
    from sql_fixtures import load_location

    class Collect:
        """Takes the test loader's inserts, so that each table is written in one ``executemany``."""

        def __init__(self) -> None:
            self.rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)

        def execute(self, statement: Any, rows: list[dict[str, Any]] | dict[str, Any]) -> Any:
            if isinstance(rows, dict):  # one row whose key the loader needs back (ratings)
                row = {**rows, "id": len(self.rows[statement.table]) + 1}
                self.rows[statement.table].append(row)
                return type("Inserted", (), {"inserted_primary_key": (row["id"],)})()
            self.rows[statement.table].extend(rows)
            return None

    collected = Collect()
    for home in homes:
        load_location(collected, home)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        schema.create_reference_schema(connection)
        for table in schema.metadata.sorted_tables:
            if collected.rows.get(table):
                connection.execute(table.insert(), collected.rows[table])
    install_triggers(engine, "postgresql", reference_mapping())
    with engine.connect() as connection:
        plans = [
            (int(r[0]), str(r[1]), str(r[2]))
            for r in connection.execute(
                sa.select(schema.care_plans.c.id, schema.care_plans.c.location_id, schema.care_plans.c.plan_id)
            )
        ]
    engine.dispose()
    return plans


# -- the writer (its own process) ------------------------------------------------------------------------


def writer(url: str, plan_ids: list[int], rate: float, seconds: float, seed: int, out: Any) -> None:
    """Commit care-plan reviews at ``rate`` records/s for ``seconds``; send [(row id, commit time)], CPU seconds."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(seed)
    done: list[tuple[int, float]] = []
    cpu = time.process_time()
    with psycopg.connect(conninfo) as connection:
        backend = connection.info.backend_pid  # its server process: the UPDATEs, the log triggers, NOTIFY
        backend_cpu = _cpu_s(backend)
        start = time.time()
        sent = 0
        while True:
            now = time.time()
            if now - start >= seconds:
                break
            due = int((now - start + TICK) * rate) - sent
            if due > 0:
                batch = [rng.choice(plan_ids) for _ in range(due)]
                with connection.cursor() as cursor:
                    cursor.executemany(REVIEW, reviews(rng, iter(batch).__next__, len(batch)))
                connection.commit()
                committed = time.time()
                done += [(pid, committed) for pid in batch]
                sent += due
            time.sleep(max(0.0, TICK - (time.time() - now)))
        backend_cpu = _cpu_s(backend) - backend_cpu
    out.send((done, time.process_time() - cpu, backend_cpu))
    out.close()


# -- the watchers (one process per shard) -----------------------------------------------------------------


class Watcher:
    """One follower (``mipr watch --follow --shard I/N`` in the library's terms), driven by the bench."""

    def __init__(self, url: str, store_path: Path | str, shard: Any) -> None:
        from mipr_rules_adapter_sql.feed import SqlChangeFeed

        from mipr_rules.adapters.base import ReadContext
        from mipr_rules.engine.evaluate import Evaluator
        from mipr_rules.model import Location
        from mipr_rules.ruleset.catalogue import Catalogue
        from mipr_rules.watch.changes import FeedOptions
        from mipr_rules.watch.follow import Follower
        from mipr_rules.watch.incremental import IncrementalEvaluator
        from mipr_rules.watch.shard import ShardFeed
        from mipr_rules.watch.store import AlertStore

        self.evaluator = Evaluator(processes=1)
        ruleset = Catalogue.installed(self.evaluator.pm).get("cqc-readiness", AS_OF)
        compiled = self.evaluator.compile(ruleset, None, Location)
        self.store = AlertStore(store_path)
        self.sql_feed = SqlChangeFeed(url, FeedOptions(ReadContext(key=BENCH_KEY), None, poll=0.05, owns=shard.owns))
        self.feed: Any = ShardFeed(self.sql_feed, shard) if shard.count > 1 else self.sql_feed
        self.follower = Follower(
            self.feed, IncrementalEvaluator(self.evaluator, compiled), self.store, sweep_at="03:00", fixed_as_of=AS_OF
        )
        self.spent = self.timed()
        self.reasons: list[str] = []
        self.collections: list[float] = []
        """Seconds of each pass of the cyclic collector while following."""
        self._collecting = 0.0
        gc.callbacks.append(self._collector)

    def _collector(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self.collections.append(time.perf_counter() - self._collecting)

    def close(self) -> None:
        self.feed.close()
        self.store.close()
        self.evaluator.close()

    def start(self) -> dict[str, Any]:
        t0 = time.time()
        self.follower.start()
        read = time.time() - t0
        self.follower.incremental.plan()
        return {
            "first_read_s": round(read, 2),
            "first_plan_s": round(time.time() - t0 - read, 2),
            "locations": len(self.follower.incremental.states),
        }

    def follow(self, until: float, drain: float) -> dict[str, Any]:
        """Run the follower's steps until no change for a second after ``until`` (at most ``drain`` s more).

        ``Follower.step`` is the service's own loop (changes waiting are applied; when none is, the next dates
        of change are worked out, then it waits): a record is persisted when the step applying it returns.
        What is still waiting afterwards (a slow run's backlog) is applied, not counted in the next run.
        """
        persisted: dict[str, list[float]] = defaultdict(list)
        workers = _children(os.getpid())
        cpu_before = (time.process_time(), sum(map(_cpu_s, workers)))
        stages = dict(self.spent)
        records = 0
        quiet_since: float | None = None
        taken: list[Any] = []
        self.collections.clear()
        wait = self.feed.wait

        def recording_wait(timeout: float) -> Any:
            found = wait(timeout)
            taken.extend(found)
            return found

        self.feed.wait = recording_wait
        try:
            while time.time() < until + drain:
                steps = self.follower.step(timeout=0.05)
                if taken and steps:
                    stamp = time.time()
                    for change in taken:
                        if change.record_type == "care_plans":
                            persisted[change.record_key].append(stamp)
                    records += len(taken)
                    taken.clear()
                    quiet_since = None
                elif not taken and time.time() > until:
                    quiet_since = quiet_since or time.time()
                    if time.time() - quiet_since > 1.0:
                        break
        finally:
            self.feed.wait = wait
        cpu = {
            "watcher": time.process_time() - cpu_before[0],
            "engine_workers": sum(map(_cpu_s, workers)) - cpu_before[1],
        }
        spent = {stage: self.spent[stage] - stages[stage] for stage in stages}
        while changes := self.feed.wait(0.0):
            self.follower.apply(changes)
        collector = {
            "passes": len(self.collections),
            "ms": 1000 * sum(self.collections),
            "longest_ms": 1000 * max(self.collections, default=0.0),
        }
        return {"persisted": dict(persisted), "records": records, "cpu": cpu, "stages": spent, "collector": collector}

    def timed(self) -> dict[str, float]:
        """Wrap the stages of applying a change (re-read, evaluate, store) to add up their seconds, and the
        planning of next dates of change done between changes (``plan``)."""
        spent = {"read": 0.0, "evaluate": 0.0, "store": 0.0, "plan": 0.0}

        def wrap(owner: Any, name: str, stage: str) -> None:
            original = getattr(owner, name)

            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    result = original(*args, **kwargs)
                    return list(result) if stage == "read" else result
                finally:
                    spent[stage] += time.perf_counter() - started

            setattr(owner, name, timed)

        wrap(self.feed, "apply", "read")
        wrap(self.follower.incremental, "update", "evaluate")
        wrap(self.store, "apply", "store")
        wrap(self.follower.incremental, "plan", "plan")
        return spent

    def quiet(self, rounds: int) -> float:
        """Mean CPU milliseconds of one step with nothing changed (nothing left to plan)."""
        self.follower.incremental.plan()
        self.follower.step(timeout=0.0)
        started = time.process_time()
        for _ in range(rounds):
            self.follower.step(timeout=0.0)
        return (time.process_time() - started) * 1000 / rounds

    def hour(self, now: str) -> int:
        """One simulated hour of the memory run: the clock set to ``now``, steps until settled; RSS in kB."""
        follower = self.follower
        instant = dt.datetime.fromisoformat(now)
        if follower.fixed_as_of is not None:  # the first hour: from now on the clock is the bench's
            follower.fixed_as_of = None
            follower._plan_sweep(instant)
        follower.clock = lambda: instant
        for _ in range(50):
            steps = follower.step(timeout=0.05)
            self.reasons += [s.reason for s in steps]
            if not steps:
                break
        follower.incremental.plan()  # what an idle watcher does once its changed locations have settled
        pid = os.getpid()
        return _rss_kb(pid) + sum(_rss_kb(c) for c in _children(pid))


def shard_main(url: str, store: str, number: int, count: int, connection: Any) -> None:
    """A watcher process: builds its ``Watcher``, then runs the bench's commands until ``stop``."""
    sys.path[:0] = [str(HERE), str(ROOT / "adapters" / "sql" / "tests")]
    from mipr_rules.watch.shard import Shard

    watcher = Watcher(url, store, Shard(number, count))
    try:
        while True:
            command, *args = connection.recv()
            if command == "stop":
                connection.send(watcher.reasons)
                return
            connection.send(getattr(watcher, command)(*args))
    finally:
        watcher.close()


class Shards:
    """The watcher processes, each the follower of one shard of the locations, sharing one store."""

    def __init__(self, url: str, store: str, count: int) -> None:
        ctx = mp.get_context("spawn")
        self.connections = []
        self.processes = []
        for number in range(1, count + 1):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=shard_main, args=(url, store, number, count, theirs), daemon=True)
            process.start()
            self.connections.append(mine)
            self.processes.append(process)

    def ask(self, command: str, *args: Any) -> list[Any]:
        """Send ``command`` to every watcher; their answers, in shard order."""
        for connection in self.connections:
            connection.send((command, *args))
        return [connection.recv() for connection in self.connections]

    def close(self) -> list[str]:
        reasons = [reason for found in self.ask("stop") for reason in found]
        for process in self.processes:
            process.join(timeout=60)
        return reasons


def run_rate(
    url: str, shards: Shards, plans: list[int], rate: float, seconds: float, seed: int, drain: float
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=writer, args=(url, plans, rate, seconds, seed, send))
    postgres = _postgres_pids()
    postgres_before = sum(map(_cpu_s, postgres))
    process.start()
    started = time.time()
    answers = shards.ask("follow", started + seconds, drain)
    committed, writer_cpu, backend_cpu = receive.recv()
    process.join()
    persisted: dict[str, list[float]] = defaultdict(list)
    for answer in answers:
        for key, stamps in answer["persisted"].items():
            persisted[key] += stamps
    records = sum(answer["records"] for answer in answers)
    cpu = {
        "watcher": sum(answer["cpu"]["watcher"] for answer in answers),
        "engine_workers": sum(answer["cpu"]["engine_workers"] for answer in answers),
        "postgresql_writes": backend_cpu,
        "postgresql_other": sum(map(_cpu_s, postgres)) - postgres_before,
        "writer": writer_cpu,
    }
    stages = {stage: sum(answer["stages"][stage] for answer in answers) for stage in answers[0]["stages"]}
    by_row: dict[str, list[float]] = defaultdict(list)
    for pid, stamp in committed:
        by_row[str(pid)].append(stamp)
    latencies = []
    for key, commits in by_row.items():
        seen = persisted.get(key, [])
        latencies += [(p - c) * 1000 for c, p in zip(commits, seen, strict=False)]
    last_commit = max(stamp for _, stamp in committed) if committed else started
    last_persist = max((max(v) for v in persisted.values() if v), default=started)
    elapsed = max(last_persist, last_commit) - min(stamp for _, stamp in committed) if committed else seconds
    throughput = len(committed) / elapsed if elapsed > 0 else 0.0
    kept_up = len(latencies) == len(committed) and last_persist - last_commit <= KEPT_UP_BACKLOG
    n = max(len(committed), 1)
    return {
        "offered": rate,
        "committed": len(committed),
        "committed_per_s": round(len(committed) / seconds, 1),
        "changes_seen": records,
        "matched": len(latencies),
        "throughput": round(throughput, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "backlog_s": round(last_persist - last_commit, 3),
        "kept_up": kept_up,
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        # CPU of everything measured over the time from the first commit to the last alert stored
        "cores_busy": round(sum(cpu.values()) / elapsed, 2) if elapsed > 0 else 0.0,
        "cpu_ms_per_record": {k: round(1000 * v / n, 3) for k, v in cpu.items()},
        "watcher_stage_ms_per_record": {k: round(1000 * v / n, 3) for k, v in stages.items()},
        # The cyclic collector in the watchers (a pass stops a follower for its time): passes, their time, the longest
        "collector": {
            "passes": sum(answer["collector"]["passes"] for answer in answers),
            "ms_per_record": round(sum(answer["collector"]["ms"] for answer in answers) / n, 4),
            "longest_ms": round(max(answer["collector"]["longest_ms"] for answer in answers), 1),
        },
    }


# -- the in-process floor -------------------------------------------------------------------------------


def floor_run(homes: list[Any], plans: list[tuple[int, str, str]], count: int) -> dict[str, Any]:
    """The same per-record work as the watcher's, by plain Python in process: no database, engine or store.

    For each change: the care plan replaced in the model, the home's facts measured part by part (only the
    parts the change touched, ``PartCache`` as the watcher does), the hand-written rules of ``bench/floor.py``
    run on the facts not seen before, and the home's alerts assembled from the hits kept per fact.
    """
    import attrs
    from floor import Floor

    from mipr_rules.engine import evaluate
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.facts.base import FactContext
    from mipr_rules.facts.location_facts import LocationFacts
    from mipr_rules.facts.parts import PartCache
    from mipr_rules.model import Location
    from mipr_rules.ruleset.catalogue import Catalogue
    from mipr_rules.watch.incremental import fact_key
    from mipr_rules.workdays import calendar

    with Evaluator(processes=1) as evaluator:
        ruleset = Catalogue.installed(evaluator.pm).get("cqc-readiness", AS_OF)
        compiled = evaluator.compile(ruleset, None, Location)
    params = compiled.parameters
    keys = {rule.id: key for key, rule in compiled.rule_by_key.items()}
    floor = Floor(ruleset, params, keys, lambda rule: evaluate._rule_parameters(rule, params))
    calculators: list[Any] = [LocationFacts()]  # a FactCalculator (its subject typed narrower)
    context = FactContext(as_of=AS_OF, parameters=params, calendar=calendar())
    by_id = {home.location_id: home for home in homes}
    caches: dict[str, PartCache] = {}
    hits: dict[str, dict[Any, tuple[Any, ...]]] = {}
    for location_id, home in by_id.items():  # the first read: not timed
        caches[location_id] = cache = PartCache(fact_key).remeasure(calculators, home, context)
        found: dict[Any, list[Any]] = {}
        for hit in floor.hits(cache.facts, location_id, AS_OF):
            found.setdefault(fact_key(hit.facts), []).append(hit)
        hits[location_id] = {k: tuple(found.get(k, ())) for k in cache.keys}
    rng = random.Random(7)
    times = []
    for _ in range(count):
        _, location_id, plan_id = rng.choice(plans)
        days = rng.choice((1, 200))
        started = time.perf_counter()
        home = by_id[location_id]
        people = tuple(
            attrs.evolve(
                person,
                care_plans=tuple(
                    attrs.evolve(p, last_reviewed=AS_OF - dt.timedelta(days=days)) if p.plan_id == plan_id else p
                    for p in person.care_plans
                ),
            )
            if any(p.plan_id == plan_id for p in person.care_plans)
            else person
            for person in home.people
        )
        by_id[location_id] = home = attrs.evolve(home, people=people)
        caches[location_id] = cache = caches[location_id].remeasure(calculators, home, context)
        known = hits[location_id]
        fresh = [fact for k, fact in cache.fresh if k not in known]
        found = {}
        for hit in floor.hits(fresh, location_id, AS_OF):
            found.setdefault(fact_key(hit.facts), []).append(hit)
        held = hits[location_id] = {k: known[k] if k in known else tuple(found.get(k, ())) for k in cache.keys}
        alerts = sorted((hit for k in cache.keys for hit in held[k]), key=lambda hit: hit.sort_key)
        assert alerts is not None
        times.append((time.perf_counter() - started) * 1000)
    total = sum(times) / 1000
    return {
        "records": count,
        "records_per_s": round(count / total, 1),
        "p50_ms": round(percentile(times, 0.5), 3),
        "p99_ms": round(percentile(times, 0.99), 3),
    }


# -- memory -----------------------------------------------------------------------------------------------


def memory_day(shards: Shards, url: str, plans: list[int], hours: int, per_hour: int) -> dict[str, Any]:
    """24 simulated hours (from noon, so midnight and the 03:00 sweep fall in them) with changes every hour."""
    import psycopg

    now = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.timezone.utc)
    rng = random.Random(11)
    samples = []
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        for _ in range(hours):
            with connection.cursor() as cursor:
                cursor.executemany(REVIEW, reviews(rng, lambda: rng.choice(plans), per_hour))
            connection.commit()
            now += dt.timedelta(hours=1)
            samples.append(round(sum(shards.ask("hour", now.isoformat())) / 1024, 1))
    return {
        "hours": hours,
        "rss_mb": samples,
        "growth_mb_after_first_hours": round(samples[-1] - samples[min(3, len(samples) - 1)], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (under 3 minutes)")
    parser.add_argument(
        "--rates", default="50,100,250,1000,2500,4000,5000,6000,7500", help="offered records/s, comma separated"
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=SHARDS,
        help=f"watcher processes, each owning a share of the homes (default {SHARDS})",
    )
    parser.add_argument(
        "--store",
        choices=["sqlite", "postgresql"],
        default=None,
        help="the alert store (default: postgresql, which the shards share; sqlite only with --shards 1)",
    )
    args = parser.parse_args(argv)
    store_kind = args.store or ("postgresql" if args.shards > 1 else "sqlite")
    if store_kind == "sqlite" and args.shards > 1:
        parser.error("a SQLite store is for one process: --shards 1, or --store postgresql")
    seconds = 2.5 if args.quick else 10.0
    rates = [float(r) for r in args.rates.split(",")]

    from readiness import templates

    started = time.time()
    homes = templates(HOMES)
    url, admin = create_database()
    results: dict[str, Any] = {
        "homes": HOMES,
        "as_of": AS_OF.isoformat(),
        "seconds_per_rate": seconds,
        "shards": args.shards,
        "store": store_kind,
    }
    try:
        plans = load(url, homes)
        plan_rows = [row for row, _, _ in plans]
        print(f"loaded {HOMES} homes, {len(plans)} care plans in {time.time() - started:.0f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="mipr-bench-") as tmp:
            store = store_database(url, admin, "store") if store_kind == "postgresql" else str(Path(tmp) / "alerts.db")
            shards = Shards(url, store, args.shards)
            try:
                results["start"] = shards.ask("start")
                print(f"{args.shards} watcher(s), {store_kind} store: {results['start']}", flush=True)
                runs = []
                for i, rate in enumerate(rates):
                    if args.quick and time.time() - started > QUICK_RATES_UNTIL:
                        print(f"offered {rate:>6.0f}/s: not run (--quick keeps under 3 minutes)", flush=True)
                        continue
                    vacuum(url, store if store_kind == "postgresql" else None)
                    run = run_rate(url, shards, plan_rows, rate, seconds, seed=i, drain=seconds)
                    runs.append(run)
                    print(
                        f"offered {rate:>6.0f}/s: {run['committed_per_s']:>7.1f}/s committed, "
                        f"{run['throughput']:>7.1f}/s persisted, p50 {run['p50_ms']} ms, "
                        f"p99 {run['p99_ms']} ms, backlog {run['backlog_s']} s, kept up: {run['kept_up']}",
                        flush=True,
                    )
                    print(
                        f"    cores busy {run['cores_busy']} of {os.cpu_count()}; "
                        f"CPU ms/record: {run['cpu_ms_per_record']}; watcher stages ms/record (wall): "
                        f"{run['watcher_stage_ms_per_record']}; collector {run['collector']}",
                        flush=True,
                    )
                results["rates"] = runs
                # Each watcher's step is its own: the slowest is what one of them costs.
                results["quiet_check_cpu_ms"] = round(max(shards.ask("quiet", 200)), 3)
                results["memory"] = memory_day(shards, url, plan_rows, 24, 50 if args.quick else 500)
            finally:
                reasons = shards.close()
            results["memory"]["steps"] = {r: reasons.count(r) for r in sorted(set(reasons))}
            print(
                f"memory over 24 simulated hours (MB, watchers + workers): {results['memory']['rss_mb']}; "
                f"steps {results['memory']['steps']}",
                flush=True,
            )
            results["floor"] = floor_run(homes, plans, 1000)
            print(
                f"floor (plain Python, in process): {results['floor']['records_per_s']}/s, "
                f"p50 {results['floor']['p50_ms']} ms, p99 {results['floor']['p99_ms']} ms",
                flush=True,
            )
    finally:
        drop_database(url, admin)
    # Sustained: the highest offered rate kept up with at a p99 within the target; else the highest kept up
    # with; if none was, the highest rate at which every committed record was still persisted (the watcher's
    # own pace under load; its p99 then shows the backlog).
    kept = [run for run in results["rates"] if run["kept_up"]]
    within = [run for run in kept if run["p99_ms"] <= P99_TARGET_MS]
    drained = [run for run in results["rates"] if run["matched"] == run["committed"]] or results["rates"]
    best = (
        max(within or kept, key=lambda run: run["offered"]) if kept else max(drained, key=lambda run: run["throughput"])
    )
    # What the writer really committed (not what was offered: a writer or server that cannot keep the pace
    # must not count as records the watcher kept up with).
    sustained = min(best["offered"], best["committed_per_s"]) if kept else best["throughput"]
    results["kept_up_with_any_rate"] = bool(kept)
    results["sustained"] = {
        "records_per_s": sustained,
        "p99_ms": best["p99_ms"],
        "p99_target_ms": P99_TARGET_MS,
        "within_p99_target": bool(within),
    }
    if kept:
        fastest = max(kept, key=lambda run: run["offered"])
        results["highest_kept_up"] = {"offered": fastest["offered"], "p99_ms": fastest["p99_ms"]}
        print(
            f"highest rate kept up with: {fastest['offered']:.0f}/s offered, p99 {fastest['p99_ms']:.0f} ms; "
            + (
                f"within p99 <= {P99_TARGET_MS:.0f} ms: {best['offered']:.0f}/s offered"
                if within
                else f"none kept up with at p99 <= {P99_TARGET_MS:.0f} ms"
            )
        )
    results["elapsed_s"] = round(time.time() - started, 1)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"streaming-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    print(
        f"streaming: {sustained:.0f} records/s sustained, p99 {best['p99_ms']:.0f} ms, "
        f"quiet check {results['quiet_check_cpu_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
