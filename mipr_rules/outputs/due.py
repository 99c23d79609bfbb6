"""By when an alert must be dealt with, derived from the rule's own conditions and the matched fact.

A rule that fires when time has run out (``days_since_review: {gt: $care_plan_review_days}``) says how
long was allowed; the fact says how long it has been, so the deadline is ``as_of - (elapsed - allowed)``
in the unit of the parameter (days, working days on the region's calendar, months; hours count as
days). A rule that warns before a date (``days_until_expiry: {gte: 0, lte: $warning}``) has its deadline
on that date, and when another rule of the ruleset on the same fact and field is more severe, the alert
"becomes" that one then. A rule with no time condition is due now. Nothing here decides whether an alert
fires: that is the rule's, in the engine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from mipr_rules.outputs.wording import duration, relative, uk_date
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import SEVERITIES, Rule, Ruleset
from mipr_rules.workdays import DEFAULT_REGION, calendar

_ELAPSED = re.compile(r"_(since|to)_|_age_")
_UNTIL = re.compile(r"_until_")


@attrs.frozen
class Due:
    """When an alert must be dealt with."""

    date: dt.date
    """The deadline (``as_of`` when the rule sets none)."""
    as_of: dt.date
    """The date of the evaluation."""
    from_rule: bool = True
    """False when the rule has no time condition: the alert is due now."""
    escalates_to: str | None = None
    """Title of the more severe rule the alert becomes on ``date``, if any."""
    escalates_severity: str | None = None
    """Its severity."""

    @property
    def overdue(self) -> bool:
        """Whether the deadline has passed."""
        return self.date < self.as_of

    @property
    def sort_date(self) -> dt.date:
        """The date the alert is due for ordering: overdue alerts are all due now."""
        return max(self.date, self.as_of)

    def phrase(self) -> str:
        """``Overdue since 31 October 2026 (2 days)``, ``By 22 November 2026 (in 20 days); then high: …``."""
        if not self.from_rule:
            return "Now (the rule sets no deadline)"
        if self.overdue:
            text = f"Overdue since {uk_date(self.date)} ({duration((self.as_of - self.date).days)})"
        elif self.date == self.as_of:
            text = "Today"
        else:
            text = f"By {uk_date(self.date)} ({relative(self.date, self.as_of)})"
        if self.escalates_to and not self.overdue:
            text += f"; then it becomes {self.escalates_severity}: {self.escalates_to}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """The ``due`` of an alert in JSON."""
        return {
            "date": self.date.isoformat(),
            "overdue": self.overdue,
            "from_rule": self.from_rule,
            "escalates_to": self.escalates_to,
            "escalates_severity": self.escalates_severity,
            "text": self.phrase(),
        }


def _conditions(when: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in when or ():
        if not isinstance(item, Mapping):
            continue
        for field, test in item.items():
            if field in ("any", "all"):
                yield from _conditions(test)
            elif isinstance(test, Mapping):
                yield str(field), dict(test)


def _unit(field: str, threshold: Any, ruleset: Ruleset | None) -> str:
    if isinstance(threshold, str) and threshold.startswith("$") and ruleset is not None:
        param = ruleset.parameters.get(threshold[1:])
        if param is not None and param.unit in ("days", "working_days", "hours", "months"):
            return param.unit
    for prefix in ("hours", "working_days", "months"):
        if field.startswith(prefix) or field.endswith(prefix):
            return prefix
    return "days"


def _value(threshold: Any, parameters: Mapping[str, Any]) -> float | None:
    if isinstance(threshold, str) and threshold.startswith("$"):
        threshold = parameters.get(threshold[1:])
    return threshold if isinstance(threshold, int | float) and not isinstance(threshold, bool) else None


def _shift(as_of: dt.date, amount: float, unit: str, region: str) -> dt.date:
    """``as_of`` moved by ``amount`` of ``unit`` (negative: back)."""
    whole = int(amount)
    if unit == "hours":
        return as_of + dt.timedelta(days=int(amount // 24))
    if unit == "working_days":
        return calendar(region).add(as_of, whole)
    if unit == "months":
        return as_of + relativedelta(months=whole)
    return as_of + dt.timedelta(days=whole)


def _escalation(rule: Rule, field: str, ruleset: Ruleset | None) -> Rule | None:
    if ruleset is None:
        return None
    worse = [
        other
        for other in ruleset.rules
        if other.fact == rule.fact
        and SEVERITIES.index(other.severity) > SEVERITIES.index(rule.severity)
        and any(f == field for f, _ in _conditions(other.when))
    ]
    return min(worse, key=lambda r: SEVERITIES.index(r.severity)) if worse else None


def due_for(alert: RuleHit, ruleset: Ruleset | None, region: str = DEFAULT_REGION) -> Due:
    """The deadline of ``alert`` under its rule in ``ruleset`` (due now when it cannot be derived)."""
    try:
        rule = ruleset.rule(alert.rule_id) if ruleset is not None else None
    except KeyError:
        rule = None
    if rule is None:
        return Due(alert.as_of, alert.as_of, from_rule=False)
    parameters = {**(ruleset.defaults() if ruleset else {}), **alert.parameters}
    dates: list[Due] = []
    for field, test in _conditions(rule.when):
        value = alert.facts.get(field)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if _ELAPSED.search(field):
            for op in ("gt", "gte"):
                allowed = _value(test.get(op), parameters)
                if allowed is not None and value > allowed - (op == "gte"):
                    unit = _unit(field, test.get(op), ruleset)
                    dates.append(Due(_shift(alert.as_of, allowed - value, unit, region), alert.as_of))
        elif _UNTIL.search(field):
            unit = _unit(field, None, ruleset)
            notice = next((_value(test[op], parameters) for op in ("lt", "lte") if op in test), None)
            if "gte" in test or "gt" in test or notice in (None, 0):
                worse = _escalation(rule, field, ruleset)
                dates.append(
                    Due(
                        _shift(alert.as_of, value, unit, region),
                        alert.as_of,
                        escalates_to=worse.title if worse else None,
                        escalates_severity=worse.severity if worse else None,
                    )
                )
            elif notice is not None:
                dates.append(Due(_shift(alert.as_of, value - notice, unit, region), alert.as_of))
    if not dates:
        return Due(alert.as_of, alert.as_of, from_rule=False)
    return min(dates, key=lambda d: d.date)
