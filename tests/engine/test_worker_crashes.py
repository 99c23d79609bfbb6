"""Crash isolation at scale: real ``kill -9`` of engine workers and real segfaults of durable-rules, through
the API, cost exactly the job a worker was running; every other location is evaluated as in a clean run and
no ``BrokenPipeError``, ``EOFError`` or ``OSError`` escapes.

Kills happen at points chosen by job count (inside the job source, which the pool draws from lazily), never
after a sleep. Whether a killed worker had started its next job is up to the scheduler, so the assertions are
the invariants that must hold either way: every location gets one result, at most one per kill is an
``EngineCrash`` naming it, and all others equal the clean run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import attrs
import pytest

from mipr_rules.api import Session
from mipr_rules.convert import structure
from mipr_rules.engine.evaluate import Evaluation, Evaluator
from mipr_rules.engine.worker import EnginePool, Job, JobResult
from mipr_rules.errors import EngineCrash
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport
from mipr_rules.samples.generate import generate_home

AS_OF = dt.date(2026, 11, 2)
T = TypeVar("T")

OK = json.dumps({"r0": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": 28}}]}}]}})
SEGFAULTS = json.dumps({"r0": {"all": [{"m": {"$and": [{"type": "plan"}, {"$mt": {"note": ".*" * 200}}]}}]}})
"""A regex of 200 ``.*`` makes durable-rules' ``create_ruleset`` segfault (the lint refuses it; built by hand)."""


def _homes(count: int) -> list[Location]:
    return [
        structure(
            generate_home(
                AS_OF, seed=i, residents=3, staff=2, planted_gaps=i % 3 == 0, location_id=f"1-{i:09d}", name=f"Home {i}"
            ),
            Location,
            f"home {i}",
        )
        for i in range(count)
    ]


def _finishes(work: Callable[[], T], limit: float = 60.0) -> T:
    """``work()``, failing the test if it never returns (a watchdog for hangs, not a timing assertion)."""
    out: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"the run did not finish within {limit:g} s")
    if failure:
        raise failure[0]
    return out[0]


def _outcome(evaluation: Evaluation) -> list[tuple[str, str]]:
    return [(hit.rule_id, hit.subject) for hit in evaluation.hits]


@pytest.fixture(scope="module")
def homes() -> list[Location]:
    """300 generated homes (a third with the sample's planted gaps)."""
    return _homes(300)


@pytest.fixture(scope="module")
def clean(homes: list[Location]) -> dict[str, list[tuple[str, str]]]:
    """(rule, subject) of every alert of every home, from a run without faults."""
    with Evaluator(processes=2, timeout=60) as evaluator:
        compiled = evaluator.compile(_shipped(evaluator), None, Location)
        reference = {e.key: _outcome(e) for e in evaluator.run(compiled, [(h.location_id, h) for h in homes], AS_OF)}
    assert sum(bool(e) for e in reference.values()) >= 100, "the planted gaps give alerts to compare"
    return reference


def _shipped(evaluator: Evaluator) -> Any:
    from mipr_rules.ruleset.catalogue import Catalogue

    return Catalogue.installed(evaluator.pm).get("cqc-readiness", AS_OF)


def _killing(evaluator: Evaluator, homes: Iterable[Location], at: set[int], killed: list[int]) -> Iterator[Any]:
    """The homes as (key, home), killing a worker (``kill -9``) as the pool draws home number ``n`` in ``at``."""
    for n, home in enumerate(homes):
        if n in at and evaluator.pool.pids():
            pid = evaluator.pool.pids()[n % len(evaluator.pool.pids())]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        yield home.location_id, home


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_at_random_job_counts_costs_at_most_the_running_location(
    homes: list[Location], clean: dict[str, list[tuple[str, str]]], seed: int
) -> None:
    at = set(random.Random(seed).sample(range(1, 290), 4))
    killed: list[int] = []
    with Evaluator(processes=2, timeout=60) as evaluator:
        compiled = evaluator.compile(_shipped(evaluator), None, Location)
        results = _finishes(lambda: list(evaluator.run(compiled, _killing(evaluator, homes, at, killed), AS_OF)))
        survivors = set(evaluator.pool.pids())
    assert len(killed) == len(at) and not survivors & set(killed)

    assert [e.key for e in results] == [h.location_id for h in homes]
    crashed = [e for e in results if e.error is not None]
    assert len(crashed) <= len(killed)
    for evaluation in crashed:
        assert isinstance(evaluation.error, EngineCrash), evaluation.error
        assert evaluation.key in str(evaluation.error) and "SIGKILL" in str(evaluation.error)
    assert {e.key: _outcome(e) for e in results if e.error is None} == {
        k: v for k, v in clean.items() if k not in {e.key for e in crashed}
    }


def _readiness(homes: Iterable[Location], evaluator: Evaluator) -> ReadinessReport:
    # This test reads the per-location errors, so it asks for the report rather than EvaluationIncomplete.
    return Session(evaluator=evaluator).readiness(homes, as_of=AS_OF, allow_incomplete=True)


def test_run_readiness_names_the_location_a_killed_worker_was_running(
    homes: list[Location], clean: dict[str, list[tuple[str, str]]]
) -> None:
    """One worker, killed as homes 150, 200 and 250 are drawn (each once the previous death was noticed)."""
    killed: list[int] = []

    with Evaluator(processes=1, timeout=60) as evaluator:

        def every_home_after_149() -> Iterator[Location]:
            for n, home in enumerate(homes):
                if n in (150, 200, 250) and evaluator.pool.pids() and evaluator.pool.crashes == len(killed):
                    killed.append(evaluator.pool.pids()[0])
                    os.kill(killed[-1], signal.SIGKILL)
                yield home

        report = _finishes(lambda: _readiness(every_home_after_149(), evaluator))
    by_id = {r.location_id: r for r in report.locations}
    assert list(by_id) == [h.location_id for h in homes]
    failed = {k: r.error for k, r in by_id.items() if r.error}
    assert len(failed) <= len(killed)
    assert all(k in (why or "") and "crashed" in (why or "") for k, why in failed.items())
    for key, location in by_id.items():
        if key not in failed:
            assert [(a.rule_id, a.subject) for a in location.alerts] == clean[key], key


@pytest.mark.parametrize("count", [10, 30])
def test_a_ruleset_that_segfaults_the_engine_is_reported_per_location_and_ends(count: int) -> None:
    homes = _homes(count)
    with Evaluator(processes=2, timeout=60) as evaluator:
        good = evaluator.compile(_shipped(evaluator), None, Location)
        definition = json.loads(good.definition_json)
        definition["r0"] = {"all": [{"m": {"$and": [{"type": "location"}, {"$mt": {"name": ".*" * 200}}]}}]}
        bad = attrs.evolve(good, name=f"segfaults-{count}", definition_json=json.dumps(definition))

        results = _finishes(lambda: list(evaluator.run(bad, [(h.location_id, h) for h in homes], AS_OF)))
        assert [e.key for e in results] == [h.location_id for h in homes]
        for evaluation in results:
            assert isinstance(evaluation.error, EngineCrash), evaluation.error
            assert evaluation.key in str(evaluation.error) and "loading the ruleset" in str(evaluation.error)
        assert evaluator.pool.crashes <= 3 + 2  # given up after three crashes (two workers may race)

        after = _finishes(lambda: list(evaluator.run(good, [(h.location_id, h) for h in homes], AS_OF)))
    assert all(e.error is None for e in after) and sum(bool(e.hits) for e in after) >= count // 3


def _collect(pool: EnginePool, jobs: Iterable[Job]) -> dict[str, JobResult]:
    results = _finishes(lambda: list(pool.run(jobs)))
    by_key = {r.key: r for r in results}
    assert len(by_key) == len(results)
    return by_key


def test_locations_whose_ruleset_segfaults_fail_alone_among_the_others() -> None:
    """Jobs of a segfaulting ruleset interleaved with good ones over two workers: only they fail."""
    bad = {f"home-{n}" for n in range(60) if n % 6 == 2}
    jobs = [
        Job(f"home-{n}", "segfaults", SEGFAULTS, [{"id": "f0", "type": "plan", "days": 1, "note": "x"}])
        if f"home-{n}" in bad
        else Job(f"home-{n}", "ok", OK, [{"id": "f0", "type": "plan", "days": 40 if n % 2 else 3, "note": "x"}])
        for n in range(60)
    ]
    with EnginePool(2, timeout=60) as pool:
        by_key = _collect(pool, jobs)
    assert sorted(by_key) == sorted(j.key for j in jobs)
    for n in range(60):
        result = by_key[f"home-{n}"]
        if f"home-{n}" in bad:
            assert isinstance(result.error, EngineCrash) and f"home-{n}" in str(result.error)
        else:
            assert result.error is None, result.error
            assert result.matches == ([("r0", "f0")] if n % 2 else [])


def test_a_worker_that_dies_before_or_while_jobs_are_sent_to_it_costs_nothing() -> None:
    """Big jobs fill the connection (a broken pipe while sending); the worker dies with jobs only queued."""
    note = "x" * 60_000
    facts = [{"id": f"f{i}", "type": "plan", "days": 40, "note": note} for i in range(20)]
    pool = EnginePool(1, timeout=60)

    def jobs() -> Iterator[Job]:
        for n in range(12):
            if n in (0, 5) and pool.pids():  # the new worker is still starting: nothing of it has run
                os.kill(pool.pids()[0], signal.SIGKILL)
            yield Job(f"home-{n}", "ok", OK, facts)

    with pool:
        by_key = _collect(pool, jobs())
        # A worker killed while idle, between runs, is noticed when the next run sends to it.
        os.kill(pool.pids()[0], signal.SIGKILL)
        again = _collect(pool, [Job("home-next", "ok", OK, facts[:1])])
    assert sorted(by_key) == sorted(f"home-{n}" for n in range(12))
    crashed = [k for k, r in by_key.items() if r.error is not None]
    assert len(crashed) <= 1 and all(isinstance(by_key[k].error, EngineCrash) for k in crashed)
    assert all(sorted(r.matches) == sorted(("r0", f"f{i}") for i in range(20)) for k, r in by_key.items()
               if k not in crashed)
    assert again["home-next"].error is None and again["home-next"].matches == [("r0", "f0")]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_worker_stuck_in_the_engine_does_not_outlive_a_killed_caller(tmp_path: Any) -> None:
    """The caller is killed (-9) while its worker spins in ``create_ruleset`` holding the GIL."""
    import subprocess
    import sys
    import time

    blocks = json.dumps(
        {f"r{i}": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": i}}]}}]} for i in range(513)}
    )
    code = (
        "import sys\nfrom mipr_rules.engine.worker import EnginePool, Job\n"
        "pool = EnginePool(1, timeout=600)\n"
        "def jobs():\n"
        "    print(pool.pids()[0], flush=True)\n"
        f"    yield Job('stuck', 'blocks', {blocks!r}, [{{'id': 'f0', 'type': 'plan', 'days': 1}}])\n"
        "list(pool.run(jobs()))\n"
    )
    caller = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert caller.stdout is not None
        worker = int(caller.stdout.readline())
        deadline = time.monotonic() + 30
        while _cpu(worker) < 0.3:  # inside the hang (see test_worker.py): a condition, not a sleep
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.05)
    finally:
        caller.kill()
        caller.communicate()
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the engine worker outlived its killed caller")


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
