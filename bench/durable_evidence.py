"""Evidence about durable-rules 2.0.28 itself: does each hazard the engine wrapper guards against still happen
on the bare engine, on this machine?

Not a test: the hazards are heap corruption, stack overflow and engine quirks whose timing and presence depend
on the machine, so they prove nothing about the project on any one run. The project's suite tests that the
guards work (``tests/engine``); this script shows, on demand, why each guard exists. Every hazard runs in a
fresh interpreter, so a crash kills the child, never this script.

    python bench/durable_evidence.py              # every hazard, a line each
    python bench/durable_evidence.py c1 c2        # some of them
    python bench/durable_evidence.py --strict     # exit 1 if any hazard no longer reproduces

Hazards are those of the engine notes summarised in docs/engine.md.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable

import attrs


@attrs.frozen
class Hazard:
    """One hazard: a snippet for a fresh interpreter, and how to tell that it reproduced."""

    name: str
    what: str
    guard: str
    code: str
    reproduced: Callable[[subprocess.CompletedProcess[str]], bool]
    attempts: int = 1
    timeout: float = 120
    only_if: Callable[[], bool] = lambda: True


def _died(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode < 0


def _printed(word: str) -> Callable[[subprocess.CompletedProcess[str]], bool]:
    return lambda result: result.returncode == 0 and word in result.stdout.split()


RAW_RULE = 'json.dumps({"r0": {"all": [{"m": {"type": "plan"}}]}})'

HAZARDS = (
    Hazard(
        "c1",
        "deleting a session that saw only unmatched facts kills the process",
        "a sentinel rule and one sentinel fact per session (mipr_rules.engine.durable_core)",
        """
        import json
        from importlib import resources
        import durable_rules_engine as core
        from mipr_rules.engine.compile import compile_ruleset
        from mipr_rules.ruleset.loader import load_ruleset

        # the shipped ruleset's definition, sent to the bare engine without the sentinel
        path = resources.files("mipr_rules.rulesets") / "cqc-readiness.yaml"
        handle = core.create_ruleset("c1", compile_ruleset(load_ruleset(str(path))).definition_json)
        for i in range(500):
            sid = "s%d" % i
            core.assert_facts(handle, json.dumps([{"sid": sid, "id": "f0", "type": "no_such_type"}]))
            core.delete_state(handle, sid)
        print("survived")
        """,
        _died,
        attempts=3,  # heap corruption: its timing varies between processes
    ),
    Hazard(
        "c2",
        "a 2 MB session id overflows the C stack",
        "ids longer than 256 bytes are refused (durable_core.MAX_ID_BYTES)",
        f"""
        import json
        import durable_rules_engine as core
        handle = core.create_ruleset("c2", {RAW_RULE})
        core.assert_facts(handle, json.dumps([{{"sid": "s" * 2_000_000, "id": "f0", "type": "plan"}}]))
        print("survived")
        """,
        _died,
    ),
    Hazard(
        "c3",
        "more than 1,024 live sessions in one ruleset fail from then on",
        "each session is deleted after its evaluation; workers are recycled",
        f"""
        import json
        import durable_rules_engine as core
        handle = core.create_ruleset("c3", {RAW_RULE})
        try:
            for i in range(1100):
                core.assert_facts(handle, json.dumps([{{"sid": "s%d" % i, "id": "f0", "type": "plan"}}]))
        except BaseException as exc:
            print("failed-at", i, type(exc).__name__)
        else:
            print("survived")
        """,
        lambda result: _died(result) or "failed-at" in result.stdout,
    ),
    Hazard(
        "error-303",
        "a fact matching more than 64 rules is an engine error (303)",
        "the compiler bounds the rules one fact can match; durable_core reports 303 as EngineError",
        """
        import json
        import durable_rules_engine as core
        rules = {f"r{i}": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": i - 100}}]}}]}
                 for i in range(65)}
        handle = core.create_ruleset("e303", json.dumps(rules))
        try:
            core.assert_facts(handle, json.dumps([{"sid": "s", "id": "f0", "type": "plan", "days": 1}]))
        except BaseException as exc:
            print("refused" if "303" in str(exc) else "other-error")
        else:
            print("accepted")
        """,
        _printed("refused"),
    ),
    Hazard(
        "loose-equality",
        "true matches 1 and '1' matches 1",
        "the compiler checks each condition's type against the fact's field type",
        """
        import json
        import durable_rules_engine as core
        rules = {"eq_true": {"all": [{"m": {"$and": [{"type": "plan"}, {"flag": True}]}}]},
                 "eq_text": {"all": [{"m": {"$and": [{"type": "plan"}, {"count": "1"}]}}]}}
        handle = core.create_ruleset("loose", json.dumps(rules))
        core.assert_facts(handle, json.dumps([{"sid": "s", "id": "f0", "type": "plan", "flag": 1, "count": 1}]))
        fired = set()
        while started := core.start_action(handle):
            _, message, state_handle = started
            while message:
                fired.update(json.loads(message))
                message = core.complete_and_start_action(handle, state_handle)
        print("loose" if fired == {"eq_true", "eq_text"} else "strict")
        """,
        _printed("loose"),
    ),
    Hazard(
        "fnv-collision",
        "ids 'L0872068' and 'L1174626' hash alike (32-bit FNV-1a): the second fact is taken as the first",
        "fact ids generated to be collision-free; colliding ids refused naming both",
        """
        import json
        import durable_rules_engine as core
        handle = core.create_ruleset("fnv", json.dumps({"r0": {"all": [{"m": {"type": "plan"}}]}}))
        facts = [{"sid": "s", "id": "L0872068", "type": "plan"}, {"sid": "s", "id": "L1174626", "type": "plan"}]
        core.assert_facts(handle, json.dumps(facts))
        fired = []
        while started := core.start_action(handle):
            _, message, state_handle = started
            while message:
                fired += [bound["m"]["id"] for bound in json.loads(message).values()]
                message = core.complete_and_start_action(handle, state_handle)
        print("collided" if fired == ["L0872068"] else "distinct", *fired)
        """,
        lambda result: result.returncode == 0 and result.stdout.split()[:1] == ["collided"],
    ),
    Hazard(
        "py312-warning",
        "on Python 3.12 durable/engine.py warns (utcfromtimestamp); under -W error its actions do not run",
        "durable_core filters exactly that warning",
        """
        import warnings
        warnings.simplefilter("error", DeprecationWarning)
        from durable.engine import _unix_now
        try:
            _unix_now()
        except DeprecationWarning:
            print("warned")
        else:
            print("quiet")
        """,
        _printed("warned"),
        only_if=lambda: sys.version_info >= (3, 12),
    ),
)


@attrs.frozen
class Outcome:
    """What one hazard did in its child interpreter(s)."""

    hazard: Hazard
    reproduced: bool | None
    detail: str


def _describe(result: subprocess.CompletedProcess[str] | None) -> str:
    if result is None:
        return "timed out"
    if result.returncode < 0:
        try:
            return f"killed by {signal.Signals(-result.returncode).name}"
        except ValueError:
            return f"killed by signal {-result.returncode}"
    last = (result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or [""])[-1]
    return f"exit {result.returncode}: {last[:100]}"


def run(hazard: Hazard) -> Outcome:
    """Run ``hazard`` in up to ``attempts`` fresh interpreters; reproduced as soon as one shows it."""
    if not hazard.only_if():
        return Outcome(hazard, None, f"not applicable on Python {sys.version_info.major}.{sys.version_info.minor}")
    result: subprocess.CompletedProcess[str] | None = None
    with tempfile.TemporaryDirectory() as scratch:  # outside the source tree: the installed package is used
        for attempt in range(1, hazard.attempts + 1):
            try:
                result = subprocess.run(
                    [sys.executable, "-c", textwrap.dedent(hazard.code)],
                    capture_output=True,
                    text=True,
                    timeout=hazard.timeout,
                    check=False,
                    cwd=scratch,
                )
            except subprocess.TimeoutExpired:
                result = None
                continue
            if hazard.reproduced(result):
                return Outcome(hazard, True, f"{_describe(result)} (attempt {attempt} of {hazard.attempts})")
    return Outcome(hazard, False, _describe(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"hazards to run (default all): {', '.join(h.name for h in HAZARDS)}")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a hazard no longer reproduces")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {h.name for h in HAZARDS}
    if unknown:
        parser.error(f"unknown hazard(s): {', '.join(sorted(unknown))}")
    chosen = [h for h in HAZARDS if not args.names or h.name in args.names]
    outcomes = []
    for hazard in chosen:
        outcome = run(hazard)
        outcomes.append(outcome)
        label = {True: "REPRODUCED", False: "NOT REPRODUCED", None: "SKIPPED"}[outcome.reproduced]
        print(f"{hazard.name:<15} {label:<15} {hazard.what} [{outcome.detail}]")
        print(f"{'':<15} {'guard:':<15} {hazard.guard}", flush=True)
    gone = [o.hazard.name for o in outcomes if o.reproduced is False]
    if gone:
        print(f"\nno longer reproduced here: {', '.join(gone)} (its guard may be unnecessary; check before removing)")
    return 1 if gone and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
