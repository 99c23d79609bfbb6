"""Where the engine path spends its time: CPU microseconds per home for every stage, in one process.

    python bench/stages.py               # 2,000 homes, best of 3
    python bench/stages.py --homes 5000 --repeat 5

The stages are the ones ``Evaluator.run`` goes through for one home, run here one after another on the
same homes without worker processes (so the figures are CPU time, undisturbed by scheduling):

parent   facts (the calculator), fact ids, pickling the job (what ``Connection.send`` does), hits (explain);
worker   unpickling the job, ``Core.evaluate`` (checks + JSON + C core + drain), and of that the C core alone
         (``assert_facts`` on pre-encoded JSON, then draining the actions);
floor    the hand-written rules on the same facts, alone and with explained hits.

Use it to check an optimisation of the core: run it before and after, and compare stage by stage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def best(repeat: int, run: Callable[[], Any]) -> float:
    """Smallest CPU time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--homes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    import readiness

    from mipr_rules.engine.durable_core import SENTINEL_TYPE, Core
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.engine.ids import fact_ids

    case = readiness.Case(args.homes, 1, 1000)
    case.evaluator.close()  # the workers are not used here
    compiled, calc, ctx, floor, as_of = case.compiled, case.calculator, case.context, case.floor, readiness.AS_OF
    homes = list(case.homes())
    n = len(homes)
    stages: dict[str, float] = {}

    def facts_only() -> list[list[dict[str, Any]]]:
        return [list(calc.calculate(h, ctx)) for h in homes]

    stages["parent: facts"] = best(args.repeat, facts_only)
    facts = facts_only()
    plain = [[dict(f) for f in home] for home in facts]

    def ids() -> None:
        for home in facts:
            for fid, fact in zip(fact_ids(len(home)), home, strict=True):
                fact["id"] = fid

    stages["parent: fact ids"] = best(args.repeat, ids)
    messages = [("eval", compiled.name, compiled.definition_json, f"s{i}", home) for i, home in enumerate(facts)]
    stages["parent: pickle job"] = best(args.repeat, lambda: [pickle.dumps(m, protocol=5) for m in messages])
    blobs = [pickle.dumps(m, protocol=5) for m in messages]
    stages["worker: unpickle job"] = best(args.repeat, lambda: [pickle.loads(b) for b in blobs])

    core = Core()
    core.load(compiled.name, compiled.definition_json)
    counter = iter(range(10**9))

    def evaluate() -> list[list[tuple[str, str]]]:
        return [core.evaluate(compiled.name, f"e{next(counter)}", home) for home in facts]

    stages["worker: Core.evaluate"] = best(args.repeat, evaluate)
    matches = evaluate()

    try:  # the C core alone; reaches into durable_core's internals, so it may not survive a refactoring
        from mipr_rules.engine import durable_core

        engine, handle = durable_core._core, core._handles[compiled.name]
        texts = []
        for i, home in enumerate(facts):
            sid = f"c{i}"
            texts.append(
                (
                    sid,
                    json.dumps([{"sid": sid, "id": "~sentinel", "type": SENTINEL_TYPE}]),
                    json.dumps([dict(f, sid=sid) for f in home], ensure_ascii=False),
                )
            )

        def c_core() -> None:
            for sid, sentinel, text in texts:
                out: list[tuple[str, str]] = []
                for payload in (sentinel, text):
                    with contextlib.suppress(engine.error):  # "not handled" (some fact matched nothing)
                        engine.assert_facts(handle, payload)
                    core._drain(handle, out)
                engine.delete_state(handle, sid)

        stages["worker: of which C core + drain"] = best(args.repeat, c_core)
        stages["worker: of which JSON encoding"] = best(
            args.repeat,
            lambda: [
                json.dumps([dict(f, sid="s1") for f in home], ensure_ascii=False, allow_nan=False) for home in facts
            ],
        )
    except (AttributeError, ImportError, KeyError) as exc:
        print(f"(C core alone not measured: {exc})", file=sys.stderr)

    from mipr_rules.engine import evaluate as evaluate_module

    # What Evaluator.run prepares once per run, if this version of the core has it.
    once = [evaluate_module._Explain(compiled)] if hasattr(evaluate_module, "_Explain") else []

    def hits() -> None:
        for i, (home, found) in enumerate(zip(facts, matches, strict=True)):
            Evaluator._hits(compiled, f"1-{i:09d}", home, found, as_of, *once)

    stages["parent: hits (explain)"] = best(args.repeat, hits)
    stages["floor: rules"] = best(args.repeat, lambda: [floor.matches(home) for home in facts])
    stages["floor: rules + hits"] = best(
        args.repeat, lambda: [floor.hits(home, f"1-{i:09d}", as_of) for i, home in enumerate(plain)]
    )

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
    engine_only = (
        per_home["parent: fact ids"]
        + per_home["parent: pickle job"]
        + per_home["worker: unpickle job"]
        + per_home["worker: Core.evaluate"]
    )
    print(
        f"engine-only / floor-only: {engine_only / per_home['floor: rules']:.1f}x;  "
        f"end to end (CPU, one core): {engine / floor_e2e:.2f}x"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"homes": n, "us_per_home": per_home}, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
