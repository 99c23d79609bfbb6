"""Start-up cost of the ``mipr`` command: CPU seconds of small runs, beside ``python -c pass``.

    python bench/startup.py              # median of 5 runs of each command
    python bench/startup.py --repeat 9

Each command runs in a fresh interpreter; its CPU time (user + system, of the process and of every
process it waited for, such as engine workers) is read with ``resource.getrusage(RUSAGE_CHILDREN)``
around the run, so it does not depend on how busy the machine is the way wall time does. The runs of
the commands are interleaved (version, readiness, rules test, baseline, then again), so that a burst of
load on the machine spreads over all of them. Bytecode is compiled once, in a warm-up run, to a
temporary folder (``PYTHONPYCACHEPREFIX``), as an installed wheel has it. The commands:

version     ``mipr --version``
readiness   ``mipr readiness`` on the sample home (``mipr_rules/samples/sunrise-house/location.json``), JSON output
rules-test  ``mipr rules test`` of one ruleset's cases (``cqc-readiness``)
baseline    ``python -c pass`` with the same interpreter

Targets (issue 15): version <= 0.15 s, readiness <= 0.5 s, rules-test <= 0.8 s. The last line is

    startup: version A s, readiness B s, rules-test C s, baseline D s

(medians, CPU seconds), for scripts to read. Exit 1 if a command fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "mipr_rules" / "samples" / "sunrise-house"
TARGETS = {"version": 0.15, "readiness": 0.5, "rules-test": 0.8}


def _mipr() -> list[str]:
    """The installed ``mipr`` script beside this interpreter (else the module, which costs the same)."""
    script = Path(sys.executable).with_name("mipr")
    if script.exists():
        return [str(script)]
    found = shutil.which("mipr")
    return [found] if found else [sys.executable, "-c", "from mipr_rules_cli.cli import main; main()"]


def commands() -> dict[str, list[str]]:
    """The measured commands, by name."""
    mipr = _mipr()
    return {
        "version": [*mipr, "--version"],
        "readiness": [
            *mipr, "readiness", "--source", str(SAMPLE / "location.json"), "--as-of", "2026-11-02", "--format", "json"
        ],
        "rules-test": [*mipr, "rules", "test", "--ruleset", "cqc-readiness"],
        "baseline": [sys.executable, "-c", "pass"],
    }


def cpu_of(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, int]:
    """CPU seconds (user + system) the command and the processes it waited for took, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # 1: readiness found alerts at --fail-on, which the sample home has
        sys.stderr.write(done.stderr.decode("utf-8", "replace")[-2000:])
    return cpu, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (the median is reported)")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("MIPR_RULES_PSEUDONYM_KEY", "bench-startup-key-0123456789abcdef0123456789")
    env.pop("MIPR_RULES_DEBUG", None)
    runs: dict[str, list[float]] = {name: [] for name in commands()}
    failed = False
    with tempfile.TemporaryDirectory() as cwd:
        # An installed wheel has its bytecode compiled; an editable install run with
        # PYTHONDONTWRITEBYTECODE would compile every module on every run. The warm-up writes the
        # bytecode to a private folder (never into the source tree), and the measured runs read it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(cwd) / "pycache")
        for command in commands().values():  # one warm-up run each: the file cache, .pyc files
            cpu_of(command, env, cwd)
        for _ in range(args.repeat):
            for name, command in commands().items():
                cpu, code = cpu_of(command, env, cwd)
                if code not in (0, 1):
                    print(f"{name}: exit {code}", file=sys.stderr)
                    failed = True
                runs[name].append(cpu)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    print(f"{'command':<12}{'median s':>10}{'min s':>8}{'max s':>8}{'target s':>10}  over baseline")
    for name, times in runs.items():
        target = TARGETS.get(name)
        print(
            f"{name:<12}{medians[name]:>10.3f}{min(times):>8.3f}{max(times):>8.3f}"
            f"{(f'{target:.2f}' if target else '-'):>10}  {medians[name] - medians['baseline']:+.3f}"
        )
    print(
        f"startup: version {medians['version']:.3f} s, readiness {medians['readiness']:.3f} s, "
        f"rules-test {medians['rules-test']:.3f} s, baseline {medians['baseline']:.3f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
