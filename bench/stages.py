"""Where the engine path spends its time: CPU microseconds per home for every stage, in one process.

    python bench/stages.py               # 10,000 homes, 3 repetitions
    python bench/stages.py --homes 2000 --repeat 5

The stages are the ones ``Evaluator.run`` goes through for one home, run here one after another on the
same homes without worker processes (so the figures are CPU time, undisturbed by scheduling):

parent   facts (the calculator), fact ids, the job's wire (``WireFormat.encode``: value and id checks, only
         the facts and fields rules test, the JSON the C core parses), the frame sent to the worker, hits;
worker   reading the frame, the C core on the wire's JSON and draining its actions (``Core.evaluate_wire``);
floor    the hand-written rules on the same facts, alone and with explained hits.

Each stage's figure is its best repetition. The engine-only ratio is computed per repetition (the engine
stages of repetition r over the floor of repetition r) and the median is printed; the last line is
``stages: engine-only N.Nx floor``. Exit 1 if the engine's matches differ from the floor's on any home.
Use it to check an optimisation of the core: run it before and after, and compare stage by stage.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 8.0
"""Engine-only time over the floor's (issue 15)."""


def cpu(run: Callable[[], Any]) -> float:
    """CPU seconds of one run of ``run``."""
    start = time.process_time()
    run()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    import readiness

    from mipr_rules.engine import frames
    from mipr_rules.engine.durable_core import Core
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.engine.ids import fact_ids
    from mipr_rules.engine.wire import WireFormat

    case = readiness.Case(args.homes, 1, 1000)
    case.evaluator.close()  # the workers are not used here
    compiled, calc, ctx, floor, as_of = case.compiled, case.calculator, case.context, case.floor, readiness.AS_OF
    homes = list(case.homes())
    n = len(homes)
    runs: dict[str, list[float]] = {}
    """Stage -> CPU seconds of each repetition (repetition r of every stage is in position r)."""

    def measure(name: str, run: Callable[[], Any]) -> Any:
        """Time ``run`` once into this repetition's figures; returns its result."""
        out: list[Any] = []
        runs.setdefault(name, []).append(cpu(lambda: out.append(run())))
        return out[0]

    core = Core()
    core.load(compiled.name, compiled.definition_json)
    wire_format = WireFormat(compiled.definition_json)
    counter = iter(range(10**9))
    from mipr_rules.engine import evaluate as evaluate_module

    # What Evaluator.run prepares once per run, if this version of the core has it.
    once = [evaluate_module._Explain(compiled)] if hasattr(evaluate_module, "_Explain") else []
    for _ in range(args.repeat):
        facts = measure("parent: facts", lambda: [list(calc.calculate(h, ctx)) for h in homes])
        plain = [[dict(f) for f in home] for home in facts]

        def ids(facts: list[list[dict[str, Any]]] = facts) -> None:
            for home in facts:
                for fid, fact in zip(fact_ids(len(home)), home, strict=True):
                    fact["id"] = fid

        measure("parent: fact ids", ids)
        wires = measure(
            "parent: wire (checks, fields, JSON)",
            lambda facts=facts: [wire_format.encode(f"j{next(counter)}", home) for home in facts],
        )
        # As the pool sends a job once the worker has the ruleset: without the definition.
        messages = [("eval", i, compiled.name, None, w.sid, w.batches) for i, w in enumerate(wires)]
        blobs = measure("parent: send job (frame)", lambda messages=messages: [frames.encode(m) for m in messages])
        measure("worker: receive job (frame)", lambda blobs=blobs: [pickle.loads(b[4:]) for b in blobs])
        matches = measure(
            "worker: C core + drain",
            lambda wires=wires: [core.evaluate_wire(compiled.name, w) for w in wires],
        )

        def hits(facts: list[list[dict[str, Any]]] = facts, matches: list[Any] = matches) -> None:
            for i, (home, found) in enumerate(zip(facts, matches, strict=True)):
                Evaluator._hits(compiled, f"1-{i:09d}", home, found, as_of, *once)

        measure("parent: hits (explain)", hits)
        floor_matches = measure("floor: rules", lambda facts=facts: [floor.matches(home) for home in facts])
        measure(
            "floor: rules + hits",
            lambda plain=plain: [floor.hits(home, f"1-{i:09d}", as_of) for i, home in enumerate(plain)],
        )
    differ = sum(
        sorted(dict.fromkeys(found)) != sorted(expected) for found, expected in zip(matches, floor_matches, strict=True)
    )
    stages = {name: min(times) for name, times in runs.items()}
    per_home = {name: 1e6 * seconds / n for name, seconds in stages.items()}
    engine = sum(v for k, v in per_home.items() if k.startswith(("parent", "worker")) and "of which" not in k)
    floor_e2e = per_home["parent: facts"] + per_home["floor: rules + hits"]
    width = max(map(len, per_home))
    records = sum(case.records[i % len(case.records)] for i in range(n)) / n
    print(
        f"CPU microseconds per home ({n:,} homes; {records:.0f} records and {sum(map(len, facts)) / n:.0f} facts "
        f"per home; best of {args.repeat})"
    )
    for name, value in per_home.items():
        print(f"  {name:<{width}}  {value:8.1f}")
    print(f"  {'engine path, all stages':<{width}}  {engine:8.1f}")
    print(f"  {'floor end to end (facts + rules + hits)':<{width}}  {floor_e2e:8.1f}")
    engine_stages = (
        "parent: fact ids",
        "parent: wire (checks, fields, JSON)",
        "parent: send job (frame)",
        "worker: receive job (frame)",
        "worker: C core + drain",
    )
    # Each repetition's engine-only time over the same repetition's floor time; the median of those.
    ratios = sorted(
        sum(runs[name][r] for name in engine_stages) / runs["floor: rules"][r] for r in range(args.repeat)
    )
    ratio = ratios[len(ratios) // 2]
    print(f"  {'engine-only (ids + wire + frames + C core)':<{width}}  {sum(per_home[k] for k in engine_stages):8.1f}")
    print(
        f"ratios (each repetition's engine over the same repetition's floor, median of {args.repeat}): "
        f"engine-only {ratio:.1f}x floor-only (target <= {TARGET_RATIO:g}x); end to end (CPU, one core): "
        f"{engine / floor_e2e:.2f}x; homes whose matches differ from the floor: {differ}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"homes": n, "us_per_home": per_home, "engine_only_ratios": ratios, "differ": differ}, indent=1)
        )
    print(f"stages: engine-only {ratio:.1f}x floor")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
