"""Evidence: crash isolation at scale (issue 10). Run on demand, not in the test suite.

300 generated locations are evaluated while engine workers are killed (``SIGKILL``) or segfault
(``SIGSEGV``) at random points, N times per mode:

- api: ``run_readiness`` with two workers; 1-3 faults, either as the pool draws randomly chosen locations
  or at random moments of the run (a thread, preferring a worker that is on the CPU). A try is ok when
  nothing escapes, every location is reported, the failed ones (at most one per fault) carry an
  ``EngineCrash`` naming them and every other location's alerts equal a clean run's.
- cli: ``mipr readiness --format json`` over one JSON file of the 300 locations; one worker (found among
  the process's children) is killed at a random moment of its evaluation, preferring one on the CPU. Ok
  when the run failed nowhere and exits 0 with every alert, or exits 3 naming each failed location
  (stderr or the JSON ``failures``) with every other location's alerts present.
- watch: ``mipr watch --once --format json`` on a fresh store, same fault and expectations; the alerts are
  read back from the store.

Usage: ``python bench/crash_isolation.py [--tries 20] [--modes api,cli,watch] [--seed 1]``. It prints per mode
and fault how many tries were made and how many were ok, and ends with one line
``crash_isolation: api A/N, cli B/N, watch C/N``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 2)
HOMES = 300
WORKER_MODULE = "mipr_rules.engine.worker_main"
FAULTS = (signal.SIGKILL, signal.SIGSEGV)
Alerts = dict[str, list[tuple[str, str]]]


def write_homes(folder: Path) -> Path:
    """300 small generated homes (a third with the sample's planted gaps) as one JSON file."""
    from mipr_rules.samples.generate import generate_home

    homes = [
        generate_home(
            AS_OF, seed=i, residents=3, staff=2, planted_gaps=i % 3 == 0, location_id=f"1-{i:09d}", name=f"Home {i}"
        )
        for i in range(HOMES)
    ]
    path = folder / "locations.json"
    path.write_text(json.dumps(homes), encoding="utf-8")
    return path


def read_locations(path: Path) -> list[Any]:
    from mipr_rules.adapters.base import ReadContext
    from mipr_rules.adapters.file_adapter import FileAdapter
    from mipr_rules.privacy import default_pseudonym_key

    return list(FileAdapter().read(str(path), ReadContext(key=default_pseudonym_key())))


def readiness(locations: Any, evaluator: Any) -> Any:
    from mipr_rules.api import Session

    # The report with its failures (a location a worker crash cost is in it, not an EvaluationIncomplete).
    return Session(evaluator=evaluator).readiness(locations, as_of=AS_OF, allow_incomplete=True)


def alerts_of(report: Any) -> Alerts:
    return {loc.location_id: sorted((a.rule_id, a.subject) for a in loc.alerts) for loc in report.locations}


# --- api ------------------------------------------------------------------------------------------------------


def api_try(
    locations: list[Any], clean: Alerts, rng: random.Random, fault: signal.Signals, window: float
) -> tuple[bool, str]:
    """1-3 faults: on even tries as the pool draws random locations, on odd tries at random moments."""
    from mipr_rules.engine.evaluate import Evaluator

    count = rng.randint(1, 3)
    at = set(rng.sample(range(HOMES - 20), count))
    moments = sorted(rng.uniform(0.0, window) for _ in range(count))
    by_time = rng.random() < 0.5
    kills = 0
    with Evaluator(processes=2, timeout=60) as evaluator:

        def strike() -> None:
            nonlocal kills
            import psutil

            pids = evaluator.pool.pids()
            if by_time:  # prefer a worker on the CPU (inside a job), for up to 1 s
                until = time.monotonic() + 1.0
                while time.monotonic() < until and not done.is_set():
                    running = [p for p in evaluator.pool.pids() if _running(psutil.Process(p))]
                    if running:
                        pids = running
                        break
                    time.sleep(0.0005)
            if pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(rng.choice(pids), fault)
                    kills += 1

        def drawn() -> Iterator[Any]:
            for n, location in enumerate(locations):
                if not by_time and n in at:
                    strike()
                yield location

        def timed() -> None:
            while not evaluator.pool.pids() and not done.is_set():  # the clock starts with the workers
                time.sleep(0.002)
            start = time.monotonic()
            for moment in moments:
                time.sleep(max(0.0, moment - (time.monotonic() - start)))
                if done.is_set():
                    return
                strike()

        done = threading.Event()
        striker = threading.Thread(target=timed, daemon=True)
        if by_time:
            striker.start()
        try:
            report = readiness(drawn(), evaluator)
        except Exception as exc:  # anything escaping is a failed try
            return False, f"{type(exc).__name__}: {exc}"
        finally:
            done.set()
            if by_time:
                striker.join()
    ids = [loc.location_id for loc in report.locations]
    if ids != list(clean):
        return False, "locations missing or out of order"
    failed = {loc.location_id: loc.error for loc in report.locations if loc.error}
    if len(failed) > kills:
        return False, f"{len(failed)} failed for {kills} kill(s)"
    if any(key not in why for key, why in failed.items()):
        return False, "a failure does not name its location"
    got = alerts_of(report)
    if any(got[k] != clean[k] for k in clean if k not in failed):
        return False, "alerts differ from the clean run"
    how = "at random moments" if by_time else "as locations were drawn"
    return True, f"{kills} fault(s) {how}, {len(failed)} location(s) reported failed"


# --- cli and watch ----------------------------------------------------------------------------------------------


def _workers(pid: int) -> list[Any]:
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for child in children:
        try:
            if WORKER_MODULE in child.cmdline():
                out.append(child)
        except psutil.Error:
            continue
    return out


def _running(process: Any) -> bool:
    import psutil

    try:
        return bool(process.status() == psutil.STATUS_RUNNING)
    except psutil.Error:
        return False


def run_with_fault(
    argv: list[str], env: dict[str, str], rng: random.Random, fault: signal.Signals, window: float, cwd: Path
) -> tuple[subprocess.CompletedProcess[str], bool]:
    """Run ``argv``; once its engine workers exist, wait a random part of ``window`` and signal one of them."""
    # Output goes to files: a pipe nobody reads would block a large JSON report (and this loop) for ever.
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out_file,
        tempfile.TemporaryFile(mode="w+", encoding="utf-8") as err_file,
    ):
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out_file, stderr=err_file, text=True)
        landed = False
        delay = rng.uniform(0.0, window)
        seen_at: float | None = None
        while process.poll() is None and not landed:
            workers = _workers(process.pid)
            if workers and seen_at is None:
                seen_at = time.monotonic()
            if seen_at is not None and time.monotonic() - seen_at >= delay and workers:
                # Prefer a worker on the CPU (inside a job) for up to 1 s; workers mostly wait for the caller.
                running = [w for w in workers if _running(w)]
                if running or time.monotonic() - seen_at >= delay + 1.0:
                    try:
                        rng.choice(running or workers).send_signal(fault)
                        landed = True
                    except Exception:
                        pass
            time.sleep(0.001)
        process.wait(timeout=300)
        out_file.seek(0)
        err_file.seek(0)
        return subprocess.CompletedProcess(argv, process.returncode, out_file.read(), err_file.read()), landed


def failed_named(result: subprocess.CompletedProcess[str], failed: set[str], data: Any) -> bool:
    named = set()
    for item in (data or {}).get("failures", []) if isinstance(data, dict) else []:
        if isinstance(item, dict):
            named |= {str(v) for v in item.values()}
        elif isinstance(item, (list, tuple)) and item:
            named.add(str(item[0]))
    return all(key in result.stderr or key in named for key in failed)


def judge(code: int, failed: set[str], got: Alerts, clean: Alerts, named: bool) -> tuple[bool, str]:
    if set(got) | failed != set(clean) and set(got) != set(clean):
        return False, f"exit {code}: locations missing"
    if any(got.get(k) != clean[k] for k in clean if k not in failed):
        return False, f"exit {code}: alerts differ from the clean run"
    if not failed:
        return (code == 0, f"exit {code}, nothing failed")
    if code != 3:
        return False, f"exit {code} with {len(failed)} failed location(s) (expected 3)"
    if not named:
        return False, "exit 3 but the failed locations are not named"
    return True, f"exit 3, {len(failed)} failed location(s) named"


def cli_try(
    mipr: str, source: Path, clean: Alerts, rng: random.Random, fault: signal.Signals, window: float, tmp: Path
) -> tuple[bool, str, bool]:
    argv = [mipr, "readiness", "--source", str(source), "--as-of", AS_OF.isoformat(), "--format", "json"]
    result, landed = run_with_fault(argv, cli_env(), rng, fault, window, tmp)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return False, f"exit {result.returncode}: no JSON on stdout ({result.stderr.strip()[:200]})", landed
    locations = data.get("locations", [])
    failed = {loc["location_id"] for loc in locations if loc.get("error")}
    got = {loc["location_id"]: sorted((a["rule"], a["subject"]) for a in loc.get("alerts", [])) for loc in locations}
    ok, why = judge(result.returncode, failed, got, clean, failed_named(result, failed, data))
    return ok, why, landed


def watch_try(
    mipr: str, source: Path, clean: Alerts, rng: random.Random, fault: signal.Signals, window: float, tmp: Path
) -> tuple[bool, str, bool]:
    from mipr_rules.watch.store import AlertStore

    store = tmp / f"alerts-{rng.randrange(1 << 30)}.db"
    argv = [mipr, "watch", "--source", str(source), "--once", "--store", str(store), "--as-of", AS_OF.isoformat(),
            "--format", "json"]
    result, landed = run_with_fault(argv, cli_env(), rng, fault, window, tmp)
    try:
        data = json.loads(result.stdout.splitlines()[-1])
    except (ValueError, IndexError):
        return False, f"exit {result.returncode}: no JSON line ({result.stderr.strip()[:200]})", landed
    changes = data.get("changes") or {}
    failed = {loc["location_id"] for loc in changes.get("locations", []) if loc.get("error")}
    got: Alerts = {k: [] for k in clean if k not in failed}
    with AlertStore(store, readonly=True, create=False) as opened:
        for alert in opened.open_alerts():
            got.setdefault(alert.identity.location_id, []).append((alert.identity.rule_id, alert.identity.subject))
    got = {k: sorted(v) for k, v in got.items()}
    named = failed_named(result, failed, data) or failed_named(result, failed, changes)
    ok, why = judge(result.returncode, failed, got, clean, named)
    return ok, why, landed


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MIPR_RULES_DEBUG", "FORCE_COLOR")}
    env.update(NO_COLOR="1", MIPR_RULES_WORKERS="2")
    return env


def evaluation_window(mipr: str, source: Path, tmp: Path) -> float:
    """Seconds the CLI's engine workers live in a clean run (the span faults are drawn from)."""
    argv = [mipr, "readiness", "--source", str(source), "--as-of", AS_OF.isoformat(), "--format", "json"]
    process = subprocess.Popen(argv, env=cli_env(), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen_at = None
    while process.poll() is None:
        if seen_at is None and _workers(process.pid):
            seen_at = time.monotonic()
        time.sleep(0.005)
    return max(0.1, 0.9 * (time.monotonic() - (seen_at or time.monotonic())))


# --- main -----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tries", type=int, default=20, help="tries per mode (default 20)")
    parser.add_argument("--modes", default="api,cli,watch", help="comma-separated: api, cli, watch")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    rng = random.Random(args.seed)
    from mipr_rules.engine.evaluate import Evaluator

    mipr = str(Path(sys.executable).parent / "mipr")
    tally: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="mipr-crash-") as scratch:
        tmp = Path(scratch)
        source = write_homes(tmp)
        locations = read_locations(source)
        with Evaluator(processes=2, timeout=60) as evaluator:
            started = time.monotonic()
            clean = alerts_of(readiness(locations, evaluator))
            api_window = 0.9 * (time.monotonic() - started)
        print(f"{HOMES} locations, {sum(map(len, clean.values()))} alerts in a clean run")
        window = evaluation_window(mipr, source, tmp) if {"cli", "watch"} & set(modes) else 0.0
        for mode in modes:
            ok_total = 0
            per_fault: dict[str, list[int]] = {f.name: [0, 0] for f in FAULTS}
            started = time.monotonic()
            for n in range(args.tries):
                fault = FAULTS[n % len(FAULTS)]
                if mode == "api":
                    for _ in range(5):  # a try whose faults all came after the run ended tested nothing: again
                        ok, why = api_try(locations, clean, rng, fault, api_window)
                        if not why.startswith("0 fault"):
                            break
                else:
                    run = cli_try if mode == "cli" else watch_try
                    for _ in range(5):  # a fault that came after the run ended did not test anything: again
                        ok, why, landed = run(mipr, source, clean, rng, fault, window, tmp)
                        if landed:
                            break
                    else:
                        ok, why = False, "the fault never landed during the run"
                per_fault[fault.name][0] += 1
                per_fault[fault.name][1] += ok
                ok_total += ok
                print(f"  {mode} try {n + 1:2d} {fault.name}: {'ok' if ok else 'FAILED'} ({why})", flush=True)
            tally[mode] = (ok_total, args.tries)
            faults = ", ".join(f"{name} {ok}/{tried}" for name, (tried, ok) in per_fault.items())
            print(f"{mode}: tried {args.tries}, ok {ok_total} ({faults}) in {time.monotonic() - started:.0f} s")
    print("crash_isolation: " + ", ".join(f"{m} {tally[m][0]}/{tally[m][1]}" for m in modes))
    return 0 if all(ok == tried for ok, tried in tally.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
