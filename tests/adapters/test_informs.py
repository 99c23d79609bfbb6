"""What a source cannot inform: rules on unmapped model fields are left out and named, never run on defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from mipr_rules.adapters.informs import ALL, MODEL_FIELDS, reads_path, restrict
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.facts.base import FactContext
from mipr_rules.model import Location
from mipr_rules.model.paths import field_at
from mipr_rules.readiness import run_readiness
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.testing.contract import without_fields


def _facts(evaluator: Evaluator, location: Location, context: FactContext) -> dict[tuple[str, str], dict[str, Any]]:
    return {(fact["type"], fact["subject"]): fact for fact in evaluator.facts(location, context)}


def _moved(
    before: dict[tuple[str, str], dict[str, Any]], after: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, set[str]]:
    """Fact type → fields whose values differ (``*``: facts of that type appeared or went)."""
    moved: dict[str, set[str]] = {}
    for key in before.keys() | after.keys():
        if (key in before) != (key in after):
            moved.setdefault(key[0], set()).add("*")
            continue
        for name in before[key].keys() | after[key].keys():
            if before[key].get(name) != after[key].get(name):
                moved.setdefault(key[0], set()).add(name)
    return moved


def _candour_told(sample: Location) -> Location:
    """The sample with every incident a notifiable safety incident whose person was told the same day: the
    sample itself records no candour, so dropping ``incidents.candour_notified`` would move nothing."""
    incidents = tuple(
        attrs.evolve(i, notifiable_safety_incident=True, candour_notified=i.occurred.date()) for i in sample.incidents
    )
    return attrs.evolve(sample, incidents=incidents)


@pytest.mark.parametrize("path", sorted(MODEL_FIELDS))
def test_model_fields_table_lists_every_fact_field_a_model_field_moves(
    path: str, evaluator: Evaluator, sample: Location, cqc_ruleset: Ruleset, as_of: dt.date
) -> None:
    assert field_at(path) is not None, f"{path} is not a field of the model"
    compiled = evaluator.compile(cqc_ruleset, None, Location)
    context = FactContext(as_of=as_of, parameters=compiled.parameters)
    home = _candour_told(sample) if path == "incidents.candour_notified" else sample
    moved = _moved(_facts(evaluator, home, context), _facts(evaluator, without_fields(home, (path,)), context))
    assert moved, f"dropping {path} moves no fact of the sample: the check proves nothing for it"
    declared = MODEL_FIELDS[path]
    for fact_type, fields in moved.items():
        assert fact_type in declared, f"{path} moves {fact_type} facts ({sorted(fields)}) the table does not list"
        if declared[fact_type] != ALL:
            assert "*" not in fields, f"{path} makes {fact_type} facts appear or go: declare it ALL"
            assert fields <= set(declared[fact_type]), f"{path}: {fact_type} fields {sorted(fields)} not all listed"


def test_rules_on_an_unmapped_field_are_left_out_and_named(cqc_ruleset: Ruleset) -> None:
    kept, left = restrict(cqc_ruleset, None, "vendor", ("people.peep_reviewed",))
    left_ids = {rule for group in left for rule in group.rules}
    assert "peep_missing" in left_ids and "care_plan_review_overdue" not in left_ids
    assert {rule.id for rule in kept.rules} == {rule.id for rule in cqc_ruleset.rules} - left_ids
    assert [group.why for group in left] == ["the vendor adapter does not read people.peep_reviewed"]


def test_a_path_the_table_does_not_know_leaves_out_every_rule_on_its_records(cqc_ruleset: Ruleset) -> None:
    _, left = restrict(cqc_ruleset, None, "vendor", ("staff.shoe_size",))
    groups = {group.group for group in left}
    assert {"staff", "training"} <= groups
    assert "incident" not in groups


def test_a_location_field_the_table_does_not_know_leaves_out_the_rules_on_the_location(cqc_ruleset: Ruleset) -> None:
    _, left = restrict(cqc_ruleset, None, "vendor", ("care_home", "past_ratings.overall"))
    assert [group.group for group in left] == ["location"]
    assert left[0].why == "the vendor adapter does not read care_home, past_ratings.overall"


def test_a_declared_field_a_rule_does_not_look_at_leaves_it_in(cqc_ruleset: Ruleset) -> None:
    (rule,) = [rule for rule in cqc_ruleset.rules if rule.id == "care_plan_review_overdue"]
    assert not reads_path(rule, "people.care_plans.person_involved")


def test_readiness_on_a_source_without_peeps_neither_floods_nor_hides(
    evaluator: Evaluator, sample: Location, as_of: dt.date, cqc_ruleset: Ruleset
) -> None:
    unread = without_fields(sample, ("people.peep_reviewed",))
    naive = run_readiness([unread], as_of=as_of, ruleset=cqc_ruleset, evaluator=evaluator)
    assert sum(alert.rule_id == "peep_missing" for alert in naive.alerts()) == len(sample.people)  # the flood
    told = run_readiness(
        [unread], as_of=as_of, ruleset=cqc_ruleset, evaluator=evaluator, unmapped=("people.peep_reviewed",)
    )
    full = run_readiness([sample], as_of=as_of, ruleset=cqc_ruleset, evaluator=evaluator)
    left = {rule for group in told.not_evaluated for rule in group.rules}
    assert {a.rule_id for a in told.alerts()} == {a.rule_id for a in full.alerts()} - left
    assert told.as_dict()["not_evaluated"][0]["why"].endswith("does not read people.peep_reviewed")
