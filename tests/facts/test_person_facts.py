"""The person fact's weight loss: the weights of the window before the as-of date, whatever order they come in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from mipr_rules.facts.base import FactContext
from mipr_rules.facts.location_facts import LocationFacts
from mipr_rules.facts.parts import PartCache
from mipr_rules.model import Location
from mipr_rules.model.care import WeightRecord
from mipr_rules.watch.incremental import fact_key


def _person_fact(sample: Location, as_of: dt.date, weights: list[tuple[int, float]], **params: Any) -> dict[str, Any]:
    person = attrs.evolve(
        sample.people[0], weights=tuple(WeightRecord(as_of - dt.timedelta(days=d), kg) for d, kg in weights)
    )
    location = attrs.evolve(sample, people=(person,))
    facts = LocationFacts().calculate(location, FactContext(as_of=as_of, parameters=params))
    return next(f for f in facts if f["type"] == "person")


@pytest.mark.parametrize(
    ("weights", "loss"),
    [
        ([(10, 60.0), (200, 80.0), (100, 66.0)], 9.1),  # the 200-day-old weight is outside the 180-day window
        ([(180, 80.0), (10, 60.0)], 25.0),  # exactly 180 days ago is inside
        ([(181, 80.0), (10, 60.0)], None),  # one weight in the window: no trend
        ([(-3, 50.0), (10, 70.0), (20, 70.0)], 0.0),  # a weight after the as-of date is not read
        ([(5, 0.0), (9, 0.0)], None),  # no positive weight
    ],
)
def test_weight_loss_is_measured_over_the_window(
    sample: Location, as_of: dt.date, weights: list[tuple[int, float]], loss: float | None
) -> None:
    assert _person_fact(sample, as_of, weights).get("weight_loss_percent") == loss


def test_any_window_is_taken_without_error(sample: Location, as_of: dt.date) -> None:
    weights = [(10, 60.0), (5000, 80.0)]
    assert _person_fact(sample, as_of, weights, weight_loss_window_days=10**9).get("weight_loss_percent") == 25.0
    assert _person_fact(sample, as_of, weights, weight_loss_window_days=-(10**9)).get("weight_loss_percent") is None


# -- what the person fact reads -------------------------------------------------------------------------------


def _person_facts(cache: PartCache) -> list[dict[str, Any]]:
    return [fact for fact in cache.facts if fact["type"] == "person"]


def _person_part(cache: PartCache, index: int) -> Any:
    """The part of the ``index``-th person's person fact, as measured (the same object while not measured again)."""
    people = cache.parts["location", "people", 0]
    return people.parts[index][1].parts[0][1]  # type: ignore[union-attr]


def _with_person(sample: Location, index: int, **changes: Any) -> Location:
    people = list(sample.people)
    people[index] = attrs.evolve(people[index], **changes)
    return attrs.evolve(sample, people=tuple(people))


def test_records_the_person_fact_does_not_read_leave_it_as_measured_and_right(sample: Location, as_of: dt.date) -> None:
    """A care plan reviewed, a risk assessment more, MAR exceptions or capacity assessments changed: the person
    fact is not measured again (only the part of those records is), and it is the one a full measure gives."""
    context = FactContext(as_of=as_of)
    index, person = next((i, p) for i, p in enumerate(sample.people) if p.mar_exceptions and p.medicines)
    assessed = next(p for p in sample.people if p.capacity_assessments).capacity_assessments
    assert any(p.active and p.created <= as_of for p in person.care_plans)
    assert any(r.kind == "pressure_ulcer" for r in person.risk_assessments)
    before = PartCache(fact_key).remeasure([LocationFacts()], sample, context)
    plan, risk = person.care_plans[0], person.risk_assessments[0]
    unread = {
        "care plan reviewed": {"care_plans": (attrs.evolve(plan, last_reviewed=as_of), *person.care_plans[1:])},
        "another risk assessment": {
            "risk_assessments": (*person.risk_assessments, attrs.evolve(risk, kind="nutrition"))
        },
        "MAR exceptions gone": {"mar_exceptions": ()},
        "a capacity assessment more": {"capacity_assessments": (*person.capacity_assessments, *assessed)},
    }
    for why, changes in unread.items():
        changed = _with_person(sample, index, **changes)
        after = before.remeasure([LocationFacts()], changed, context)
        full = [f for f in LocationFacts().calculate(changed, context) if f["type"] == "person"]
        assert _person_facts(after) == full, why
        assert _person_part(after, index) is _person_part(before, index), why  # not measured again
    # What it does read from those collections: measured again.
    read = {
        "no care plan in force": (
            {"care_plans": tuple(attrs.evolve(p, active=False) for p in person.care_plans)},
            "has_care_plan",
        ),
        "no medicine": ({"medicines": ()}, "has_medicines"),
        "no pressure-ulcer risk assessment": (
            {"risk_assessments": tuple(r for r in person.risk_assessments if r.kind != "pressure_ulcer")},
            "pressure_risk_assessed",
        ),
    }
    for why, (changes, field) in read.items():
        changed = _with_person(sample, index, **changes)
        after = before.remeasure([LocationFacts()], changed, context)
        full = [f for f in LocationFacts().calculate(changed, context) if f["type"] == "person"]
        assert _person_facts(after) == full, why
        assert _person_facts(before)[index].get(field) != full[index].get(field), why
        assert _person_part(after, index) is not _person_part(before, index), why
