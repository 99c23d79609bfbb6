"""``Evaluator.run_facts`` sends several subjects to the engine in one job: each subject's hits are those it has
alone, and a pack the engine refuses is sent again one subject a job, so only the bad subject is reported."""

from __future__ import annotations

import datetime as dt

import pytest

from mipr_rules.engine import evaluate
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EngineError
from mipr_rules.facts.base import Fact, FactContext
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.workdays import calendar


def _subjects(
    evaluator: Evaluator, sample: Location, as_of: dt.date, count: int
) -> tuple[CompiledRuleset, list[tuple[str, list[Fact]]]]:
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    context = FactContext(as_of=as_of, parameters=compiled.parameters, calendar=calendar())
    facts = evaluator.facts(sample, context)
    # Subjects of different sizes: slices of the sample's facts, so that packs hold several and cut across them.
    items = [(f"L{n}", [dict(fact) for fact in facts[3 * n % len(facts) :][: 4 + n % 11]]) for n in range(count)]
    return compiled, items


def _hits(evaluations: list[evaluate.Evaluation]) -> dict[str, list[tuple[str, str, str]]]:
    return {
        e.key: sorted((hit.rule_id, hit.subject, hit.message) for hit in e.hits) for e in evaluations if not e.error
    }


def test_subjects_packed_together_get_the_hits_they_get_alone(
    evaluator: Evaluator, sample: Location, as_of: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, items = _subjects(evaluator, sample, as_of, 40)
    monkeypatch.setattr(evaluate, "PACK_FACTS", 25)  # several packs of several subjects each
    assert len(list(evaluate._packs(items))) > 5
    packed = list(evaluator.run_facts(compiled, items, as_of))
    monkeypatch.setattr(evaluate, "PACK_FACTS", 1)  # one subject a job
    alone = list(evaluator.run_facts(compiled, items, as_of))
    assert sorted(e.key for e in packed) == sorted(key for key, _ in items)
    assert _hits(packed) == _hits(alone)
    assert sum(1 for hits in _hits(packed).values() if hits) >= 10  # subjects with hits in many packs
    assert all(hit.partition == e.key for e in packed for hit in e.hits)


def test_a_subject_the_engine_refuses_is_the_only_one_not_evaluated(
    evaluator: Evaluator, sample: Location, as_of: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled, items = _subjects(evaluator, sample, as_of, 12)
    bad: list[Fact] = [{**items[5][1][0], "subject": object()}]  # not a plain value: the job is refused
    items[5] = ("L5", bad)
    monkeypatch.setattr(evaluate, "PACK_FACTS", 40)
    found = {e.key: e for e in evaluator.run_facts(compiled, items, as_of)}
    assert set(found) == {key for key, _ in items}
    assert [key for key, e in found.items() if e.error] == ["L5"]
    assert "L5" in str(found["L5"].error)
    monkeypatch.setattr(evaluate, "PACK_FACTS", 1)
    good = [item for item in items if item[0] != "L5"]
    assert _hits(list(found.values())) == _hits(list(evaluator.run_facts(compiled, good, as_of)))


def test_a_subject_given_twice_is_refused(evaluator: Evaluator, sample: Location, as_of: dt.date) -> None:
    compiled, items = _subjects(evaluator, sample, as_of, 3)
    with pytest.raises(EngineError, match="L1: evaluated twice"):
        list(evaluator.run_facts(compiled, [*items, items[1]], as_of))
