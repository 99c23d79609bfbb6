"""Condition probes are split to stay inside the engine's limits; ``-k`` expressions select like pytest's."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import pytest

from mipr_rules.engine.compile import MAX_MATCHES_PER_FACT, CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.engine.probes import compile_probes, run_probes
from mipr_rules.ruletest.keyword import KeywordError, compile_keyword


def test_many_conditions_on_one_fact_type_are_split_into_several_probe_rulesets(
    compiled_rules: Callable[..., CompiledRuleset], evaluator: Evaluator
) -> None:
    rules = [{"id": f"r{n}", "fact": "care_plan",
              "when": [{"active": True}, {"days_since_review": {"gt": n}}, {"any": [{"reviewed": False},
                                                                                      {"person": f"P{n}"}]}]}
             for n in range(30)]
    compiled = compiled_rules(rules)
    probes = compile_probes(compiled)
    assert len(probes.probes) == 30 * 5
    assert len(probes.chunks) > 1
    for _, definition in probes.chunks:
        assert len(json.loads(definition)) <= MAX_MATCHES_PER_FACT
    facts = [{"type": "care_plan", "subject": f"cp:{d}", "active": True, "reviewed": True, "person": "P3",
              "days_since_review": d} for d in (0, 10, 40)]
    results = run_probes(evaluator.pool, probes, "many", facts)
    held = Counter(p.path for p in probes.probes for f in results.facts if results.holds(p, f))
    assert held["when[0]"] == 30 * 3  # active: true holds for every fact in every rule
    r10 = {p.path: p for p in probes.for_rule("r10")}
    by_subject = {f["subject"]: f for f in results.facts}
    assert not results.holds(r10["when[1]"], by_subject["cp:10"])  # 10 > 10 is false
    assert results.holds(r10["when[1]"], by_subject["cp:40"])
    r3 = {p.path: p for p in probes.for_rule("r3")}
    assert results.holds(r3["when[2]"], by_subject["cp:0"]) and results.holds(r3["when[2].any[1]"], by_subject["cp:0"])
    assert not results.holds(r3["when[2].any[0]"], by_subject["cp:0"])


@pytest.mark.parametrize(
    ("expression", "text", "selected"),
    [
        ("care", "home.tests.yaml cqc-readiness care plan overdue", True),
        ("CARE and not audit", "home.tests.yaml cqc-readiness care plan overdue", True),
        ("care and not overdue", "home.tests.yaml cqc-readiness care plan overdue", False),
        ("audit or plan", "home.tests.yaml cqc-readiness care plan overdue", True),
        ("not (plan or audit)", "home.tests.yaml cqc-readiness care plan overdue", False),
        ("saf-rating and (band or limiter)", "saf.tests.yaml saf-rating-2024 the band at 39", True),
    ],
)
def test_keyword_expressions(expression: str, text: str, selected: bool) -> None:
    assert compile_keyword(expression)(text) is selected


@pytest.mark.parametrize("expression", ["", "care and", "(care", "care)", "and care", "not"])
def test_malformed_keyword_expressions(expression: str) -> None:
    with pytest.raises(KeywordError):
        compile_keyword(expression)
