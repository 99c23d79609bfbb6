"""What to do first: alerts of one rule grouped per location, ordered by severity and due date.

Among alerts of equal severity that are due (or overdue) at the same time, the ruleset's own order
decides: rule authors list the most pressing rules of a kind first (``death_not_notified`` before
``abuse_allegation_not_notified``), which keeps the order declarative and reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from mipr_rules.outputs.due import Due, due_for
from mipr_rules.outputs.labels import subject_detail, subject_label
from mipr_rules.outputs.wording import readable_message
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import SEVERITIES, Ruleset
from mipr_rules.workdays import DEFAULT_REGION


@attrs.frozen
class AlertGroup:
    """Every alert of one rule at one location, with the earliest deadline among them."""

    location_id: str
    location_name: str
    alerts: tuple[RuleHit, ...]
    dues: tuple[Due, ...]
    order: int
    """Position of the rule in its ruleset (ties are broken by it)."""

    @property
    def first(self) -> RuleHit:
        """The alert with the earliest deadline."""
        return self.alerts[0]

    @property
    def due(self) -> Due:
        """The earliest deadline of the group."""
        return self.dues[0]

    @property
    def count(self) -> int:
        """How many alerts the group holds."""
        return len(self.alerts)

    def subjects(self) -> list[str]:
        """Distinct subject labels, earliest deadline first (``Resident R12``, ``Staff S04``…)."""
        return list(dict.fromkeys(subject_label(a.subject) for a in self.alerts))

    def message(self) -> str:
        """The readable message of a single alert; for several, the rule's title and how many."""
        if self.count == 1:
            return readable_message(self.first.message, self.first.subject)
        return f"{self.first.title}: {self.count} records"

    def sort_key(self) -> tuple[int, Any, int, str, str]:
        """Most severe first, then earliest due (overdue counts as now), then ruleset order."""
        return (-SEVERITIES.index(self.first.severity), self.due.sort_date, self.order, self.location_id,
                self.first.subject)

    def as_dict(self) -> dict[str, Any]:
        """One entry of the JSON ``do_first`` list."""
        return {
            "rule": self.first.rule_id,
            "title": self.first.title,
            "severity": self.first.severity,
            "location_id": self.location_id,
            "count": self.count,
            "subjects": self.subjects(),
            "subject_keys": [a.subject for a in self.alerts],
            "message": self.message(),
            "due": self.due.as_dict(),
            "source": self.first.source.as_dict(),
        }

    def details(self) -> list[tuple[str, str, str]]:
        """``(subject label, readable message, due phrase)`` of each alert in the group."""
        rows = []
        for alert, due in zip(self.alerts, self.dues, strict=True):
            detail = subject_detail(alert.subject)
            label = subject_label(alert.subject) + (f" ({detail})" if detail else "")
            rows.append((label, readable_message(alert.message, alert.subject), due.phrase()))
        return rows


def group_alerts(
    alerts: Iterable[RuleHit],
    ruleset: Ruleset | None,
    names: dict[str, str] | None = None,
    region: str = DEFAULT_REGION,
) -> list[AlertGroup]:
    """Alerts grouped by (location, rule), in do-first order."""
    order = {rule.id: index for index, rule in enumerate(ruleset.rules)} if ruleset is not None else {}
    buckets: dict[tuple[str, str], list[tuple[Due, RuleHit]]] = {}
    for alert in alerts:
        buckets.setdefault((alert.partition, alert.rule_id), []).append((due_for(alert, ruleset, region), alert))
    groups = []
    for (location, rule_id), items in buckets.items():
        items.sort(key=lambda item: (item[0].date, item[1].subject))
        groups.append(
            AlertGroup(
                location,
                (names or {}).get(location, location),
                tuple(a for _, a in items),
                tuple(d for d, _ in items),
                order.get(rule_id, len(order)),
            )
        )
    return sorted(groups, key=AlertGroup.sort_key)
