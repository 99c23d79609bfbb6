"""The predicted percentages per key question over time, from an alert store's history (``mipr predict --store``).

Each past day is predicted again from the alerts that were open that day (first seen on or before it, not yet
resolved) with the records' evidence as it is now: the store keeps alerts, not past records. The chart is
drawn as inline SVG by pygal (the ``chart`` extra), so nothing is fetched when the page is viewed.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mipr_rules.alerts.model import StoredAlert
from mipr_rules.predict.core import SEVERITIES, StatementScore
from mipr_rules.rating import RatingReport
from mipr_rules.saf import KEY_QUESTIONS

LONGEST_TREND_DAYS = 366
"""Most days of history a trend goes back."""


def occurrences(store: str | Path, location_id: str) -> list[StoredAlert]:
    """Every occurrence (open or resolved) of the location's alerts in the store at ``store`` (a path, a
    ``sqlite:///`` or a ``postgresql://`` URL; see ``mipr_rules.watch.store``)."""
    from mipr_rules.watch.store import AlertStore

    with AlertStore(store, readonly=True, create=False) as opened:
        return [s.alert for s in opened.states(open_only=False, location_id=location_id)]


def open_on(alerts: Iterable[StoredAlert], day: dt.date) -> list[StoredAlert]:
    """The alerts open on ``day``: first seen on or before it and not resolved by then."""
    return [a for a in alerts if a.first_seen <= day and (a.resolved_on is None or a.resolved_on > day)]


def counts_of(alerts: Iterable[StoredAlert]) -> dict[str, dict[str, int]]:
    """Statement → severity → how many of ``alerts``."""
    out: dict[str, dict[str, int]] = {}
    for alert in alerts:
        statement = alert.detail.get("quality_statement")
        if statement and alert.severity in SEVERITIES:
            bucket = out.setdefault(str(statement), {})
            bucket[alert.severity] = bucket.get(alert.severity, 0) + 1
    return out


def trend(
    alerts: Sequence[StoredAlert],
    as_of: dt.date,
    score: Callable[[Mapping[str, Mapping[str, int]]], dict[str, StatementScore]],
    rate: Callable[[dict[str, StatementScore]], RatingReport],
) -> list[dict[str, Any]]:
    """Per day from the store's first alert (at most ``LONGEST_TREND_DAYS`` back) to ``as_of``: the predicted
    percentage and rating per key question. Days with the same open alerts are predicted once."""
    if not alerts:
        return []
    start = max(min(a.first_seen for a in alerts), as_of - dt.timedelta(days=LONGEST_TREND_DAYS - 1))
    cache: dict[str, dict[str, Any]] = {}
    series = []
    for offset in range((as_of - start).days + 1):
        day = start + dt.timedelta(days=offset)
        counts = counts_of(open_on(alerts, day))
        key = repr(sorted((s, sorted(c.items())) for s, c in counts.items()))
        if key not in cache:
            report = rate(score(counts))
            rated = {r.key_question.value: r for r in report.key_questions}
            bands = {kq: r.band for kq, r in rated.items()}
            cache[key] = {
                "percentages": {kq: int(band.facts["percentage"]) if (band := bands.get(kq)) is not None else None
                                for kq in KEY_QUESTIONS},
                "ratings": {kq: rated[kq].rating.value if kq in rated else None for kq in KEY_QUESTIONS},
                "overall": report.overall.rating.value if report.overall and report.overall.rating else None,
            }
        series.append({"date": day.isoformat(), "open_alerts": sum(sum(c.values()) for c in counts.values()),
                       **cache[key]})
    return series


def _drop_pygal_import_hook() -> None:
    """pygal adds an old-style finder to ``sys.meta_path`` (for its optional ``pygal.maps`` plugins, unused here)
    that makes every later import in the process warn (``ImportWarning``: no ``find_spec``): remove it."""
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]


def chart_svg(series: Sequence[Mapping[str, Any]], title: str) -> str | None:
    """The trend as an inline SVG line chart (``None`` without pygal: the HTML then shows the table only)."""
    try:
        import pygal
        from pygal.style import CleanStyle
    except ImportError:
        return None
    _drop_pygal_import_hook()
    chart = pygal.Line(title=title, width=900, height=360, range=(0, 100), show_dots=False, x_label_rotation=30,
                       show_minor_x_labels=False, disable_xml_declaration=True, js=[], truncate_legend=-1,
                       y_title="predicted %", style=CleanStyle)
    dates = [p["date"] for p in series]
    chart.x_labels = dates
    chart.x_labels_major = dates[:: max(1, len(dates) // 8)]
    for kq in KEY_QUESTIONS:
        chart.add(kq, [p["percentages"].get(kq) for p in series])
    svg = str(chart.render(is_unicode=True))
    # pygal leaves an inline configuration script for its optional tooltips (js=[]: none loaded): drop it
    return re.sub(r"<script[^>]*>.*?</script>", "", svg, flags=re.DOTALL)
