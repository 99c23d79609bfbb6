"""The wire format built in the parent (``wire.py``) gives the engine's matches on the facts as they are.

The parent drops facts of types no rule matches and fields no rule tests; these tests run the real engine
on the same facts both ways (everything sent, as the worker used to, and the wire) and compare matches.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.durable_core import Core
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.engine.ids import fact_ids
from mipr_rules.engine.wire import Wire, WireFormat
from mipr_rules.errors import EngineError
from mipr_rules.facts.base import FactContext
from mipr_rules.model import Location
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.workdays import calendar

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def core() -> Core:
    """An in-process core (the facts here are the calculator's: plain values the engine takes)."""
    return Core()


def _facts(evaluator: Evaluator, compiled: CompiledRuleset, location: Location, as_of: dt.date) -> list[Any]:
    context = FactContext(as_of=as_of, parameters=compiled.parameters, calendar=calendar())
    facts = [dict(f) for f in evaluator.facts(location, context)]
    for fid, fact in zip(fact_ids(len(facts)), facts, strict=True):
        fact["id"] = fid
    return facts


def _everything(core: Core, name: str, sid: str, facts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The matches with every fact and every field sent (what the worker did before the wire format)."""
    return core.evaluate_wire(name, Wire(sid, (json.dumps([dict(f, sid=sid) for f in facts]),)))


def _homes(count: int) -> list[Location]:
    sys.path.insert(0, str(BENCH))
    try:
        import readiness  # bench/readiness.py: small homes with planted gaps and near-misses

        return list(readiness.templates(count))
    finally:
        sys.path.remove(str(BENCH))


def test_the_wire_gives_the_same_matches_as_sending_everything(
    core: Core, evaluator: Evaluator, cqc_ruleset: Ruleset, sample: Location, as_of: dt.date
) -> None:
    compiled = evaluator.compile(cqc_ruleset, None, Location)
    core.load(compiled.name, compiled.definition_json)
    wire = WireFormat(compiled.definition_json)
    fired = set()
    for i, location in enumerate([sample, *_homes(30)]):
        facts = _facts(evaluator, compiled, location, as_of)
        expected = _everything(core, compiled.name, f"all{i}", facts)
        got = core.evaluate_wire(compiled.name, wire.encode(f"w{i}", facts))
        assert sorted(got) == sorted(expected), location.location_id
        fired |= {rule for rule, _ in got}
    assert len(fired) > 20  # the comparison covered most rules, not an empty result twice


def test_only_tested_facts_and_fields_are_sent(evaluator: Evaluator, cqc_ruleset: Ruleset, sample: Location,
                                               as_of: dt.date) -> None:
    compiled = evaluator.compile(cqc_ruleset, None, Location)
    wire = WireFormat(compiled.definition_json)
    facts = _facts(evaluator, compiled, sample, as_of)
    facts.append({"id": "zz", "type": "no_rule_matches_this", "x": 1})
    sent = [fact for batch in wire.encode("s1", facts).batches for fact in json.loads(batch)]
    assert "zz" not in {f["id"] for f in sent}
    for fact in sent:
        assert set(fact) <= wire.fields[fact["type"]] | {"sid"}
        assert fact["sid"] == "s1"


def test_a_ruleset_with_an_untyped_pattern_sends_every_fact() -> None:
    definition = {"r0": {"all": [{"m": {"$gt": {"days": 0}}}]}, "r1": {"all": [{"m": {"type": "plan"}}]}}
    wire = WireFormat(json.dumps(definition))
    ids = fact_ids(2)
    sent = json.loads(wire.encode("s", [{"id": ids[0], "type": "other", "days": 1, "note": "x"},
                                        {"id": ids[1], "type": "plan", "days": 2}]).batches[0])
    assert [f["id"] for f in sent] == ids
    assert "note" not in sent[0]


def test_bad_values_are_refused_in_the_parent_by_name_not_value() -> None:
    wire = WireFormat(json.dumps({"r0": {"all": [{"m": {"$and": [{"type": "plan"}, {"$gt": {"days": 0}}]}}]}}))
    with pytest.raises(EngineError, match="field secret is not a finite number") as info:
        wire.encode("s", [{"id": "f0", "type": "plan", "days": 1, "secret": float("nan")}])
    assert "nan" not in str(info.value).lower().replace("not a finite number", "")
