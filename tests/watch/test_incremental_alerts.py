"""The incremental evaluator keeps each location's alerts sorted, merging in the hits of the facts that came
and taking out those of the facts that went (``LocationState.successor``): the alerts equal those sorted afresh
from all the facts, duplicates and ties included (two hits of one rule on one subject keep their facts' order)."""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location, Person
from mipr_rules.readiness import run_readiness
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.incremental import IncrementalEvaluator, LocationState

RULE, SUBJECT = "care_plan_review_overdue", "person:R07/care_plan:CP-R07"


def _reviewed(person: Person, day: dt.date) -> Person:
    plan = attrs.evolve(person.care_plans[0], last_reviewed=day)
    return attrs.evolve(person, care_plans=(plan, *person.care_plans[1:]))


def test_alerts_kept_sorted_equal_alerts_sorted_afresh(evaluator: Evaluator, sample: Location, as_of: dt.date) -> None:
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    inc = IncrementalEvaluator(evaluator, compiled, schedule=False)
    (r07,) = [p for p in sample.people if p.person_id == "R07"]
    older = _reviewed(r07, as_of - dt.timedelta(days=50))
    steps = [
        sample,
        attrs.evolve(sample, people=(*sample.people, r07)),  # R07 twice: its alert twice
        sample,  # one of the two gone: once again
        attrs.evolve(sample, people=(*sample.people, older)),  # two alerts of one rule on one subject
        # The later R07 changes: its hit comes last to the merge, though its fact comes after the first R07's.
        attrs.evolve(sample, people=(*sample.people, _reviewed(r07, as_of - dt.timedelta(days=55)))),
        attrs.evolve(sample, people=(_reviewed(r07, as_of - dt.timedelta(days=55)), *sample.people)),
        sample,
    ]
    counts = []
    for home in steps:
        (got,) = inc.update([home], (), as_of).locations
        state = inc.states[home.location_id]
        afresh = LocationState(state.name, state.as_of, state.cache, state.hits).alerts(as_of)
        assert got.alerts == state.alerts(as_of) == afresh
        (full,) = run_readiness([home], as_of=as_of, ruleset=compiled.ruleset, evaluator=evaluator).locations
        assert sorted((h.rule_id, h.subject, h.message) for h in got.alerts) == sorted(
            (h.rule_id, h.subject, h.message) for h in full.alerts
        )
        counts.append(sum(1 for h in got.alerts if (h.rule_id, h.subject) == (RULE, SUBJECT)))
    assert counts == [1, 2, 1, 2, 2, 2, 1]
