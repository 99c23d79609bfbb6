"""Skipped records come first in every rendering of a readiness report, per record type."""

from __future__ import annotations

import json

import attrs

from mipr_rules import plugins
from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.readiness import ReadinessReport

SKIPPED = (
    SkippedRecords("care_plans", 4, tuple(f"export/care_plans.csv:{n}: quote not closed" for n in (3, 9, 12, 40))),
    SkippedRecords("locations", 1, ("homes.json: expected integer, got str @ $[1].beds",)),
)


def _render(report: ReadinessReport, fmt: str) -> str:
    return plugins.output(fmt).render(attrs.evolve(report, skipped=SKIPPED))


def test_json_lists_skips_per_record_type(sample_report: ReadinessReport) -> None:
    assert json.loads(_render(sample_report, "json"))["skipped"] == [
        {
            "record_type": "care_plans",
            "count": 4,
            "reasons": [f"export/care_plans.csv:{n}: quote not closed" for n in (3, 9, 12, 40)],
        },
        {"record_type": "locations", "count": 1, "reasons": ["homes.json: expected integer, got str @ $[1].beds"]},
    ]
    assert json.loads(plugins.output("json").render(sample_report))["skipped"] == []


def test_text_shows_skips_before_any_result(sample_report: ReadinessReport) -> None:
    text = _render(sample_report, "text")
    lines = text.splitlines()
    assert lines[0] == "5 record(s) skipped in lenient mode and not checked:"
    assert lines[1:7] == [
        "  care_plans: 4",
        "    export/care_plans.csv:3: quote not closed",
        "    export/care_plans.csv:9: quote not closed",
        "    export/care_plans.csv:12: quote not closed",
        "    … and 1 more (--format json lists them all)",
        "  locations: 1",
    ]
    assert "$[1].beds" in lines[7]  # markup-like text is shown as written
    assert text.index("skipped") < text.index("CQC inspection readiness")
    assert "skipped" not in plugins.output("text").render(sample_report)


def test_html_shows_skips_before_any_result(sample_report: ReadinessReport) -> None:
    html = _render(sample_report, "html")
    assert html.index("5 record(s) skipped in lenient mode") < html.index("<h1>CQC inspection readiness</h1>")
    assert "care_plans: 4" in html and "export/care_plans.csv:40: quote not closed" in html
