"""The sample's HTML report opens with the counts by severity and what to do first."""

from __future__ import annotations

import re
from pathlib import Path

from mipr_rules.readiness import ReadinessReport


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_opens_with_severity_counts_then_a_do_first_list_led_by_the_unnotified_death(
    sample_html: Path, sample_report: ReadinessReport
) -> None:
    page = sample_html.read_text(encoding="utf-8")
    body = page[page.index("<main>"):]
    counts, do_first, first_location = (body.index(s) for s in ("alerts by severity", "Do first", "(1-000000001)"))
    assert counts < do_first < first_location
    first_row = _text(body[do_first:].split("<tbody>", 1)[1].split("</tr>", 1)[0])
    assert first_row.startswith(" critical Death incident INC-0901")
    assert "Overdue since 30 October 2026 (3 days)" in first_row
    counted = sample_report.severity_counts().items()
    expected = ["alerts", "by", "severity"] + [w for s, n in counted for w in (s, str(n))]
    assert _text(body[counts:do_first]).split() == expected


def test_people_are_labels_dates_are_uk_and_durations_read_well(sample_html: Path) -> None:
    text = _text(sample_html.read_text(encoding="utf-8"))
    assert "Resident R12" in text and "Staff S04" in text
    assert "person:R12" not in text and "staff:S04" not in text
    assert "2 November 2026" in text and "2026-11-02" not in text
    assert "hours ago" not in text and not re.search(r"\b1 (days|working days|months)\b", text)


def test_print_stylesheet_is_a4_keeps_rows_whole_and_heads_pages_with_location_and_date(sample_html: Path) -> None:
    css = sample_html.read_text(encoding="utf-8")
    assert "size:A4" in css and "break-inside:avoid" in css
    assert r'@top-left{content:"Sunrise House \0000b7  as of 2 November 2026"' in css
