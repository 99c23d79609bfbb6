"""Supervised engine worker processes.

durable-rules' C core can crash the process it runs in, never releases the GIL and never frees a
ruleset. So evaluation happens in worker processes (``spawn``, so no state is inherited) that this
module starts, feeds, watches and replaces:
- a worker that dies (segfault, abort, kill) is replaced; the job it was running is reported as an
  ``EngineCrash`` naming the job's key, and its queued jobs go to the new worker;
- a job that runs longer than ``timeout`` seconds (a hang) has its worker killed and is reported;
- a worker is recycled after ``max_jobs`` jobs or when its ruleset count nears the engine's limit;
- several workers evaluate different partitions (locations) in parallel.
The calling process never imports durable-rules.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import attrs

from mipr_rules.errors import EngineCrash, EngineError, MiprRulesError

PIPELINE = 8
"""Jobs sent ahead to each worker, so that workers never wait for the parent."""


@attrs.frozen
class Job:
    """One evaluation: facts of one partition against one compiled ruleset."""

    key: str
    """Partition key (a pseudonymous location or report key); named in errors, never the facts."""
    ruleset_name: str
    """Engine-side ruleset name."""
    definition_json: str
    """The durable-rules definition (loaded once per worker)."""
    facts: list[dict[str, Any]]
    """Facts with collision-free ids."""


@attrs.frozen
class JobResult:
    """The outcome of a job: matches, or the error that stopped it."""

    key: str
    matches: list[tuple[str, str]] = attrs.field(factory=list)
    """(engine rule key, fact id) pairs."""
    error: MiprRulesError | None = None


def _worker_main(conn: Connection) -> None:  # pragma: no cover - runs in the child process
    from mipr_rules.engine.durable_core import Core

    core = Core()
    failed: dict[str, str] = {}  # ruleset name -> why it could not be loaded
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message[0] == "stop":
            return
        _, name, definition_json, sid, facts = message
        try:
            if name in failed:
                raise EngineError(failed[name])
            if definition_json is not None:  # sent with a worker's first job of each ruleset only
                try:
                    core.load(name, definition_json)
                except MiprRulesError as exc:
                    failed[name] = str(exc)
                    raise
            conn.send(("ok", core.evaluate(name, sid, facts), core.needs_recycling()))
        except MiprRulesError as exc:
            conn.send(("error", str(exc), core.needs_recycling()))
        except Exception as exc:  # surfaced, never swallowed
            conn.send(("error", f"{type(exc).__name__}: {exc}", True))


class _Worker:
    def __init__(self, context: Any) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.pending: deque[Job] = deque()
        self.sent_rulesets: set[str] = set()
        """Rulesets whose definition this worker has been sent (each is sent once per worker)."""
        self.jobs_done = 0
        self.retire = False

    def send(self, job: Job, sid: str) -> None:
        self.pending.append(job)
        definition = None if job.ruleset_name in self.sent_rulesets else job.definition_json
        self.sent_rulesets.add(job.ruleset_name)
        self.conn.send(("eval", job.ruleset_name, definition, sid, job.facts))

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def death_cause(self) -> str:
        self.process.join(timeout=2)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"


class EnginePool:
    """A small pool of supervised engine workers. Use as a context manager."""

    def __init__(self, processes: int = 1, *, timeout: float = 120.0, max_jobs: int = 200_000) -> None:
        self.processes = max(1, processes)
        self.timeout = timeout
        self.max_jobs = max_jobs
        self._context = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._sequence = 0
        self.crashes = 0
        """Workers lost to crashes or hangs since the pool started."""

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            worker.stop()
        self._workers.clear()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for supervision tests and monitoring)."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context)
        self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self._workers.remove(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Evaluate ``jobs``, yielding results as they complete (not necessarily in order).

        Jobs are drawn from ``jobs`` lazily, only as workers have room, so memory stays bounded by the
        jobs in flight however many there are.
        """
        source = iter(jobs)
        queue: deque[Job] = deque()  # jobs taken back from a crashed worker come first

        def take() -> Job | None:
            if queue:
                return queue.popleft()
            return next(source, None)

        exhausted = False
        try:
            while True:
                while not exhausted:
                    job = take()
                    if job is None:
                        exhausted = True
                        break
                    worker = self._with_room()
                    if worker is None:
                        queue.appendleft(job)
                        break
                    self._sequence += 1
                    worker.send(job, f"s{self._sequence}")
                busy = {w.conn: w for w in self._workers if w.pending}
                if not busy:
                    if queue:
                        exhausted = False
                        continue
                    return
                ready = mpc.wait(list(busy), timeout=self.timeout)
                if not ready:
                    yield from self._kill_hung(busy.values(), queue)
                for conn in ready:
                    yield from self._receive(busy[conn], queue)  # type: ignore[index]
                if queue:
                    exhausted = False
        finally:
            # A caller that stops early, or a job source that raises, must not leave answers in flight
            # for the next run to receive: the workers still holding jobs are replaced.
            for worker in [w for w in self._workers if w.pending]:
                worker.process.kill()
                worker.pending.clear()
                worker.stop()
                self._workers.remove(worker)

    def _with_room(self) -> _Worker | None:
        """The least busy worker that can take a job; a new one while all are busy and there is room."""
        active = [w for w in self._workers if not w.retire]
        idle = [w for w in active if not w.pending]
        if not idle and len(active) < self.processes:
            return self._spawn()
        open_ = [w for w in active if len(w.pending) < PIPELINE]
        return min(open_, key=lambda w: len(w.pending)) if open_ else None

    def _receive(self, worker: _Worker, queue: deque[Job]) -> Iterator[JobResult]:
        try:
            status, payload, recycle = worker.conn.recv()
        except (EOFError, OSError):
            yield from self._crashed(worker, queue, worker.death_cause())
            return
        job = worker.pending.popleft()
        worker.jobs_done += 1
        if status == "ok":
            yield JobResult(job.key, matches=[(str(rule), str(fid)) for rule, fid in payload])
        else:
            yield JobResult(job.key, error=EngineError(f"{job.key}: {payload}"))
        if recycle or worker.jobs_done >= self.max_jobs:
            worker.retire = True
        if worker.retire and not worker.pending:
            worker.stop()
            self._workers.remove(worker)

    def _crashed(self, worker: _Worker, queue: deque[Job], cause: str) -> Iterator[JobResult]:
        self.crashes += 1
        failed = worker.pending.popleft()
        queue.extendleft(reversed(worker.pending))
        worker.pending.clear()
        self._replace(worker)
        yield JobResult(
            failed.key,
            error=EngineCrash(
                f"the rules engine crashed ({cause}) while evaluating {failed.key}; that input was not "
                "evaluated, the engine was restarted and the other inputs were"
            ),
        )

    def _kill_hung(self, workers: Iterable[_Worker], queue: deque[Job]) -> Iterator[JobResult]:
        for worker in list(workers):
            worker.process.kill()
            yield from self._crashed(worker, queue, f"no answer within {self.timeout:g} s")


def default_processes() -> int:
    """Workers to use: ``MIPR_RULES_WORKERS`` or the number of cores."""
    value = os.environ.get("MIPR_RULES_WORKERS")
    return max(1, int(value)) if value and value.isdigit() else max(1, os.cpu_count() or 1)
