"""Incremental evaluation equals a full evaluation of the same data on the same date, after every step of
random sequences of record changes, deletions and date moves (the real engine, hypothesis).

Changes touch one record at a time, as a change feed does (the other records stay the same objects), so
the per-record path is what runs: only the parts that read the changed record are measured again
(``mipr_rules.facts.parts``). Changes reach across parts too: a falls risk assessment reviewed changes the
facts of the falls it follows, an incident the location fact's count of medication errors, an audit the
evidence facts. After every step the facts held equal the location's facts measured in full."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.readiness import run_readiness
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.incremental import IncrementalEvaluator, LocationState

DAYS = st.integers(min_value=-400, max_value=30)


def _homes(sample: Location) -> dict[str, Location]:
    """Three homes: the sample and two copies under other ids (changes make them differ)."""
    return {
        loc.location_id: loc
        for loc in (
            sample,
            attrs.evolve(sample, location_id="1-000000002"),
            attrs.evolve(sample, location_id="1-000000003"),
        )
    }


def _shift(day: dt.date | None, days: int, as_of: dt.date) -> dt.date | None:
    return None if day is None else min(day + dt.timedelta(days=days), as_of)


def _mutate(location: Location, kind: str, index: int, days: int, as_of: dt.date) -> Location:
    """One record change: a care plan reviewed, a person or a course gone, training renewed, a DBS renewed…"""
    people, staff = list(location.people), list(location.staff)
    if kind == "care_plan" and people:
        person = people[index % len(people)]
        if person.care_plans:
            plans = list(person.care_plans)
            plan = plans[index % len(plans)]
            plans[index % len(plans)] = attrs.evolve(
                plan, last_reviewed=_shift(as_of, days, as_of), created=min(plan.created, _shift(as_of, days, as_of))
            )
            people[index % len(people)] = attrs.evolve(person, care_plans=tuple(plans))
    elif kind == "person_gone" and people:
        del people[index % len(people)]
    elif kind == "person_twice" and people:  # a source with two records under one key: facts alike, alerts twice
        people.append(people[index % len(people)])
    elif kind == "training" and staff:
        member = staff[index % len(staff)]
        if member.training:
            courses = list(member.training)
            course = courses[index % len(courses)]
            done = _shift(as_of, days, as_of)
            assert done is not None
            expires = None if course.expires is None else done + (course.expires - course.completed)
            courses[index % len(courses)] = attrs.evolve(course, completed=done, expires=expires)
            staff[index % len(staff)] = attrs.evolve(member, training=tuple(courses))
    elif kind == "training_gone" and staff:
        member = staff[index % len(staff)]
        staff[index % len(staff)] = attrs.evolve(member, training=member.training[1:])
    elif kind == "staff_gone" and staff:
        del staff[index % len(staff)]
    elif kind == "risk_assessment" and people:
        person = people[index % len(people)]
        if person.risk_assessments:
            risks = list(person.risk_assessments)
            risk = risks[index % len(risks)]
            risks[index % len(risks)] = attrs.evolve(risk, last_reviewed=_shift(as_of, days, as_of))
            people[index % len(people)] = attrs.evolve(person, risk_assessments=tuple(risks))
    elif kind == "discharged" and people:
        person = people[index % len(people)]
        people[index % len(people)] = attrs.evolve(person, discharged=_shift(as_of, days, as_of))
    elif kind == "incident_gone" and location.incidents:
        incidents = list(location.incidents)
        del incidents[index % len(incidents)]
        return attrs.evolve(location, people=tuple(people), staff=tuple(staff), incidents=tuple(incidents))
    elif kind == "audit" and location.audits:
        audits = list(location.audits)
        audit = audits[index % len(audits)]
        audits[index % len(audits)] = attrs.evolve(audit, completed=_shift(as_of, days, as_of))
        return attrs.evolve(location, people=tuple(people), staff=tuple(staff), audits=tuple(audits))
    elif kind == "manager":
        return attrs.evolve(location, registered_manager_id=None if index % 2 else "S01")
    elif kind == "supervision" and staff:
        member = staff[index % len(staff)]
        staff[index % len(staff)] = attrs.evolve(
            member, supervisions=tuple(attrs.evolve(s, held=_shift(s.held, days, as_of)) for s in member.supervisions)
        )
    return attrs.evolve(location, people=tuple(people), staff=tuple(staff))


STEP = st.one_of(
    st.tuples(
        st.just("change"),
        st.integers(0, 2),
        st.sampled_from(
            [
                "care_plan",
                "person_gone",
                "person_twice",
                "training",
                "training_gone",
                "staff_gone",
                "supervision",
                "risk_assessment",
                "discharged",
                "incident_gone",
                "audit",
                "manager",
            ]
        ),
        st.integers(0, 50),
        DAYS,
    ),
    st.tuples(st.just("delete"), st.integers(0, 2), st.just(""), st.just(0), st.just(0)),
    st.tuples(st.just("days"), st.just(0), st.just(""), st.just(0), st.integers(1, 120)),
)


@pytest.fixture(scope="module")
def compiled(evaluator: Evaluator, as_of: dt.date) -> Any:
    return evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=6))
def test_incremental_state_equals_full_evaluation_after_every_step(
    steps: list[tuple[str, int, str, int, int]], evaluator: Evaluator, sample: Location, as_of: dt.date, compiled: Any
) -> None:
    homes = _homes(sample)
    day = as_of
    inc = IncrementalEvaluator(evaluator, compiled)
    inc.update(homes.values(), (), day)
    ids = sorted(homes)
    for action, which, kind, index, days in steps:
        key = ids[which]
        if action == "change" and key in homes:
            homes[key] = _mutate(homes[key], kind, index, days, day)
            inc.update([homes[key]], (), day)
        elif action == "delete" and key in homes:
            del homes[key]
            inc.update((), [key], day)
        elif action == "days":
            day += dt.timedelta(days=days)
            due = inc.due(day)
            inc.update([homes[k] for k in due if k in homes], (), day)
        full = run_readiness(homes.values(), as_of=day, ruleset=compiled.ruleset, evaluator=evaluator)
        assert inc.alert_keys() == full.alert_keys(), (action, kind, day)
        alerts = {loc.location_id: loc.alerts for loc in full.locations}
        for home_id, state in inc.states.items():
            if state.as_of == day:  # measured part by part, the facts are those of the whole home measured now
                assert list(state.cache.facts) == inc.measure(homes[home_id], day), (action, kind, day)
            # The alerts kept sorted as facts came and went are those sorted afresh, and a full run's, as often
            # (their messages too, if evaluated today: a count of days in one moves on with the date).
            afresh = LocationState(state.name, state.as_of, state.cache, state.hits).alerts(day)
            assert state.alerts(day) == afresh, (action, kind, day)
            assert state.counts == Counter(state.facts) and state.hits.keys() == state.counts.keys()
            today = state.as_of == day
            assert sorted(_seen(hit, today) for hit in afresh) == sorted(
                _seen(hit, today) for hit in alerts[home_id]
            ), (action, kind, day)


def _seen(hit: RuleHit, message: bool) -> tuple[str, ...]:
    return (hit.rule_id, hit.subject, hit.message) if message else (hit.rule_id, hit.subject)
