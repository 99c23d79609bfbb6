"""Recording a report takes the same statements however many locations it holds (set-based, not a round of
queries per location), and the result is what it was location by location: new, ongoing, resolved, failed."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alert_support import break_evaluation, fix_care_plan_review

from mipr_rules.alerts.notify import Target
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.store import AlertStore

Readiness = Callable[..., ReadinessReport]
NEXT_DAY = dt.timedelta(days=1)


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (any engine)."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)


def homes(home: dict[str, Any], n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        other = copy.deepcopy(home)
        other["location_id"], other["name"] = f"1-{i:09d}", f"Home {i}"
        out.append(other)
    return out


def second_check(homes_: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """The next day: one gap fixed in every other home, the last home failing to evaluate."""
    changed = copy.deepcopy(homes_)
    for other in changed[::2]:
        fix_care_plan_review(other, as_of)
    break_evaluation(changed[-1])
    return changed


def test_statements_per_report_do_not_grow_with_its_locations(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    target = Target.parse("webhook:https://hooks.example.org/mipr")
    sent: dict[int, tuple[int, int]] = {}
    for n in (3, 12):
        few = homes(home, n)
        with AlertStore(tmp_path / f"alerts-{n}.db") as store:
            first_report = readiness(*few, as_of=as_of)
            second_report = readiness(*second_check(few, as_of), as_of=as_of + NEXT_DAY)
            with counted() as first:
                store.apply(first_report, notify=[target], full_read=True)
            with counted() as second:
                changes = store.apply(second_report, notify=[target])
            sent[n] = (len(first), len(second))
            fixed = (n + 1) // 2 - (1 if (n - 1) % 2 == 0 else 0)  # the last home failed: its gap stays open
            assert len(changes.resolved) == fixed and not changes.new
            assert [loc.location_id for loc in changes.not_evaluated] == [few[-1]["location_id"]]
            assert all(a.last_seen == as_of + NEXT_DAY for a in changes.ongoing)
            assert len(store.pending(target.key)) == 2
            resolved = changes.resolved[0]
            assert [e.kind for e in store.events(resolved.identity)] == ["new", "resolved"]
    assert sent[3] == sent[12], f"statements per report: {sent}"
