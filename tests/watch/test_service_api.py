"""The watch service from the Python API, in the caller's own process: start, health, stop."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from alert_support import write_source

from mipr_rules.api import Session
from mipr_rules.watch.service import Cycle


def test_a_vendor_starts_the_service_in_its_process_checks_its_health_and_stops_it(
    tmp_path: Path, home: dict[str, Any], as_of: dt.date, sample_alerts: int
) -> None:
    source = write_source(tmp_path / "home.json", home)
    cycles: list[Cycle] = []
    two = threading.Event()

    def seen(cycle: Cycle) -> None:
        cycles.append(cycle)
        if len(cycles) >= 2:
            two.set()

    service = Session(processes=1).watch_service(
        source=str(source), store=tmp_path / "alerts.db", as_of=as_of, interval=0.01, on_cycle=seen
    )
    try:
        assert service.health()["running"] is False
        service.start()
        assert two.wait(60), "two checks in the background thread"
        health = service.health()
        assert health["running"] is True and health["checks"] >= 2 and health["last_error"] is None
        assert health["last_as_of"] == as_of.isoformat() and health["pending"] == 0
        service.stop(timeout=60)
        assert service.health()["running"] is False
        assert len(cycles[0].changes.new) == sample_alerts and not cycles[1].changes.has_news  # type: ignore[union-attr]
        assert len(service.store.open_alerts()) == sample_alerts
    finally:
        service.close()


def test_the_former_watcher_keywords_build_the_same_service(
    tmp_path: Path, home: dict[str, Any], as_of: dt.date, evaluator: Any, sample_alerts: int
) -> None:
    from mipr_rules.adapters.file_adapter import FileAdapter
    from mipr_rules.config import Config
    from mipr_rules.ruleset.catalogue import Catalogue
    from mipr_rules.watch.service import watcher as Watcher
    from mipr_rules.watch.store import AlertStore

    source = write_source(tmp_path / "home.json", home)
    with AlertStore(tmp_path / "alerts.db") as store:
        service = Watcher(
            adapter=FileAdapter(), source=str(source), store=store, evaluator=evaluator,
            catalogue=Catalogue.installed(evaluator.pm), config=Config(), ruleset_id="cqc-readiness", as_of=as_of,
        )  # fmt: skip
        cycle = service.check()
        assert cycle.error is None and len(cycle.changes.new) == sample_alerts  # type: ignore[union-attr]
