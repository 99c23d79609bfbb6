"""``mipr watch --interval`` as a service that survives: a check that fails for any reason (an internal error
in an adapter, a location the engine cannot evaluate) is reported, naming the source or the location and never
a record's content, and the next check runs; SIGTERM ends it with every output line whole.

The service runs as a real ``mipr`` process. Its adapter is a plugin (as any third-party adapter is) that
reads like the file adapter and, when a marker file next to the source says so, fails in a chosen way.
The test waits for output lines, never for a time.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from alert_support import break_evaluation, write_source

PERSONAL = "Jane Example, born 1950-01-01, NHS number 9434765919"
"""What the failing adapter puts in its exception's text: it must never reach the output."""

PLUGIN = f'''
import os

from mipr_rules import hookimpl
from mipr_rules.adapters.file_adapter import FileAdapter


class FlakyAdapter:
    """The file adapter, failing as marker files next to the source say."""

    name = "flaky"
    version = "1.0"
    description = "file adapter that fails on demand"
    accepts = ("*.json",)

    def read(self, source, context):
        if os.path.exists(source + ".fail"):
            raise ValueError({PERSONAL!r})  # an adapter's bug, quoting a record
        yield from FileAdapter().read(source, context)


@hookimpl
def mipr_register_adapters(register):
    register(FlakyAdapter())
'''


class Service:
    """A running ``mipr watch --interval``; its output lines are read as they come."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.all: list[str] = []
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def next_check(self) -> dict[str, Any]:
        """The next check's JSON line (a service that died or went silent for a minute fails the test)."""
        line = self.lines.get(timeout=120)
        assert line is not None, f"the service ended: {self.stop()[1]}"
        self.all.append(line)
        return json.loads(line)  # type: ignore[no-any-return]

    def until(self, predicate: Callable[[dict[str, Any]], bool], checks: int = 15) -> dict[str, Any]:
        """The first of the next ``checks`` checks that satisfies ``predicate``."""
        for _ in range(checks):
            cycle = self.next_check()
            if predicate(cycle):
                return cycle
        raise AssertionError(f"none of {checks} checks matched")

    def stop(self) -> tuple[int, str]:
        """SIGTERM, then the exit code and standard error; the rest of standard output is kept."""
        if self.process.returncode is not None:
            return self.process.returncode, ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            assert self.process.stderr is not None
            stderr = self.process.stderr.read()
            code = self.process.wait(timeout=120)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=60)
        while (line := self.lines.get_nowait() if not self.lines.empty() else None) is not None:
            self.all.append(line)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code, stderr


@pytest.fixture
def service(tmp_path: Path, home: dict[str, Any]) -> Iterator[Callable[..., Service]]:
    root = tmp_path / "plugin"
    root.mkdir()
    (root / "flaky_adapter.py").write_text(PLUGIN)
    info = root / "flaky_adapter-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: flaky_adapter\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mipr_rules]\nflaky_adapter = flaky_adapter\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG", "COLUMNS")}
    env.update(NO_COLOR="1", MIPR_RULES_WORKERS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    write_source(tmp_path / "home.json", home)
    started: list[Service] = []

    def start(*options: str) -> Service:
        command = [
            str(Path(sys.executable).with_name("mipr")), "watch", "--adapter", "flaky",
            "--source", str(tmp_path / "home.json"), "--store", str(tmp_path / "alerts.db"),
            "--as-of", "2026-11-02", "--interval", "1", "--format", "json", *options,
        ]  # fmt: skip
        started.append(Service(command, env))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def _mark(source: Path, marker: str, on: bool) -> None:
    path = source.with_name(source.name + marker)
    if on:
        path.write_text("")
    else:
        path.unlink()


def test_the_service_survives_an_internal_error_and_an_engine_crash(
    service: Callable[..., Service], tmp_path: Path
) -> None:
    source = tmp_path / "home.json"
    running = service()
    first = running.next_check()
    assert first["complete"] is True and first["error"] is None and len(first["changes"]["new"]) == 23

    _mark(source, ".fail", True)
    failed = running.until(lambda c: c["error"] is not None)
    assert failed["complete"] is False and failed["changes"] is None
    ((failure),) = failed["failures"]
    assert failure["key"] == str(source)
    assert failure["reason"].startswith("internal error (ValueError) while checking ")

    _mark(source, ".fail", False)
    running.until(lambda c: c["complete"])

    home = json.loads(source.read_text())
    broken = json.loads(source.read_text())
    break_evaluation(broken)
    source.write_text(json.dumps(broken))
    crashed = running.until(lambda c: not c["complete"])
    assert [f["key"] for f in crashed["failures"]] == [home["location_id"]], crashed

    source.write_text(json.dumps(home))
    recovered = running.until(lambda c: c["complete"])
    assert recovered["error"] is None and len(recovered["changes"]["ongoing"]) == 23

    code, stderr = running.stop()
    assert code == 0, stderr
    assert stderr.splitlines()[-1] == "mipr watch: stopped"
    assert "Traceback" not in stderr
    assert f"mipr: error: internal error (ValueError) while checking {source}" in stderr
    for value in ("Jane Example", "1950-01-01", "9434765919"):
        assert value not in stderr and not any(value in line for line in running.all)


def test_sigterm_never_cuts_a_line(service: Callable[..., Service]) -> None:
    running = service()
    running.next_check()
    running.next_check()
    code, stderr = running.stop()
    assert code == 0, stderr
    assert running.all, "the checks were printed"
    for line in running.all:
        assert line.endswith("\n")
        assert json.loads(line)["kind"] == "watch_cycle"
