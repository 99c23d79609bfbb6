"""Which rules a source can inform: the record types behind each fact, and a ruleset cut down to them.

An adapter that reads only part of the canonical model (the ``cqc`` adapter reads registration and
ratings, no care records) declares ``informs``: the record types it supplies. A rule whose facts come
from other record types would only report the absence of records nobody sent ("audit never done"), so
it is not evaluated; the report says which rule groups were left out and why, before any result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from mipr_rules.ruleset.schema import Rule, Ruleset

FACT_RECORDS: Mapping[str, tuple[str, ...]] = {
    "location": ("locations",),
    "care_plan": ("people", "care_plans"),
    "risk_assessment": ("people", "risk_assessments"),
    "training": ("staff", "training"),
    "staff": ("staff",),
    "supervision": ("staff", "supervisions"),
    "incident": ("incidents",),
    "safeguarding": ("safeguarding",),
    "complaint": ("complaints",),
    "audit": ("audits",),
    "feedback": ("feedback",),
    "evidence_category": ("evidence",),
    "manager_absence": ("manager_absences",),
    "registration_condition": ("conditions",),
    "person": ("people",),
    "medicine": ("people", "medicines"),
    "mar_exception": ("people", "mar_exceptions"),
    "capacity_assessment": ("people", "capacity_assessments"),
    "dols": ("people", "dols"),
    "staffing": ("staffing_reviews",),
    "check": ("checks",),
    "policy": ("policies",),
}
"""Record types each fact type of the readiness ruleset is measured from."""

FIELD_RECORDS: Mapping[str, str] = {
    "medication_errors_in_window": "incidents",
    "days_since_person_feedback": "feedback",
    "days_since_staff_feedback": "feedback",
    "days_since_partner_feedback": "feedback",
    "rated": "ratings",
    "days_since_rating_published": "ratings",
    "manager_recruitment_started": "manager_absences",
    "days_since_manager_recruitment_started": "manager_absences",
    "pir_requested": "pir_requests",
    "pir_returned": "pir_requests",
    "days_since_pir_request": "pir_requests",
    "people": "people",
    "staff": "staff",
}
"""Fields of the ``location`` fact measured from records other than the location itself."""


@attrs.frozen
class NotEvaluated:
    """A group of rules (one fact type) left out because the source does not inform their facts."""

    group: str
    """The fact type the rules look at, e.g. ``audit``."""
    rules: tuple[str, ...]
    """Ids of the rules not evaluated."""
    why: str
    """Why, e.g. ``the cqc adapter supplies no audits records``."""

    def as_dict(self) -> dict[str, Any]:
        """``{group, rules, why}`` as in the JSON reports (key ``not_evaluated``)."""
        return {"group": self.group, "rules": list(self.rules), "why": self.why}


def _fields(condition: Any) -> Iterator[str]:
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            if key in ("any", "all", "not"):
                yield from _fields(value)
            else:
                yield str(key)
    elif isinstance(condition, (list, tuple)):
        for item in condition:
            yield from _fields(item)


def rule_needs(rule: Rule) -> tuple[str, ...]:
    """The record types ``rule``'s facts are measured from (the fact type's own name when it is unknown)."""
    needs = list(FACT_RECORDS.get(rule.fact, (rule.fact,)))
    for field in _fields(rule.when):
        record_type = FIELD_RECORDS.get(field)
        if record_type is not None and record_type not in needs:
            needs.append(record_type)
    return tuple(needs)


def restrict(ruleset: Ruleset, informs: Iterable[str], adapter: str) -> tuple[Ruleset, tuple[NotEvaluated, ...]]:
    """``ruleset`` without the rules whose facts ``informs`` does not cover, and those rules by group."""
    supplied = set(informs)
    kept: list[Rule] = []
    left: dict[str, tuple[list[str], list[str]]] = {}
    for rule in ruleset.rules:
        missing = [need for need in rule_needs(rule) if need not in supplied]
        if not missing:
            kept.append(rule)
            continue
        rules, why = left.setdefault(rule.fact, ([], []))
        rules.append(rule.id)
        why.extend(m for m in missing if m not in why)
    groups = tuple(
        NotEvaluated(group, tuple(rules), f"the {adapter} adapter supplies no {', '.join(missing)} records")
        for group, (rules, missing) in left.items()
    )
    return attrs.evolve(ruleset, rules=tuple(kept)), groups
