"""The incremental evaluator checks the dates of what changed, however deep, and only that (``checked_tree``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.incremental import IncrementalEvaluator, checked_tree


def _with_plan_reviewed(location: Location, day: dt.date) -> Location:
    person = location.people[1]
    plan = attrs.evolve(person.care_plans[0], last_reviewed=day)
    person = attrs.evolve(person, care_plans=(plan, *person.care_plans[1:]))
    return attrs.evolve(location, people=(location.people[0], person, *location.people[2:]))


def test_a_changed_nested_record_is_checked_and_refused(evaluator: Evaluator, sample: Location, as_of: dt.date) -> None:
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    inc = IncrementalEvaluator(evaluator, compiled, schedule=False)
    assert not inc.update([sample], (), as_of).locations[0].error
    bad = _with_plan_reviewed(sample, dt.date(1850, 1, 1))
    (failed,) = inc.update([bad], (), as_of).locations
    assert failed.error and "people[1].care_plans[0]: last_reviewed" in failed.error and "1850" not in failed.name
    fixed = _with_plan_reviewed(sample, as_of)
    (ok,) = inc.update([fixed], (), as_of).locations
    assert not ok.error
    person = attrs.evolve(fixed.people[2], admitted=dt.date(1850, 1, 1))
    moved = attrs.evolve(fixed, people=(*fixed.people[:2], person, *fixed.people[3:]))
    (failed,) = inc.update([moved], (), as_of).locations
    assert failed.error and "people[2]: admitted" in failed.error


def test_only_what_changed_is_walked(sample: Location, as_of: dt.date) -> None:
    walked: list[str] = []
    first = checked_tree(sample, None, as_of, "home")
    changed = _with_plan_reviewed(sample, as_of)

    import mipr_rules.watch.incremental as incremental

    original = incremental.check_record_dates

    def spy(record: Any, day: dt.date, where: str) -> None:
        walked.append(where)
        original(record, day, where)

    incremental.check_record_dates = spy  # type: ignore[assignment]
    try:
        again = checked_tree(changed, first, as_of, "home")
        assert checked_tree(changed, again, as_of, "home") is again
    finally:
        incremental.check_record_dates = original
    assert walked == ["home: people[1].care_plans[0]"]  # not the person's own fields: they are equal
