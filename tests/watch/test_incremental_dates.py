"""The incremental evaluator checks the dates of what changed, however deep, and only that (``checked_tree``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from mipr_rules.dates import LARGEST_COUNT
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import InputError
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

    def spy(record: Any, day: dt.date, where: str, skip: Any = ()) -> None:
        walked.append(where)
        original(record, day, where, skip)

    incremental.check_record_dates = spy  # type: ignore[assignment]
    try:
        again = checked_tree(changed, first, as_of, "home")
        assert checked_tree(changed, again, as_of, "home") is again
    finally:
        incremental.check_record_dates = original
    assert walked == ["home: people[1].care_plans[0]"]  # not the person's own fields: they are equal


def _walked(changed: Location, before: Any, as_of: dt.date) -> tuple[list[str], Any]:
    """Where ``checked_tree`` checks dates in ``changed`` after ``before``, and what it returns."""
    import mipr_rules.watch.incremental as incremental

    walked: list[str] = []
    original = incremental.check_record_dates

    def spy(record: Any, day: dt.date, where: str, skip: Any = ()) -> None:
        walked.append(where)
        original(record, day, where, skip)

    incremental.check_record_dates = spy  # type: ignore[assignment]
    try:
        return walked, checked_tree(changed, before, as_of, "home")
    finally:
        incremental.check_record_dates = original


def test_collections_of_the_same_records_are_passed_over_and_others_checked(sample: Location, as_of: dt.date) -> None:
    """A source rebuilds the tuples but keeps the records: such a collection is not walked. A record replaced
    by another object is compared, one equal is not checked, one changed is, and refused if implausible."""
    first = checked_tree(sample, None, as_of, "home")
    rebuilt = attrs.evolve(sample, **{name: tuple(getattr(sample, name)) for name in ("people", "incidents", "staff")})
    assert _walked(rebuilt, first, as_of)[0] == []
    incident = sample.incidents[2]
    equal = attrs.evolve(sample, incidents=(*sample.incidents[:2], attrs.evolve(incident), *sample.incidents[3:]))
    assert _walked(equal, first, as_of)[0] == []
    equal_person = attrs.evolve(sample, people=(*sample.people[:3], attrs.evolve(sample.people[3]), *sample.people[4:]))
    assert _walked(equal_person, first, as_of)[0] == []
    bad = attrs.evolve(incident, occurred=dt.datetime(1850, 1, 1, 12))
    refused = attrs.evolve(sample, incidents=(*sample.incidents[:2], bad, *sample.incidents[3:]))
    with pytest.raises(InputError, match=r"home: incidents\[2\]: occurred"):
        _walked(refused, first, as_of)
    head = attrs.evolve(sample, beds=LARGEST_COUNT + 1)
    with pytest.raises(InputError, match="home: beds"):
        _walked(head, first, as_of)


def test_a_collection_emptied_and_filled_again_is_checked(sample: Location, as_of: dt.date) -> None:
    before = checked_tree(sample, None, as_of, "home")
    walked, emptied = _walked(attrs.evolve(sample, incidents=()), before, as_of)
    assert walked == []  # the home's own fields are as they were
    bad = attrs.evolve(sample.incidents[0], occurred=dt.datetime(1850, 1, 1, 12))
    with pytest.raises(InputError, match=r"home: incidents\[0\]: occurred"):
        checked_tree(attrs.evolve(sample, incidents=(bad,)), emptied, as_of, "home")
    walked, _ = _walked(sample, emptied, as_of)
    assert walked == [f"home: incidents[{i}]" for i in range(len(sample.incidents))]
