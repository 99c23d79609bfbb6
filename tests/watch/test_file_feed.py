"""``mipr watch --follow`` on a file: saving the file raises and resolves alerts (filesystem events)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

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
from mipr_rules.watch.store import AlertStore

RULE = "care_plan_review_overdue"


def _set_review(path: Path, plan_id: str, day: dt.date) -> None:
    data: dict[str, Any] = json.loads(path.read_text())
    for person in data["people"]:
        for plan in person.get("care_plans", ()):
            if plan["plan_id"] == plan_id:
                plan["last_reviewed"] = day.isoformat()
    path.write_text(json.dumps(data))


def _overdue(store: AlertStore) -> set[str]:
    return {a.identity.subject for a in store.open_alerts() if a.identity.rule_id == RULE}


def test_saving_the_file_raises_then_resolves_the_alert(
    sample_json: Path, evaluator: Evaluator, as_of: dt.date, tmp_path: Path
) -> None:
    source = tmp_path / "home.json"
    shutil.copy(sample_json, source)
    _set_review(source, "CP-R07", as_of)
    feed = FileChangeFeed(plugins.adapter("file"), str(source), FeedOptions(ReadContext(key=TEST_KEY)))
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = Follower(feed, IncrementalEvaluator(evaluator, compiled), store, fixed_as_of=as_of, sweep_at=None)
        try:
            follower.start()
            assert not any("CP-R07" in s for s in _overdue(store))
            _set_review(source, "CP-R07", as_of - dt.timedelta(days=90))
            for _ in range(100):
                if any(step.reason == "changes" for step in follower.step(timeout=0.2)):
                    break
            assert any("CP-R07" in s for s in _overdue(store))
            _set_review(source, "CP-R07", as_of)
            for _ in range(100):
                if any(step.reason == "changes" for step in follower.step(timeout=0.2)):
                    break
            assert not any("CP-R07" in s for s in _overdue(store))
        finally:
            feed.close()


@pytest.mark.parametrize("freeze", [True, False])
def test_a_follower_changes_the_collector_only_when_allowed_to(
    freeze: bool, sample_json: Path, evaluator: Evaluator, as_of: dt.date, tmp_path: Path
) -> None:
    before = gc.get_threshold()
    gc.unfreeze()  # what followers of earlier tests froze
    gc.set_threshold(700, *before[1:])
    feed = FileChangeFeed(plugins.adapter("file"), str(sample_json), FeedOptions(ReadContext(key=TEST_KEY)))
    compiled = evaluator.compile(Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of), None, Location)
    try:
        with AlertStore(tmp_path / "alerts.db") as store:
            incremental = IncrementalEvaluator(evaluator, compiled)
            follower = Follower(feed, incremental, store, fixed_as_of=as_of, sweep_at=None, freeze_gc=freeze)
            follower.start()
            # Frozen: the state held is out of the collector's passes, and young collections are rarer.
            assert (gc.get_freeze_count() > 0) is freeze
            assert gc.get_threshold()[0] == (YOUNG_COLLECTION if freeze else 700)
    finally:
        feed.close()
        gc.unfreeze()
        gc.set_threshold(*before)
