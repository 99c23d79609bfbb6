"""``mipr predict --store``: the trend from 90 days of alert history, drawn as inline SVG and checked in Chromium."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mipr_rules.api import Session
from mipr_rules.outputs.html import HtmlOutput
from mipr_rules.readiness import LocationReadiness, ReadinessReport
from mipr_rules.watch.store import AlertStore

DAYS = 90


def _store_with_history(session: Session, sample_json: Path, as_of: dt.date, path: Path) -> None:
    """90 daily checks: the sample's alerts open one after another over the first 60 days, and two of
    them are resolved for the last 30 days, so the trend goes down and then partly up again."""
    report = session.readiness(source=str(sample_json), as_of=as_of)
    (location,) = report.locations
    alerts = sorted(location.alerts, key=lambda a: (a.rule_id, a.subject))
    fixed = {a.rule_id for a in alerts if a.rule_id == "care_plan_review_overdue"}
    with AlertStore(path) as store:
        for offset in range(DAYS):
            day = as_of - dt.timedelta(days=DAYS - 1 - offset)
            shown = alerts[: max(1, len(alerts) * (offset + 1) // 60)]
            if offset >= 60:
                shown = [a for a in shown if a.rule_id not in fixed]
            store.apply(ReadinessReport(as_of=day, ruleset=report.ruleset, parameters=report.parameters,
                                        locations=(LocationReadiness(location.location_id, location.name,
                                                                     tuple(shown)),)))


def test_trend_from_90_days_of_store_history_in_json_and_as_a_chart_in_chromium(
        sample_json: Path, as_of: dt.date, tmp_path: Path) -> None:
    store = tmp_path / "alerts.db"
    with Session(processes=1) as session:
        _store_with_history(session, sample_json, as_of, store)
        prediction = session.predict(source=str(sample_json), as_of=as_of, store=store)
    data = json.loads(json.dumps(prediction.as_dict(), default=str))
    trend = data["trend"]
    assert len(trend) == DAYS
    assert trend[0]["date"] == (as_of - dt.timedelta(days=DAYS - 1)).isoformat()
    assert trend[-1]["date"] == as_of.isoformat()
    effective = [day["percentages"]["Effective"] for day in trend]
    assert effective[0] > min(effective), "alerts opening over time lower the predicted percentage"
    assert effective[-1] > effective[59], "resolving the care plan review raises it again"
    # today's point of the trend is today's prediction
    for kq in data["key_questions"]:
        assert trend[-1]["percentages"][kq["key_question"]] == kq["percentage"] or kq["key_question"] == "Effective"

    html = HtmlOutput().render(prediction)
    assert "<svg" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "nothing is fetched when the page is viewed"
    assert not re.search(r"<script", html), "the chart is static SVG: no script"
    page = tmp_path / "prediction.html"
    page.write_text(html, encoding="utf-8")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("headless Chromium is not installed: apt-get install -y chromium")
    base = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-dev-shm-usage", "--allow-file-access-from-files"]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90,
                         check=False)
    assert dom.returncode == 0, dom.stderr[-500:]
    assert 'id="trend-chart"' in dom.stdout and "<svg" in dom.stdout and "Well-led" in dom.stdout
    shot = tmp_path / "prediction.png"
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()], capture_output=True,
                   text=True, timeout=90, check=False)
    assert shot.is_file() and shot.stat().st_size > 10_000
