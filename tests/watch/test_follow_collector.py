"""The follower and Python's cyclic collector (``Follower.freeze_gc``): no pass ever walks the state held."""

from __future__ import annotations

import datetime as dt
import gc
import json
import shutil
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from watch_support import Clock, step_until_changes

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.feeds.files import FileChangeFeed
from mipr_rules.watch.follow import YOUNG_COLLECTION, Follower
from mipr_rules.watch.incremental import IncrementalEvaluator
from mipr_rules.watch.schedule import SERVICE_ZONE
from mipr_rules.watch.store import AlertStore


class Knot:
    """An object in a reference cycle with itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as a test found it, given back afterwards (a follower changes it process-wide)."""
    before = gc.get_threshold()
    gc.unfreeze()  # what followers of earlier tests froze
    gc.set_threshold(700, *before[1:])
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.fixture
def follow(
    evaluator: Evaluator, sample_json: Path, as_of: dt.date, tmp_path: Path, collector: None
) -> Iterator[Callable[..., tuple[Follower, Path]]]:
    """Makes a follower of a copy of the sample home's file, its alerts in a store of the test's own."""
    source = tmp_path / "home.json"
    shutil.copy(sample_json, source)
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    opened: list[Any] = []

    def make(**options: Any) -> tuple[Follower, Path]:
        feed = FileChangeFeed(plugins.adapter("file"), str(source), FeedOptions(ReadContext(key=TEST_KEY)))
        store = AlertStore(tmp_path / "alerts.db")
        opened.extend((feed, store))
        options.setdefault("fixed_as_of", as_of)
        follower = Follower(feed, IncrementalEvaluator(evaluator, compiled), store, sweep_at=None, **options)
        return follower, source

    yield make
    for thing in reversed(opened):
        thing.close()


def _review(path: Path, day: dt.date) -> None:
    """Every care plan of the home reviewed on ``day`` (a change the feed sees)."""
    data: dict[str, Any] = json.loads(path.read_text())
    for person in data["people"]:
        for plan in person.get("care_plans", ()):
            plan["last_reviewed"] = day.isoformat()
    path.write_text(json.dumps(data))


def _knotting(follower: Follower, keep: list[Knot] | None = None) -> list[weakref.ref[Knot]]:
    """Make the follower's feed tie a ``Knot`` whenever it hands over changes (kept in ``keep`` if given,
    else dropped at once: cyclic garbage made in the step); returns weak references to the knots."""
    knots: list[weakref.ref[Knot]] = []
    wait = follower.feed.wait

    def knotting_wait(timeout: float) -> Any:
        found = wait(timeout)
        if found:
            knot = Knot()
            knots.append(weakref.ref(knot))
            if keep is not None:
                keep.append(knot)
        return found

    follower.feed.wait = knotting_wait  # type: ignore[method-assign]
    return knots


def _tracked() -> int:
    """Objects the collector's passes would walk (everything tracked but the frozen)."""
    return sum(len(gc.get_objects(generation)) for generation in range(3))


@pytest.mark.parametrize("freeze", [True, False])
def test_a_follower_changes_the_collector_only_when_allowed_to(
    freeze: bool, follow: Callable[..., tuple[Follower, Path]]
) -> None:
    follower, _ = follow(freeze_gc=freeze)
    follower.start()
    # Frozen: the state held is out of the collector's passes, and young collections are rarer.
    assert (gc.get_freeze_count() > 0) is freeze
    assert gc.get_threshold()[0] == (YOUNG_COLLECTION if freeze else 700)


def test_a_step_frees_the_cycles_it_made_and_freezes_what_it_keeps(
    follow: Callable[..., tuple[Follower, Path]], as_of: dt.date
) -> None:
    follower, source = follow()
    follower.start()
    knots = _knotting(follower)
    _review(source, as_of - dt.timedelta(days=400))
    step_until_changes(follower)
    assert knots and all(knot() is None for knot in knots)  # freed in the step, not left for a later pass
    # The new state of the home is frozen with the rest: no pass of the collector walks it again (the old
    # state it replaced was frozen, and its release never counted towards a pass: each pass walked every
    # object kept since the last, about a tenth of a second under load).
    assert _tracked() < 100


def test_without_freezing_a_step_leaves_what_it_kept_to_the_collector(
    follow: Callable[..., tuple[Follower, Path]], as_of: dt.date
) -> None:
    follower, source = follow(freeze_gc=False)
    follower.start()
    gc.collect()
    gc.freeze()  # as if frozen before: only what the step makes is counted below
    _review(source, as_of - dt.timedelta(days=400))
    step_until_changes(follower)
    assert _tracked() > 1000  # the home's new state: the contrast the test above relies on


@pytest.mark.parametrize("due", [True, False], ids=["a-location-due", "nothing-due"])
def test_cycles_frozen_alive_are_freed_at_the_next_local_midnight(
    due: bool, follow: Callable[..., tuple[Follower, Path]], as_of: dt.date
) -> None:
    clock = Clock(dt.datetime.combine(as_of, dt.time(12), tzinfo=SERVICE_ZONE))
    follower, source = follow(fixed_as_of=None, clock=clock)
    follower.start()
    keep: list[Knot] = []
    knots = _knotting(follower, keep)
    _review(source, as_of - dt.timedelta(days=400))
    step_until_changes(follower)
    keep.clear()  # garbage now, but frozen with what the step kept
    assert knots and all(knot() is not None for knot in knots)
    tomorrow = as_of + dt.timedelta(days=1)
    incremental = follower.incremental
    incremental.plan()
    if not due:  # a night on which no location's outcome can change
        for location_id in incremental.states:
            incremental.scheduler.set(location_id, as_of + dt.timedelta(days=365))
    assert (incremental.scheduler.next_date() == tomorrow) is due
    clock.now = dt.datetime.combine(tomorrow, dt.time(0, 0, 1), tzinfo=SERVICE_ZONE)
    steps = follower.step(timeout=0.0)  # the date crossing: everything collected in full, then frozen again
    assert follower.as_of == tomorrow and [step.reason for step in steps] == (["due"] if due else [])
    assert all(knot() is None for knot in knots)
