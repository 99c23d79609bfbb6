"""Time is an input of ``mipr watch``: after any sequence of checks (dates moving, records changing) the
open alerts of the store are exactly what a full ``mipr readiness`` gives on the same data and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alert_support import fix_care_plan_review, second_home, write_source

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.api import Session
from mipr_rules.config import load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.interfaces import AdapterSource, FullEvaluation
from mipr_rules.watch.service import WatchService
from mipr_rules.watch.store import AlertStore

Change = Callable[[list[dict[str, Any]], dt.date], None]


def _nothing(homes: list[dict[str, Any]], on: dt.date) -> None:
    pass


def _review_r07(homes: list[dict[str, Any]], on: dt.date) -> None:
    fix_care_plan_review(homes[0], on)


def _train_everyone_in_fire_safety(homes: list[dict[str, Any]], on: dt.date) -> None:
    for member in homes[1]["staff"]:
        member["training"] = [t for t in member["training"] if t["course"] != "fire_safety"]
        member["training"].append({"course": "fire_safety", "completed": on.isoformat()})


# (days after the sample's date, change made to the records before that check). Several checks change no
# record at all: only the date moves, and alerts fall due or stop being due because of it.
STEPS: list[tuple[int, Change]] = [
    (0, _nothing),
    (0, _review_r07),
    (20, _nothing),
    (20, _train_everyone_in_fire_safety),
    (35, _nothing),
    (400, _nothing),
]


def open_alert_keys(store: AlertStore) -> set[tuple[str, str, str]]:
    """(location, rule, subject) of every open alert in the store."""
    return {(a.identity.location_id, a.identity.rule_id, a.identity.subject) for a in store.open_alerts()}


def test_after_every_check_the_open_alerts_are_those_of_a_full_readiness_run(
    tmp_path: Path, home: dict[str, Any], as_of: dt.date, evaluator: Evaluator
) -> None:
    homes = [home, second_home(home)]
    source = tmp_path / "homes.json"
    catalogue = Catalogue.installed(evaluator.pm)
    seen_changes = 0
    with AlertStore(tmp_path / "alerts.db") as store:
        for days, change in STEPS:
            on = as_of + dt.timedelta(days=days)
            change(homes, on)
            write_source(source, *homes)
            config = load_config(None)
            watcher = WatchService(
                AdapterSource(FileAdapter(), str(source), config),
                FullEvaluation(evaluator, catalogue, config, "cqc-readiness"),
                store,
                as_of=on,
            )
            cycle = watcher.check()
            assert cycle.error is None and cycle.failures == (), cycle.failures
            locations = FileAdapter().read(str(source), ReadContext(key=TEST_KEY))
            full = Session(evaluator=evaluator).readiness(locations, as_of=on)
            assert open_alert_keys(store) == full.alert_keys(), f"as of {on}"
            assert cycle.changes is not None
            seen_changes += len(cycle.changes.new) + len(cycle.changes.resolved)
    print(f"{seen_changes} alerts raised or resolved over {len(STEPS)} checks")
    assert seen_changes > 28, "the sequence must raise and resolve alerts, or it proves nothing"
