"""Shared helpers of the hostile-input suite: run ``mipr`` on an input and judge the outcome.

Every input must be either accepted (exit 0 or 1) or refused cleanly: exit 2 with exactly one
``mipr: error:`` line on standard error, no traceback, and no value from a record in any message. Exit 3
(an internal error) or a hang is always a failure.

Two ways to run, both through the CLI's own entry point ``mipr_rules_cli.cli.main``:

- ``run_cli`` runs it in this process (click's ``CliRunner`` isolation), for the generated corpus. The
  installed rulesets and one engine evaluator are loaded once per session and lent to every run: they
  do not depend on the input, and loading them per run would cost seconds each;
- ``run_limited`` runs the real ``mipr`` console script in a child process under ``resource`` limits
  (``LIMIT_CPU_SECONDS`` of CPU and ``LIMIT_MEMORY_BYTES`` of address space), for a sample.

Counts of verdicts per format (tried / accepted / clean / internal / hang / wrong), e.g. to compare the
code before and after a fix: ``MIPR_HOSTILE_TALLY=counts.json MIPR_HOSTILE_COUNT_ONLY=1 pytest tests/hostile``
(``MIPR_HOSTILE_EXAMPLES`` sets the corpus size per format).

Test files of this folder use the session fixture ``hostile`` (a ``Hostile``: both ways to run, the
judge, the base inputs and the tally), so that no test file imports another.
"""

from __future__ import annotations

import collections
import copy
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import click.testing
import pytest

from mipr_rules.adapters.csv_export import write_csv_folder
from mipr_rules.convert import structure
from mipr_rules.model import Location
from mipr_rules.testing.contract import sample_path

AS_OF = "2026-11-02"
"""The date every hostile run is evaluated as of (the sample's own date)."""
LIMIT_CPU_SECONDS = 10
"""CPU time each child ``mipr`` may use."""
LIMIT_MEMORY_BYTES = 300 * 1024 * 1024
"""Address space each child ``mipr`` may use."""
HANG_SECONDS = 60
"""Wall-clock time after which a child ``mipr`` counts as hung (far above the CPU limit, so that a loaded
machine does not turn a slow run into a false hang; a blocked read uses no CPU and is caught here)."""

PERSONAL = ("Margaret Thistlewood", "1931-04-17", "943 476 5919", "9434765919")
"""A name, a date of birth and an NHS number (a valid check digit), planted in records to prove that no
message ever quotes a value from a record."""


@attrs.frozen
class Outcome:
    """How one run of ``mipr`` ended."""

    code: int | None
    """Exit code (``None`` when it hung and was killed)."""
    out: str
    err: str
    seconds: float

    @property
    def error_lines(self) -> list[str]:
        """Lines of standard error other than the warnings that log each skipped record."""
        return [line for line in self.err.splitlines() if line.strip() and not line.startswith("skipped record ")]


def verdict(outcome: Outcome, secrets: Sequence[str] = PERSONAL) -> str:
    """``accepted``, ``clean`` (refused in one line), or what went wrong: ``internal``, ``hang``, ``wrong``."""
    if outcome.code is None:
        return "hang"
    if outcome.code == 3 or "Traceback" in outcome.err or "internal error" in outcome.err:
        return "internal"
    if any(secret in outcome.err for secret in secrets):
        return "wrong"
    if outcome.code in (0, 1):
        return "accepted"
    if outcome.code == 2:
        lines = outcome.error_lines
        ok = len(lines) == 1 and lines[0].startswith("mipr: error: ") and not outcome.out.strip()
        return "clean" if ok else "wrong"
    return "internal"


class Tally:
    """Counts of verdicts per input format; written to ``$MIPR_HOSTILE_TALLY`` (JSON) when that is set."""

    def __init__(self) -> None:
        self.counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

    def add(self, kind: str, result: str) -> None:
        self.counts[kind]["tried"] += 1
        self.counts[kind][result] += 1

    def write(self) -> None:
        target = os.environ.get("MIPR_HOSTILE_TALLY")
        if target:
            Path(target).write_text(json.dumps({k: dict(v) for k, v in self.counts.items()}, indent=2, sort_keys=True))


@pytest.fixture(scope="session")
def tally() -> Iterator[Tally]:
    """Verdict counts of the session (for the closing report of the hostile corpus)."""
    counts = Tally()
    yield counts
    counts.write()


COUNT_ONLY = bool(os.environ.get("MIPR_HOSTILE_COUNT_ONLY"))
"""Count verdicts without failing (to measure a version of the code before a fix); never set in CI."""


def judge(
    outcome: Outcome,
    tally: Tally | None = None,
    kind: str = "",
    secrets: Sequence[str] = PERSONAL,
    right: bool = True,
) -> str:
    """Assert ``outcome`` is accepted or a clean refusal (and ``right``, when the answer is known)."""
    result = verdict(outcome, secrets)
    if result in ("accepted", "clean") and not right:
        result = "wrong"
    if tally is not None:
        tally.add(kind, result)
    if not COUNT_ONLY:
        assert result in ("accepted", "clean"), f"{result}: exit {outcome.code}\nstderr: {outcome.err[-2000:]}"
    return result


# --- in-process runs ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def run_cli() -> Iterator[Callable[..., Outcome]]:
    """``mipr ARGS`` through ``main`` in this process, with the rulesets and the engine loaded once."""
    from mipr_rules_cli.cli import main

    from mipr_rules.api import Session
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.ruleset.catalogue import Catalogue

    with Evaluator(processes=1, timeout=60) as evaluator:
        catalogue = Catalogue.installed(evaluator.pm)
        try:
            runner = click.testing.CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]  # click 8.1
        except TypeError:
            runner = click.testing.CliRunner()  # click 8.2+: standard error is always apart

        def run(*args: str) -> Outcome:
            started = time.monotonic()
            code: int | None = 0
            # patched for this run only: other tests' sessions keep their own evaluator and catalogue
            with pytest.MonkeyPatch.context() as patch, runner.isolation() as streams:
                patch.setenv("MIPR_RULES_WORKERS", "1")
                patch.setenv("NO_COLOR", "1")
                patch.setenv("COLUMNS", "200")
                patch.delenv("MIPR_RULES_DEBUG", raising=False)
                # every command's Session lends this evaluator (and so never closes it)
                patch.setattr(Session, "evaluator", property(lambda self: evaluator))
                patch.setattr(Catalogue, "installed", classmethod(lambda cls, pm=None: catalogue))
                try:
                    main(list(args))
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
                out = streams[0].getvalue().decode("utf-8", "replace")
                err = streams[1].getvalue().decode("utf-8", "replace")
            return Outcome(code, out, err, time.monotonic() - started)

        yield run


# --- child processes under limits -----------------------------------------------------------------------


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_CPU_SECONDS, LIMIT_CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_MEMORY_BYTES, LIMIT_MEMORY_BYTES))


@pytest.fixture(scope="session")
def run_limited() -> Callable[..., Outcome]:
    """The installed ``mipr ARGS`` in a child process limited to 10 s of CPU and 300 MB."""
    mipr = Path(sys.executable).parent / "mipr"
    base_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG", "COLUMNS")}
    base_env.update(NO_COLOR="1", COLUMNS="200", MIPR_RULES_WORKERS="1")

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Outcome:
        started = time.monotonic()
        with warnings.catch_warnings():
            # Python 3.12 warns about fork() in a process with threads (the engine's); the child only
            # calls setrlimit before exec.
            warnings.simplefilter("ignore", DeprecationWarning)
            child = subprocess.Popen(
                [str(mipr), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**base_env, **(env or {})},
                cwd=cwd,
                preexec_fn=_limits,
                start_new_session=True,
            )
        with child:
            try:
                out, err = child.communicate(timeout=HANG_SECONDS)
                code: int | None = child.returncode
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, 9)
                out, err = child.communicate()
                code = None
        return Outcome(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.monotonic() - started)

    return run


# --- inputs ---------------------------------------------------------------------------------------------


def small_home() -> dict[str, Any]:
    """A small valid location (the sample cut down to a few records of each type), as JSON data."""
    data = json.loads(sample_path().read_text(encoding="utf-8"))
    for key in ("people", "staff", "incidents", "safeguarding", "complaints", "audits", "feedback", "evidence"):
        data[key] = data[key][:3]
    return data  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def base_home() -> dict[str, Any]:
    """``small_home()`` (copy it before changing it)."""
    return small_home()


@pytest.fixture(scope="session")
def base_csv(tmp_path_factory: pytest.TempPathFactory, base_home: dict[str, Any]) -> Path:
    """``small_home()`` as a folder of CSV files in the documented layout."""
    folder = tmp_path_factory.mktemp("base") / "csv"
    write_csv_folder(structure(copy.deepcopy(base_home), Location, "base"), folder)
    return folder


def copy_folder(source: Path, target: Path) -> Path:
    """A fresh copy of a CSV folder (``target`` is replaced)."""
    if target.exists():
        for child in target.iterdir():
            child.unlink()
    else:
        target.mkdir(parents=True)
    for child in source.iterdir():
        (target / child.name).write_bytes(child.read_bytes())
    return target


def readiness_args(source: Path | str, *extra: str) -> list[str]:
    """``readiness --source SOURCE --as-of AS_OF EXTRA...``."""
    return ["readiness", "--source", str(source), "--as-of", AS_OF, *extra]


@attrs.frozen
class Hostile:
    """Everything a hostile test needs (the ``hostile`` fixture)."""

    run: Callable[..., Outcome]
    """``mipr ARGS`` in this process (``run_cli``)."""
    limited: Callable[..., Outcome]
    """``mipr ARGS`` as a child process under limits (``run_limited``)."""
    tally: Tally
    home: dict[str, Any]
    """A small valid location as JSON data (copy before changing)."""
    csv: Path
    """The same location as a CSV folder (copy with ``copy_folder`` before changing)."""

    def judge(self, outcome: Outcome, kind: str, secrets: Sequence[str] = PERSONAL, right: bool = True) -> str:
        """Assert accepted or cleanly refused (and ``right``), counted under ``kind``; returns the verdict."""
        return judge(outcome, self.tally, kind, secrets, right)

    @staticmethod
    def args(source: Path | str, *extra: str) -> list[str]:
        """``readiness --source SOURCE --as-of AS_OF EXTRA...``."""
        return readiness_args(source, *extra)

    @staticmethod
    def copy_csv(source: Path, target: Path) -> Path:
        """A fresh copy of a CSV folder at ``target``."""
        return copy_folder(source, target)


@pytest.fixture(scope="session")
def hostile(
    run_cli: Callable[..., Outcome],
    run_limited: Callable[..., Outcome],
    tally: Tally,
    base_home: dict[str, Any],
    base_csv: Path,
) -> Hostile:
    """The helpers of the hostile suite."""
    return Hostile(run_cli, run_limited, tally, base_home, base_csv)
