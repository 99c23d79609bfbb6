"""``mipr_rules.model.fields``: what the change-driven service uses instead of ``attrs.evolve`` and ``attrs.fields``."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from mipr_rules.model import CarePlan, Location
from mipr_rules.model.fields import field_values, replace


def test_replace_gives_what_evolve_gives(sample: Location) -> None:
    people = sample.people[1:]
    assert replace(sample, people=people) == attrs.evolve(sample, people=people)
    assert replace(sample, people=people).people is people
    assert replace(sample) == sample and replace(sample) is not sample


def test_replace_runs_init_and_refuses_what_init_refuses() -> None:
    @attrs.frozen
    class Window:
        start: int = attrs.field(converter=int)
        end: int = attrs.field(default=0, validator=attrs.validators.ge(0))
        _hidden: str = "x"
        span: int = attrs.field(init=False)

        @span.default
        def _span(self) -> int:
            return self.end - self.start

    window = replace(Window(1, 5, hidden="y"), start="2")  # type: ignore[arg-type]
    assert (window.start, window.end, window._hidden, window.span) == (2, 5, "y", 3)
    with pytest.raises(ValueError):
        replace(window, end=-1)
    with pytest.raises(TypeError):
        replace(window, nonsense=1)


def test_field_values_are_the_fields_in_order() -> None:
    plan = CarePlan("P1", dt.date(2026, 1, 2), last_reviewed=dt.date(2026, 3, 4))
    names, values = field_values(CarePlan)
    assert names == tuple(field.name for field in attrs.fields(CarePlan))
    assert values(plan) == tuple(getattr(plan, name) for name in names)
