"""The evaluator: facts measured in this process, matched in engine workers, explained as rule hits."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from mipr_rules.convert import structure
from mipr_rules.engine.evaluate import Evaluator, render
from mipr_rules.errors import EngineError
from mipr_rules.model import Location
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.samples.generate import PLANTED_GAPS, generate_home


def _home(as_of: dt.date, key: str, residents: int, staff: int) -> Location:
    data = generate_home(as_of, seed=residents, residents=residents, staff=staff, location_id=key, name=key)
    return structure(data, Location, key)


def _location_fact(facts: tuple[dict[str, object], ...]) -> dict[str, object]:
    (fact,) = [f for f in facts if f["type"] == "location"]
    return fact


def test_results_keep_input_order_and_belong_to_their_subject(
    evaluator: Evaluator, cqc_ruleset: Ruleset, as_of: dt.date
) -> None:
    sizes = {
        "big-1": (120, 60),
        "tiny-1": (2, 2),
        "mid-1": (60, 30),
        "tiny-2": (3, 2),
        "big-2": (90, 45),
        "tiny-3": (4, 3),
        "mid-2": (30, 12),
    }
    homes = [(key, _home(as_of, key, *size)) for key, size in sizes.items()]
    compiled = evaluator.compile(cqc_ruleset, subject_type=Location)
    results = list(evaluator.run(compiled, homes, as_of))
    assert [r.key for r in results] == list(sizes)
    for result in results:
        assert result.error is None
        fact = _location_fact(result.facts)
        assert (fact["people"], fact["staff"]) == sizes[result.key]
        assert {hit.partition for hit in result.hits} <= {result.key}
        assert {(hit.rule_id, hit.subject) for hit in result.hits} >= set(PLANTED_GAPS) - {
            ("appraisal_overdue", "staff:S15"),
            ("dbs_recheck_due", "staff:S18"),
            ("supervision_overdue", "staff:S11"),
            ("training_expiring_soon", "staff:S09/training:fire_safety"),
            ("risk_assessment_review_overdue", "person:R12/risk_assessment:RA-R12-falls"),
            ("care_plan_review_overdue", "person:R07/care_plan:CP-R07"),
            ("training_expired", "staff:S04/training:moving_and_handling"),
            ("mar_exception_open", "person:R05/mar:MAR-R05-1"),
            ("prn_protocol_missing", "person:R09/medicine:MED-R09-2"),
            ("covert_medication_without_best_interests", "person:R14/medicine:MED-R14-1"),
            ("dols_expired", "person:R16/dols:DOLS-R16"),
            ("weight_loss_not_acted_on", "person:R19"),
            ("references_missing", "staff:S22"),
            ("learning_disability_autism_training_missing", "staff:S25"),
        }  # the people and staff behind those gaps do not exist in the smallest homes


def test_the_same_subject_twice_in_one_run_is_refused(
    evaluator: Evaluator, cqc_ruleset: Ruleset, sample: Location, as_of: dt.date
) -> None:
    compiled = evaluator.compile(cqc_ruleset, subject_type=Location)
    with pytest.raises(EngineError, match="home-1: evaluated twice in one run"):
        list(evaluator.run(compiled, [("home-1", sample), ("home-1", sample)], as_of))


def test_hits_explain_themselves(
    evaluator: Evaluator, cqc_ruleset: Ruleset, sample: Location, as_of: dt.date
) -> None:
    compiled = evaluator.compile(cqc_ruleset, {"care_plan_review_days": 40}, subject_type=Location)
    (result,) = evaluator.run(compiled, [("sunrise", sample)], as_of)
    (hit,) = [h for h in result.hits if h.rule_id == "care_plan_review_overdue"]
    assert (hit.ruleset_id, hit.ruleset_version) == ("cqc-readiness", "1.1.0")
    assert hit.subject == "person:R07/care_plan:CP-R07"
    assert hit.facts["days_since_review"] == 45 and "id" not in hit.facts and "sid" not in hit.facts
    assert hit.parameters == {"care_plan_review_days": 40}
    assert hit.message == (
        "Care plan person:R07/care_plan:CP-R07 last reviewed 45 days ago (policy: every 40 days)"
    )
    assert hit.source.id == "care-plan-review" and hit.source.title
    assert hit.as_of == as_of and hit.partition == "sunrise"


# --- action exceptions are surfaced, never swallowed ------------------------------------------------------


def test_a_malformed_message_template_raises_an_engine_error(
    cqc_ruleset: Ruleset, sample: Location, as_of: dt.date
) -> None:
    rule = attrs.evolve(
        cqc_ruleset.rule("care_plan_review_overdue"), message="reviewed {days_since_review days"
    )
    broken = attrs.evolve(cqc_ruleset, rules=tuple(rule if r.id == rule.id else r for r in cqc_ruleset.rules))
    with Evaluator(processes=1) as own, pytest.raises(EngineError) as info:
        list(own.run(own.compile(broken, subject_type=Location), [("sunrise", sample)], as_of))
    assert "message template 'reviewed {days_since_review days' is malformed" in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_template_names_read_none_and_literals_survive() -> None:
    assert render("{known} and {unknown}", {"known": 3}) == "3 and (none)"
    assert render("{{literal}} {known}", {"known": "x"}) == "{literal} x"
    with pytest.raises(EngineError, match="malformed"):
        render("{0}", {})


@pytest.mark.parametrize("how", ["consumer stops early", "template error"])
def test_an_evaluator_still_works_after_a_run_is_abandoned(
    how: str, cqc_ruleset: Ruleset, sample: Location, as_of: dt.date
) -> None:
    """A run left unfinished (the caller breaks out, or an alert cannot be rendered) must not leave its
    in-flight results to be handed to the next run on the same evaluator."""
    rule = attrs.evolve(cqc_ruleset.rule("care_plan_review_overdue"), message="{broken")
    broken = attrs.evolve(cqc_ruleset, rules=tuple(rule if r.id == rule.id else r for r in cqc_ruleset.rules))
    homes = [(f"home-{n}", sample) for n in range(6)]
    with Evaluator(processes=1) as own:
        good = own.compile(cqc_ruleset, subject_type=Location)
        if how == "consumer stops early":
            for _ in own.run(good, homes, as_of):
                break
        else:
            with pytest.raises(EngineError):
                list(own.run(own.compile(broken, subject_type=Location), homes, as_of))
        (again,) = own.run(good, [("another-home", sample)], as_of)
    assert again.key == "another-home"
    assert again.error is None
    assert {(h.rule_id, h.subject) for h in again.hits} == set(PLANTED_GAPS)
