"""The person fact's weight loss: the weights of the window before the as-of date, whatever order they come in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from mipr_rules.facts.base import FactContext
from mipr_rules.facts.location_facts import LocationFacts
from mipr_rules.model import Location
from mipr_rules.model.care import WeightRecord


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
