"""``mipr watch --follow`` on a file: saving the file raises and resolves alerts (filesystem events)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from watch_support import step_until_changes

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.feeds.files import FileChangeFeed
from mipr_rules.watch.follow import Follower
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
            step_until_changes(follower)
            assert any("CP-R07" in s for s in _overdue(store))
            _set_review(source, "CP-R07", as_of)
            step_until_changes(follower)
            assert not any("CP-R07" in s for s in _overdue(store))
        finally:
            feed.close()
