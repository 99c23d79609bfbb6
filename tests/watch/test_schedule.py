"""Time in the watch service: local midnight in Europe/London across the clock changes, the sweep time,
the scheduler, and the next date on which a location's outcome can change (fixed dates, never the clock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.incremental import IncrementalEvaluator
from mipr_rules.watch.schedule import Scheduler, at_local, local_date, next_midnight

UTC = dt.timezone.utc


def test_midnight_is_local_on_both_sides_of_the_clock_changes() -> None:
    # Winter (GMT): midnight is 00:00 UTC. Summer (BST): 23:00 UTC the evening before.
    assert next_midnight(dt.datetime(2026, 1, 15, 12, tzinfo=UTC)) == dt.datetime(2026, 1, 16, 0, tzinfo=UTC)
    assert next_midnight(dt.datetime(2026, 7, 15, 12, tzinfo=UTC)) == dt.datetime(2026, 7, 15, 23, tzinfo=UTC)
    # The night the clocks go forward (29 March 2026, 01:00 GMT -> 02:00 BST): the next midnight is BST.
    assert next_midnight(dt.datetime(2026, 3, 28, 12, tzinfo=UTC)) == dt.datetime(2026, 3, 29, 0, tzinfo=UTC)
    assert next_midnight(dt.datetime(2026, 3, 29, 0, tzinfo=UTC)) == dt.datetime(2026, 3, 29, 23, tzinfo=UTC)
    # ...and back (25 October 2026): the day that follows is 25 hours long.
    assert next_midnight(dt.datetime(2026, 10, 24, 23, tzinfo=UTC)) == dt.datetime(2026, 10, 26, 0, tzinfo=UTC)
    assert local_date(dt.datetime(2026, 10, 24, 22, 59, tzinfo=UTC)) == dt.date(2026, 10, 24)
    assert local_date(dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == dt.date(2026, 10, 25)


def test_the_sweep_time_is_local_and_a_skipped_time_moves_on_an_hour() -> None:
    assert at_local(dt.date(2026, 7, 1), "03:00") == dt.datetime(2026, 7, 1, 2, tzinfo=UTC)
    assert at_local(dt.date(2026, 1, 1), "03:00") == dt.datetime(2026, 1, 1, 3, tzinfo=UTC)
    # 01:30 on 29 March 2026 does not exist in London: it is taken as 02:30 BST (01:30 UTC).
    assert at_local(dt.date(2026, 3, 29), "01:30") == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_scheduler_says_which_locations_are_due_once() -> None:
    scheduler = Scheduler()
    scheduler.set("A", dt.date(2026, 3, 31))
    scheduler.set("B", dt.date(2026, 4, 2))
    scheduler.set("A", dt.date(2026, 4, 1))  # moved: the earlier date no longer counts
    scheduler.set("C", dt.date(2026, 3, 30))
    scheduler.set("C", None)  # gone
    assert scheduler.due(dt.date(2026, 3, 31)) == []
    assert scheduler.next_date() == dt.date(2026, 4, 1)
    assert scheduler.due(dt.date(2026, 4, 5)) == ["A", "B"]
    assert scheduler.due(dt.date(2026, 4, 5)) == []


def _compiled(evaluator: Evaluator, as_of: dt.date) -> Any:
    return evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)


def test_the_next_change_is_the_day_a_review_falls_overdue(
    evaluator: Evaluator, sample: Location, as_of: dt.date
) -> None:
    inc = IncrementalEvaluator(evaluator, _compiled(evaluator, as_of))
    inc.update([sample], (), as_of)
    inc.plan()
    first = inc.states[sample.location_id].next_change
    assert first is not None and as_of < first
    # Nothing the rules look at changes before that date: a full evaluation on the eve agrees with today's.
    eve = first - dt.timedelta(days=1)
    if eve > as_of:
        today = {(h.rule_id, h.subject) for h in evaluator.run_one(inc.compiled, "k", sample, as_of)}
        then = {(h.rule_id, h.subject) for h in evaluator.run_one(inc.compiled, "k", sample, eve)}
        assert today == then
    # A care plan reviewed today falls overdue after care_plan_review_days (28) days: day 29 at the latest.
    people = list(sample.people)
    person = people[0]
    plans = tuple(attrs.evolve(p, last_reviewed=as_of, created=min(p.created, as_of)) for p in person.care_plans)
    people[0] = attrs.evolve(person, care_plans=plans)
    inc.update([attrs.evolve(sample, people=tuple(people))], (), as_of)
    inc.plan()
    assert inc.states[sample.location_id].next_change <= as_of + dt.timedelta(days=29)  # type: ignore[operator]


def test_planning_in_turns_stops_at_its_budget_and_due_finishes_it(
    evaluator: Evaluator, sample: Location, as_of: dt.date
) -> None:
    inc = IncrementalEvaluator(evaluator, _compiled(evaluator, as_of))
    homes = [attrs.evolve(sample, location_id=f"1-00000000{n}") for n in range(1, 4)]
    inc.update(homes, (), as_of)
    assert inc.plan(budget=0.0) == 2  # one location per turn at least, then the budget is spent
    assert inc.plan(limit=1) == 1
    assert sum(1 for home in homes if inc.states[home.location_id].next_change is not None) == 2
    inc.due(as_of)  # plans the rest first
    assert all(inc.states[home.location_id].next_change is not None for home in homes)


def test_a_location_is_planned_once_it_has_settled_and_the_last_changed_comes_last(
    evaluator: Evaluator, sample: Location, as_of: dt.date
) -> None:
    inc = IncrementalEvaluator(evaluator, _compiled(evaluator, as_of))
    homes = [attrs.evolve(sample, location_id=f"1-00000000{n}") for n in range(1, 4)]
    inc.update(homes, (), as_of)
    assert inc.plan(settled=3600.0) == 0  # all changed just now: none planned yet
    assert all(inc.states[home.location_id].next_change is None for home in homes)
    inc.update([attrs.evolve(homes[0], name="Changed again")], (), as_of)
    assert inc.plan(limit=2, settled=0.0) == 1
    planned = [home.location_id for home in homes if inc.states[home.location_id].next_change is not None]
    assert planned == [homes[1].location_id, homes[2].location_id]  # the one changed last waits
    inc.due(as_of)  # a date crossing plans the rest whether settled or not
    assert inc.states[homes[0].location_id].next_change is not None
