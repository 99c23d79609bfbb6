"""Supervised engine workers: a crash or a hang costs one input, never the calling process or the
other inputs.

The job that blocks is a real durable-rules hazard, not a stand-in: 513 rules whose first test is the same
equality make ``create_ruleset`` spin forever holding the GIL (durable-rules-limits.md). The compiler
refuses that shape, so these jobs carry a hand-written definition.
"""

from __future__ import annotations

import json
import os
import signal
import textwrap
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from mipr_rules.engine.worker import PIPELINE, EnginePool, Job, JobResult, default_processes
from mipr_rules.errors import EngineCrash, EngineError

OK = json.dumps({"r0": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": 28}}]}}]}})
BLOCKS = json.dumps(
    {f"r{i}": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": i}}]}}]} for i in range(513)}
)
PRIVATE = "Mrs Example, NHS 943 476 5919"


def _ok(key: str, days: int = 40) -> Job:
    return Job(key, "ok", OK, [{"id": "f0", "type": "plan", "days": days, "note": PRIVATE}])


def _blocking(key: str) -> Job:
    return Job(key, "blocks", BLOCKS, [{"id": "f0", "type": "plan", "days": 1, "note": PRIVATE}])


def _collect(pool: EnginePool, jobs: Iterable[Job], limit: float = 20.0) -> list[JobResult]:
    """Every result of ``pool.run(jobs)``; fails if the run never ends (a watchdog, not a timing test)."""
    results: list[JobResult] = []
    failure: list[BaseException] = []

    def consume() -> None:
        try:
            results.extend(pool.run(jobs))
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(
            f"EnginePool.run did not finish within {limit:g} s; results so far: "
            f"{[(r.key, type(r.error).__name__ if r.error else 'ok') for r in results]}"
        )
    if failure:
        raise failure[0]
    return results


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _settles(condition: Callable[[], bool], limit: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``limit`` seconds (a killed process takes a moment to die)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kill_inside_blocking_job(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` once the worker spins in a blocking job (after its ``start`` mark, by construction).

    A worker only spends CPU on a job after it reported starting it; reading a small job takes far less
    than 0.3 s of CPU, so 0.3 s consumed means it is inside the blocking ``create_ruleset``. The wait is for
    that condition, with a watchdog, not for a length of time.
    """
    start = _cpu_seconds(pid)
    assert _settles(lambda: _cpu_seconds(pid) - start >= 0.3, limit=30), "the worker never started the job"
    os.kill(pid, sig)


# --- crashes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV], ids=["SIGKILL", "SIGSEGV"])
def test_a_worker_killed_mid_evaluation_costs_only_its_job(sig: signal.Signals) -> None:
    jobs = [_ok("home-1"), _blocking("home-2"), _ok("home-3"), _ok("home-4", days=3)]
    results: list[JobResult] = []
    with EnginePool(1, timeout=60) as pool:
        for result in pool.run(jobs):
            results.append(result)
            if len(results) == 1:  # the worker goes on to home-2's create_ruleset, which never ends
                (pid,) = pool.pids()
                _kill_inside_blocking_job(pid, sig)
        assert pool.crashes == 1
        survivors = pool.pids()
    assert pid not in survivors

    by_key = {r.key: r for r in results}
    assert sorted(by_key) == ["home-1", "home-2", "home-3", "home-4"]
    crash = by_key["home-2"].error
    assert isinstance(crash, EngineCrash)
    message = str(crash)
    assert "home-2" in message and sig.name in message
    assert "\n" not in message and PRIVATE not in message and "days" not in message
    assert by_key["home-1"].matches == [("r0", "f0")] and by_key["home-1"].error is None
    assert by_key["home-3"].matches == [("r0", "f0")] and by_key["home-3"].error is None
    assert by_key["home-4"].matches == [] and by_key["home-4"].error is None


def test_the_pool_keeps_working_after_a_crash() -> None:
    with EnginePool(1, timeout=60) as pool:
        for result in pool.run([_ok("a"), _blocking("b")]):
            if result.key == "a":
                _kill_inside_blocking_job(pool.pids()[0], signal.SIGKILL)
        again = list(pool.run([_ok("c"), _ok("d", days=1)]))
        assert pool.crashes == 1
    assert [(r.key, r.matches, r.error) for r in again] == [("c", [("r0", "f0")], None), ("d", [], None)]


# --- hangs ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_hung_job_is_reported_and_its_worker_killed() -> None:
    with EnginePool(1, timeout=2) as pool:
        hung: list[int] = []

        def jobs() -> Iterator[Job]:
            hung.extend(pool.pids())  # the worker is started before the first job is drawn
            yield _blocking("stuck-home")

        (result,) = _collect(pool, jobs())
        assert pool.crashes == 1
        assert hung and hung[0] not in pool.pids()
        assert _settles(lambda: not _alive(hung[0]))  # the hung worker is gone
        after = _collect(pool, [_ok("next-home")])
    assert isinstance(result.error, EngineCrash)
    assert "stuck-home" in str(result.error) and "no answer within 2 s" in str(result.error)
    assert [(r.key, r.matches, r.error) for r in after] == [("next-home", [("r0", "f0")], None)]


@pytest.mark.slow
def test_jobs_queued_behind_a_hung_job_still_run() -> None:
    """A hang must not strand the jobs pipelined to the same worker: they go to its replacement."""
    with EnginePool(1, timeout=2) as pool:
        results = _collect(pool, [_ok("home-1"), _blocking("home-2"), _ok("home-3"), _ok("home-4", days=3)])
        assert pool.crashes == 1
    by_key = {r.key: r for r in results}
    assert sorted(by_key) == ["home-1", "home-2", "home-3", "home-4"]
    assert isinstance(by_key["home-2"].error, EngineCrash)
    assert [by_key[k].error for k in ("home-1", "home-3", "home-4")] == [None, None, None]
    assert by_key["home-3"].matches == [("r0", "f0")]


# --- errors, recycling, parallelism ---------------------------------------------------------------------


def test_an_engine_error_costs_only_its_job_and_keeps_the_worker() -> None:
    bad = Job("home-2", "ok", OK, [{"id": "f0", "type": "plan", "days": None, "note": PRIVATE}])
    with EnginePool(1, timeout=60) as pool:
        results = list(pool.run([_ok("home-1"), bad, _ok("home-3")]))
        assert pool.crashes == 0
        assert len(pool.pids()) == 1
    by_key = {r.key: r for r in results}
    error = by_key["home-2"].error
    assert isinstance(error, EngineError) and not isinstance(error, EngineCrash)
    assert str(error).startswith("home-2: ") and "field days is null" in str(error)
    assert PRIVATE not in str(error)
    assert by_key["home-1"].error is None and by_key["home-3"].error is None


def test_a_fact_the_engine_cannot_take_is_refused_by_field_before_it_is_sent() -> None:
    """Only plain data travels to workers: an object (which would make a worker import its class) is named."""
    import datetime as dt

    class Opaque:
        pass

    jobs = [
        _ok("home-1"),
        Job("home-2", "ok", OK, [{"id": "f0", "type": "plan", "days": 40, "subject": "plan:P2", "at": dt.date.min}]),
        Job("home-3", "ok", OK, [{"id": "f0", "type": "plan", "days": 40, "note": Opaque()}]),
        _ok("home-4"),
    ]
    with EnginePool(1, timeout=60) as pool:
        by_key = {r.key: r for r in pool.run(jobs)}
        assert pool.crashes == 0 and pool.started == 1
    assert str(by_key["home-2"].error) == "home-2: fact plan:P2: field at is a date, expected a JSON scalar"
    assert str(by_key["home-3"].error) == "home-3: fact f0: field note is a Opaque, expected a JSON scalar"
    assert by_key["home-1"].matches == by_key["home-4"].matches == [("r0", "f0")]


def test_text_and_number_subclasses_travel_as_their_values() -> None:
    import enum

    class Days(enum.IntEnum):
        MANY = 40

    class Kind(str, enum.Enum):
        PLAN = "plan"

    with EnginePool(1, timeout=60) as pool:
        (result,) = pool.run([Job("home-1", "ok", OK, [{"id": "f0", "type": Kind.PLAN, "days": Days.MANY}])])
    assert (result.error, result.matches) == (None, [("r0", "f0")])


def test_a_worker_is_recycled_after_max_jobs() -> None:
    """Recycling is approximate: jobs already sent ahead (``PIPELINE``) are finished first."""
    count = 4 * PIPELINE
    with EnginePool(1, timeout=60, max_jobs=2) as pool:
        results = list(pool.run([_ok(f"home-{n}") for n in range(count)]))
        assert pool.crashes == 0
        started = pool.started
    assert [r.error for r in results] == [None] * count
    assert sorted(r.key for r in results) == sorted(f"home-{n}" for n in range(count))
    assert started >= 3


def test_several_workers_share_the_work() -> None:
    with EnginePool(3, timeout=60) as pool:
        results = list(pool.run([_ok(f"home-{n}") for n in range(30)]))
        assert pool.started == 3 and len(pool.pids()) == 3
    assert len(results) == 30 and all(r.error is None for r in results)


def test_the_calling_process_never_imports_durable_rules(run_python: Callable[..., Any]) -> None:
    code = textwrap.dedent(
        """
        import sys, threading
        from mipr_rules.api import Session
        from mipr_rules.testing.contract import sample_as_of, sample_location

        if __name__ == "__main__":
            before = threading.active_count()
            with Session() as session:
                report = session.readiness([sample_location()], as_of=sample_as_of())
            print(len(report.alerts()))
            print(any(m.startswith("durable") for m in sys.modules))
            print(threading.active_count() - before)
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    alerts, imported, new_threads = result.stdout.split()
    assert int(alerts) > 0
    assert imported == "False"
    assert new_threads == "0"


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("0", 1), ("many", None), ("", None)])
def test_worker_count_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int | None
) -> None:
    monkeypatch.setenv("MIPR_RULES_WORKERS", value)
    assert default_processes() == (expected or max(1, os.cpu_count() or 1))
