"""Supervised engine worker processes.

durable-rules' C core can crash the process it runs in, never releases the GIL and never frees a
ruleset. So evaluation happens in worker processes that this module starts, feeds, watches and replaces.
Each worker is its own interpreter running ``python -m mipr_rules.engine.worker_main`` (no ``fork``, no
``multiprocessing``: nothing of the embedding program is inherited or re-imported, so the library works
from a script without a main guard, a notebook, a Celery or Django worker, or gunicorn). Jobs and answers
travel as frames (``frames.py``) over a socket pair on the worker's standard input and output.

- A worker that dies (signal, ``kill -9``, exit, broken connection) is replaced. The job it had started
  is reported as an ``EngineCrash`` naming the job's key (never its facts) and is not retried; jobs only
  waiting behind it go to the replacement. A job is given up after ``MAX_ATTEMPTS`` deaths of workers it
  waited on, so nothing is retried forever.
- A job that runs longer than ``timeout`` seconds (a hang) has its worker killed and is reported.
- A worker is recycled after ``max_jobs`` jobs or when its ruleset count nears the engine's limit.
- Several workers evaluate different partitions (locations) in parallel; jobs are drawn lazily.
- If workers cannot start at all (no interpreter with mipr-rules, no engine), ``EngineError`` says why.
The calling process never imports durable-rules.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from mipr_rules.engine import frames
from mipr_rules.engine.wire import Wire
from mipr_rules.errors import EngineCrash, EngineError, MiprRulesError

PIPELINE = 8
"""Jobs sent ahead to each worker, so that workers never wait for the parent."""
MAX_ATTEMPTS = 3
"""Unexplained worker deaths (no job running) a job may wait through before it is reported as not evaluated;
also the crashes while loading one ruleset after which its jobs are reported without being sent."""
MAX_START_FAILURES = 3
"""Workers in a row that end by themselves before they are ready before the pool gives up (``EngineError``)."""
MAX_KILLED_STARTS = 12
"""The same, for workers killed by a signal while starting (an outside kill is not the engine's fault)."""
START_TIMEOUT = 60.0
"""Seconds a new worker may take to import the engine (on a loaded machine) before it counts as hung."""
WORKER_MODULE = "mipr_rules.engine.worker_main"
PARENT_VARIABLE = "MIPR_RULES_WORKER_PARENT"
_SEND = getattr(socket, "MSG_NOSIGNAL", 0)  # a dead worker is an error to handle, never a SIGPIPE
_CHUNK = 1 << 18


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
    """Facts with collision-free ids (empty when ``wire`` is given)."""
    wire: Wire | None = None
    """The facts already checked and encoded for the C core (``wire.py``); the worker only asserts them."""


@attrs.frozen
class JobResult:
    """The outcome of a job: matches, or the error that stopped it."""

    key: str
    matches: list[tuple[str, str]] = attrs.field(factory=list)
    """(engine rule key, fact id) pairs."""
    error: MiprRulesError | None = None


@attrs.define(eq=False)
class _Entry:
    job: Job
    attempts: int = 0
    """Worker deaths this job waited through."""


def python_executable() -> str:
    """The interpreter engine workers run on.

    ``MIPR_RULES_PYTHON`` if set; else ``sys.executable`` when it is a Python interpreter; else (an
    embedded interpreter, a uWSGI or other host binary) the Python of ``sys.exec_prefix`` of this version.
    """
    chosen = os.environ.get("MIPR_RULES_PYTHON")
    if chosen:
        return chosen
    current = sys.executable
    if current and Path(current).name.lower().startswith(("python", "pypy")) and os.access(current, os.X_OK):
        return current
    major, minor = sys.version_info[:2]
    for prefix in dict.fromkeys((sys.exec_prefix, sys.base_exec_prefix)):
        for name in (f"python{major}.{minor}", f"python{major}", "python"):
            candidate = Path(prefix) / "bin" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise EngineError(
        f"cannot find a Python interpreter to run engine workers (sys.executable is {current!r}); "
        "set MIPR_RULES_PYTHON to the Python that has mipr-rules installed"
    )


def _worker_command() -> tuple[list[str], str | None, dict[str, str]]:
    """(argv, working directory, environment) of a worker.

    The worker runs in the folder that holds this ``mipr_rules`` package, which ``-m`` puts first on its
    path: it imports the very package the caller uses, and nothing from the caller's folder.
    """
    package = Path(__file__).resolve().parent.parent
    root = package.parent
    cwd = str(root) if (package / "__init__.py").is_file() else None
    env = dict(os.environ)
    env.pop(PARENT_VARIABLE, None)
    if threading.current_thread() is threading.main_thread():
        # The worker asks Linux to kill it when this thread ends: a worker spinning in a hang must not
        # outlive a caller that was killed. Only for the main thread, whose end is the process's end.
        env[PARENT_VARIABLE] = str(os.getpid())
    if env.get("PYTHONPATH"):  # relative entries would mean something else in the worker's folder
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else os.getcwd()
                                            for p in env["PYTHONPATH"].split(os.pathsep))
    return [python_executable(), "-m", WORKER_MODULE], cwd, env


def _not_plain(facts: Any) -> str | None:
    """Which fact and field holds a value that is not a JSON scalar (named, never the value)."""
    for fact in facts if isinstance(facts, list) else []:
        if not isinstance(fact, dict):
            return f"a fact is a {type(fact).__name__}, expected a mapping"
        for field, value in fact.items():
            if not (value is None or isinstance(value, (str, int, float))):
                subject = fact.get("subject")
                where = f"fact {subject}" if type(subject) is str and len(subject) <= 256 else f"fact {fact.get('id')}"
                return f"{where}: field {field} is a {type(value).__name__}, expected a JSON scalar"
    return None


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class _Worker:
    def __init__(self, argv: list[str], cwd: str | None, env: dict[str, str]) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                argv, stdin=theirs.fileno(), stdout=theirs.fileno(), cwd=cwd, env=env, close_fds=True
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self.argv0 = argv[0]
        self.outbox = bytearray()
        self.inbox = frames.FrameBuffer()
        self.pending: deque[tuple[_Entry, int]] = deque()
        """(job, sequence number) sent and not answered, in the order sent."""
        self.running: int | None = None
        """Sequence number of the job the worker said it started and has not answered."""
        self.loading: dict[int, str] = {}
        """Sequence number -> ruleset name, for jobs sent with a definition not yet reported loaded."""
        self.sent_rulesets: set[str] = set()
        """Rulesets whose definition this worker has been sent (each is sent once per worker)."""
        self.ready = False
        self.fatal: str | None = None
        self.jobs_done = 0
        self.retire = False
        self.lost = False
        """The connection failed or ended: the worker is dead or dying."""
        self.deadline = time.monotonic() + START_TIMEOUT
        self.events = selectors.EVENT_READ
        """What the pool's selector waits for on this worker's socket."""

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class EnginePool:
    """A small pool of supervised engine workers. Use as a context manager."""

    def __init__(self, processes: int = 1, *, timeout: float = 120.0, max_jobs: int = 200_000) -> None:
        self.processes = max(1, processes)
        self.timeout = timeout
        self.max_jobs = max_jobs
        self._workers: list[_Worker] = []
        self._stopping: list[subprocess.Popen[bytes]] = []
        self._selector: selectors.BaseSelector | None = None
        self._sequence = 0
        self._start_failures = 0
        self._load_crashes: dict[str, int] = {}
        """Ruleset name -> workers that crashed while loading it."""
        self._command: tuple[list[str], str | None, dict[str, str]] | None = None
        self.crashes = 0
        """Workers lost to crashes, kills or hangs since the pool started."""
        self.started = 0
        """Workers started since the pool started (recycled and replaced ones included)."""

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (closing its input ends it; one that does not end in 2 s is killed)."""
        for worker in self._workers:
            self._unregister(worker)
            worker.close()
            self._stopping.append(worker.process)
        self._workers.clear()
        if self._selector is not None:  # an epoll descriptor; a new one if the pool is used again
            self._selector.close()
            self._selector = None
        deadline = time.monotonic() + 2
        for process in self._stopping:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._stopping.clear()

    def _poller(self) -> selectors.BaseSelector:
        if self._selector is None:
            self._selector = selectors.DefaultSelector()
        return self._selector

    def pids(self) -> list[int]:
        """Process ids of the live workers (for supervision tests and monitoring)."""
        return [w.pid for w in self._workers if not w.lost]

    # --- the run loop -----------------------------------------------------------------------------------

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Evaluate ``jobs``, yielding results as they complete (not necessarily in order).

        Jobs are drawn from ``jobs`` lazily, only as workers have room, so memory stays bounded by the
        jobs in flight however many there are. Every job yields exactly one result; a worker's death costs
        at most the job it was running.
        """
        source = iter(jobs)
        queue: deque[_Entry] = deque()  # jobs taken back from a dead worker come first
        done: list[JobResult] = []
        exhausted = False
        try:
            while True:
                exhausted = self._dispatch(source, queue, done, exhausted)
                if done:
                    yield from done
                    done.clear()
                    continue
                if exhausted and not queue and not any(w.pending for w in self._workers):
                    return
                self._wait(done)
                for worker in [w for w in self._workers if w.lost]:
                    self._bury(worker, queue, done)
                self._kill_hung(queue, done)
                yield from done
                done.clear()
        finally:
            # A caller that stops early, or a job source that raises, must not leave answers in flight
            # for the next run to receive: the workers still holding jobs are replaced.
            for worker in [w for w in self._workers if w.pending]:
                self._discard(worker)

    def _dispatch(self, source: Iterator[Job], queue: deque[_Entry], done: list[JobResult], exhausted: bool) -> bool:
        """Send jobs to workers with room; returns whether ``source`` is exhausted."""
        while queue or not exhausted:
            worker = self._with_room()
            if worker is None:
                break
            if queue:
                entry = queue.popleft()
            else:
                job = next(source, None)
                if job is None:
                    return True
                entry = _Entry(job)
            self._send(worker, entry, done)
        return exhausted

    def _with_room(self) -> _Worker | None:
        """The least busy worker that can take a job; a new one while all are busy and there is room."""
        active = [w for w in self._workers if not w.retire and not w.lost]
        idle = [w for w in active if not w.pending]
        if not idle and len(active) < self.processes:
            return self._spawn()
        open_ = [w for w in active if len(w.pending) < PIPELINE]
        return min(open_, key=lambda w: len(w.pending)) if open_ else None

    def _spawn(self) -> _Worker:
        self._reap()
        if self._command is None:
            self._command = _worker_command()
        try:
            worker = _Worker(*self._command)
        except OSError as exc:
            raise EngineError(
                f"cannot start an engine worker ({self._command[0][0]}: {exc.strerror or exc}); set "
                "MIPR_RULES_PYTHON to the Python that has mipr-rules installed"
            ) from None
        self.started += 1
        self._workers.append(worker)
        self._poller().register(worker.sock, selectors.EVENT_READ, worker)
        return worker

    def _send(self, worker: _Worker, entry: _Entry, done: list[JobResult]) -> None:
        job = entry.job
        crashes = self._load_crashes.get(job.ruleset_name, 0)
        if crashes >= MAX_ATTEMPTS:
            done.append(
                JobResult(
                    job.key,
                    error=EngineCrash(
                        f"the rules engine crashed {crashes} times loading the ruleset for {job.key}; that input "
                        "was not evaluated"
                    ),
                )
            )
            return
        first = job.ruleset_name not in worker.sent_rulesets
        self._sequence += 1
        try:
            definition = job.definition_json if first else None
            frame = frames.encode(
                ("eval", self._sequence, job.ruleset_name, definition, f"s{self._sequence}", job.facts)
                if job.wire is None
                else ("eval", self._sequence, job.ruleset_name, definition, job.wire.sid, job.wire.batches)
            )
        except (frames.NotPlain, RecursionError) as exc:  # refused here: a worker never imports a class
            done.append(JobResult(job.key, error=EngineError(f"{job.key}: {_not_plain(job.facts) or exc}")))
            return
        if first:
            worker.sent_rulesets.add(job.ruleset_name)
            worker.loading[self._sequence] = job.ruleset_name
        if not worker.pending and worker.ready:
            worker.deadline = time.monotonic() + self.timeout
        worker.pending.append((entry, self._sequence))
        worker.outbox += frame
        self._flush(worker)

    def _flush(self, worker: _Worker) -> None:
        while worker.outbox and not worker.lost:
            try:
                with memoryview(worker.outbox) as view, view[:_CHUNK] as chunk:
                    sent = worker.sock.send(chunk, _SEND)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # broken pipe, reset: the worker is gone
                worker.lost = True
                break
            del worker.outbox[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if worker.outbox and not worker.lost else 0)
        if events != worker.events:  # a system call: only when what the pool waits for changes
            worker.events = events
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._poller().modify(worker.sock, events, worker)

    def _wait(self, done: list[JobResult]) -> None:
        busy = [w for w in self._workers if w.pending and not w.lost]
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if busy else None
        if not any(w.lost for w in self._workers):
            for key, mask in self._poller().select(timeout):
                worker: _Worker = key.data
                if mask & selectors.EVENT_WRITE:
                    self._flush(worker)
                if mask & selectors.EVENT_READ:
                    self._read(worker, done)

    def _read(self, worker: _Worker, done: list[JobResult]) -> None:
        try:
            data = worker.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            worker.lost = True
            return
        self._handle(worker, data, done)

    def _handle(self, worker: _Worker, data: bytes, done: list[JobResult]) -> None:
        try:
            messages = worker.inbox.feed(data)
        except Exception:  # a garbled stream: the worker is not trustworthy any more
            worker.lost = True
            return
        for message in messages:
            kind = message[0]
            if kind == "start":
                worker.running = message[1]
                worker.deadline = time.monotonic() + self.timeout
            elif kind == "loaded":
                worker.loading.pop(message[1], None)
            elif kind in ("ok", "error"):
                _, seq, payload, recycle = message
                if not worker.pending:  # never expected: an answer to nothing
                    worker.lost = True
                    return
                entry, sent_seq = worker.pending.popleft()
                if seq != sent_seq:  # never expected: answers come in the order jobs were sent
                    worker.pending.appendleft((entry, sent_seq))
                    worker.lost = True
                    return
                worker.running = None
                worker.loading.pop(seq, None)
                worker.jobs_done += 1
                worker.deadline = time.monotonic() + self.timeout
                key = entry.job.key
                if kind == "ok":
                    done.append(JobResult(key, matches=[(str(rule), str(fid)) for rule, fid in payload]))
                else:
                    done.append(JobResult(key, error=EngineError(f"{key}: {payload}")))
                if recycle or worker.jobs_done >= self.max_jobs:
                    worker.retire = True
                if worker.retire and not worker.pending:
                    self._stop(worker)
                    return
            elif kind == "ready":
                worker.ready = True
                self._start_failures = 0
                worker.deadline = time.monotonic() + self.timeout
            elif kind == "fatal":
                worker.fatal = str(message[1])

    # --- deaths -----------------------------------------------------------------------------------------

    def _bury(self, worker: _Worker, queue: deque[_Entry], done: list[JobResult], cause: str | None = None) -> None:
        """Account for a dead (or killed) worker: what it answered, what it was running, what waited."""
        self._unregister(worker)
        self._workers.remove(worker)
        if worker.process.poll() is None:
            worker.process.kill()
        code = worker.process.wait()
        # Answers and marks already on the way are still read: they say exactly how far it got.
        worker.sock.setblocking(True)
        worker.sock.settimeout(2.0)
        with contextlib.suppress(OSError):
            while data := worker.sock.recv(1 << 16):
                self._handle(worker, data, done)
        worker.close()
        cause = cause or _describe_exit(code)
        if not worker.ready:
            # It exited, or never got ready, by itself (no interpreter, no engine), or it was killed while
            # starting; either way none of its jobs had been read. Only so many in a row are tolerated.
            by_itself = bool(worker.fatal) or code >= 0 or cause != _describe_exit(code)
            self._start_failures += MAX_KILLED_STARTS // MAX_START_FAILURES if by_itself else 1
            if self._start_failures >= MAX_KILLED_STARTS:
                why = worker.fatal or f"{worker.argv0} -m {WORKER_MODULE} ended with {cause} before it was ready"
                raise EngineError(
                    f"engine workers could not start: {why}; set MIPR_RULES_PYTHON to the Python that has "
                    "mipr-rules installed"
                )
        self.crashes += 1
        pending = list(worker.pending)
        worker.pending.clear()
        blamed = bool(pending) and worker.running == pending[0][1]
        if blamed:
            seq = pending[0][1]
            failed = pending.pop(0)[0].job.key
            doing = "evaluating"
            if seq in worker.loading:
                name = worker.loading[seq]
                self._load_crashes[name] = self._load_crashes.get(name, 0) + 1
                doing = "loading the ruleset for"
            done.append(
                JobResult(
                    failed,
                    error=EngineCrash(
                        f"the rules engine crashed ({cause}) while {doing} {failed}; that input was not "
                        "evaluated, the engine was restarted and the other inputs were"
                    ),
                )
            )
        if pending and worker.ready and not blamed:
            # Died between jobs: only the job it was about to read (the first waiting) can have caused it.
            pending[0][0].attempts += 1
        for entry, _ in reversed(pending):
            if entry.attempts >= MAX_ATTEMPTS:
                key = entry.job.key
                done.append(
                    JobResult(
                        key,
                        error=EngineCrash(
                            f"the rules engine stopped {entry.attempts} times ({cause}) before it could evaluate "
                            f"{key}; that input was not evaluated, the other inputs were"
                        ),
                    )
                )
            else:
                queue.appendleft(entry)

    def _kill_hung(self, queue: deque[_Entry], done: list[JobResult]) -> None:
        now = time.monotonic()
        for worker in [w for w in self._workers if w.pending and w.deadline <= now]:
            worker.process.kill()
            limit = self.timeout if worker.ready else START_TIMEOUT
            self._bury(worker, queue, done, f"no answer within {limit:g} s")

    def _stop(self, worker: _Worker) -> None:
        """Retire an idle worker: closing its input ends it."""
        self._unregister(worker)
        if worker in self._workers:
            self._workers.remove(worker)
        worker.close()
        self._stopping.append(worker.process)

    def _discard(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.pending.clear()
        self._stop(worker)

    def _unregister(self, worker: _Worker) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._poller().unregister(worker.sock)

    def _reap(self) -> None:
        self._stopping = [p for p in self._stopping if p.poll() is None]


def default_processes() -> int:
    """Workers to use: ``MIPR_RULES_WORKERS`` or the number of cores."""
    value = os.environ.get("MIPR_RULES_WORKERS")
    return max(1, int(value)) if value and value.isdigit() else max(1, os.cpu_count() or 1)
