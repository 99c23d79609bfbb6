"""The floor: the ``cqc-readiness`` rules hand-written in plain Python, over the same fact dicts.

One function per rule, applying exactly the comparisons the YAML declares, with durable-rules'
semantics for a missing field (a comparison on a field the fact does not carry is false; ``exists:
false`` is true). Only the conditions are hand-written: titles, severities, messages and sources come
from the same ``Ruleset`` object the engine compiles, so that the two produce the same ``RuleHit``\\ s
and the benchmark can assert that they do, home by home.

If the YAML gains or changes a rule, ``floor_rules`` refuses to run until this file follows
(``FLOOR`` must name every rule of the ruleset, and nothing else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Rule, Ruleset, Source

Fact = Mapping[str, Any]
Params = Mapping[str, Any]
Check = Callable[[Fact, Params], bool]

_NOTIFIABLE = frozenset({"death", "serious_injury", "abuse_allegation", "police_incident"})


def _gt(value: Any, limit: Any) -> bool:
    return value is not None and value > limit


def _gte(value: Any, limit: Any) -> bool:
    return value is not None and value >= limit


def _lt(value: Any, limit: Any) -> bool:
    return value is not None and value < limit


def _audit(kind: str, param: str) -> Check:
    def check(f: Fact, p: Params) -> bool:
        last = f.get("days_since_last")
        return f.get("kind") == kind and (last is None or last > p[param])

    return check


def _not_notified(category: str) -> Check:
    def check(f: Fact, p: Params) -> bool:
        return (
            f.get("category") == category
            and f.get("notified") is False
            and _gt(f.get("hours_since_occurred"), p["notification_sla_hours"])
        )

    return check


FLOOR: dict[str, tuple[str, Check]] = {
    # rule id: (fact type, condition)
    "care_plan_review_overdue": (
        "care_plan",
        lambda f, p: f.get("active") is True and _gt(f.get("days_since_review"), p["care_plan_review_days"]),
    ),
    "care_plan_never_reviewed": (
        "care_plan",
        lambda f, p: (
            f.get("active") is True
            and f.get("reviewed") is False
            and _gt(f.get("days_since_created"), p["care_plan_review_days"])
        ),
    ),
    "care_plan_not_reviewed_after_change": (
        "care_plan",
        lambda f, p: (
            f.get("active") is True
            and _gt(f.get("days_since_needs_changed_unreviewed"), p["care_plan_change_review_days"])
        ),
    ),
    "risk_assessment_review_overdue": (
        "risk_assessment",
        lambda f, p: _gt(f.get("days_since_review"), p["risk_assessment_review_days"]),
    ),
    "training_expired": ("training", lambda f, p: f.get("required") is True and _lt(f.get("days_until_expiry"), 0)),
    "training_expiring_soon": (
        "training",
        lambda f, p: (
            f.get("required") is True
            and f.get("days_until_expiry") is not None
            and 0 <= f["days_until_expiry"] <= p["training_expiry_warning_days"]
        ),
    ),
    "training_missing": ("training", lambda f, p: f.get("required") is True and f.get("recorded") is False),
    "supervision_overdue": ("staff", lambda f, p: _gt(f.get("days_since_supervision"), p["supervision_interval_days"])),
    "supervision_never_held": (
        "staff",
        lambda f, p: f.get("supervised") is False and _gt(f.get("employed_days"), p["supervision_interval_days"]),
    ),
    "appraisal_overdue": (
        "staff",
        lambda f, p: (
            _gte(f.get("employed_days"), p["appraisal_after_days_employed"])
            and (_gt(f.get("days_since_appraisal"), p["appraisal_interval_days"]) or f.get("appraised") is False)
        ),
    ),
    "dbs_missing": ("staff", lambda f, p: f.get("has_dbs") is False),
    "dbs_recheck_due": (
        "staff",
        lambda f, p: f.get("dbs_update_service") is False and _gte(f.get("dbs_age_months"), p["dbs_recheck_months"]),
    ),
    "medication_competency_overdue": (
        "staff",
        lambda f, p: (
            f.get("administers_medication") is True
            and (
                _gt(f.get("days_since_medication_competency"), p["medication_competency_days"])
                or f.get("medication_competency_assessed") is False
            )
        ),
    ),
    "death_not_notified": ("incident", _not_notified("death")),
    "serious_injury_not_notified": ("incident", _not_notified("serious_injury")),
    "abuse_allegation_not_notified": ("incident", _not_notified("abuse_allegation")),
    "police_incident_not_notified": (
        "incident",
        lambda f, p: (
            f.get("notified") is False
            and _gt(f.get("hours_since_occurred"), p["notification_sla_hours"])
            and (f.get("category") == "police_incident" or f.get("reported_to_police") is True)
        ),
    ),
    "notification_late": (
        "incident",
        lambda f, p: (
            f.get("category") in _NOTIFIABLE
            and f.get("notified") is True
            and _gt(f.get("hours_to_notification"), p["notification_sla_hours"])
        ),
    ),
    "repeated_medication_errors": (
        "location",
        lambda f, p: _gte(f.get("medication_errors_in_window"), p["repeated_medication_errors"]),
    ),
    "safeguarding_not_referred": (
        "safeguarding",
        lambda f, p: (
            f.get("referred") is False
            and f.get("no_referral_reason_recorded") is True
            and _gt(f.get("days_since_raised"), p["safeguarding_referral_days"])
        ),
    ),
    "complaint_not_acknowledged": (
        "complaint",
        lambda f, p: _gt(f.get("working_days_to_acknowledge"), p["complaint_acknowledge_working_days"]),
    ),
    "complaint_response_overdue": (
        "complaint",
        lambda f, p: (
            f.get("responded") is False and _gt(f.get("working_days_to_respond"), p["complaint_response_working_days"])
        ),
    ),
    "complaint_answered_late": (
        "complaint",
        lambda f, p: (
            f.get("responded") is True and _gt(f.get("working_days_to_respond"), p["complaint_response_working_days"])
        ),
    ),
    "no_registered_manager": (
        "location",
        lambda f, p: f.get("registered_manager_required") is True and f.get("has_registered_manager") is False,
    ),
    "manager_recruitment_not_started": (
        "location",
        lambda f, p: (
            f.get("registered_manager_required") is True
            and f.get("has_registered_manager") is False
            and f.get("manager_recruitment_started") is False
        ),
    ),
    "planned_manager_absence_not_notified": (
        "manager_absence",
        lambda f, p: (
            f.get("planned") is True
            and f.get("notified") is False
            and _gte(f.get("expected_days"), p["manager_absence_notifiable_days"])
            and _lt(f.get("days_until_start"), p["manager_absence_notice_days"])
        ),
    ),
    "emergency_manager_absence_not_notified": (
        "manager_absence",
        lambda f, p: (
            f.get("planned") is False
            and f.get("notified") is False
            and _gte(f.get("expected_days"), p["manager_absence_notifiable_days"])
            and _gt(f.get("working_days_since_start"), p["manager_absence_emergency_working_days"])
        ),
    ),
    "registration_condition_not_met": (
        "registration_condition",
        lambda f, p: f.get("met") is False and f.get("reason_recorded") is False,
    ),
    "pir_not_returned": (
        "location",
        lambda f, p: (
            f.get("pir_requested") is True
            and f.get("pir_returned") is False
            and _gt(f.get("days_since_pir_request"), p["pir_return_days"])
        ),
    ),
    "medication_audit_overdue": ("audit", _audit("medication", "medication_audit_days")),
    "infection_control_audit_overdue": ("audit", _audit("infection_control", "infection_control_audit_days")),
    "care_plan_audit_overdue": ("audit", _audit("care_plans", "care_plan_audit_days")),
    "health_and_safety_audit_overdue": ("audit", _audit("health_and_safety", "health_and_safety_audit_days")),
    "no_recent_person_feedback": (
        "location",
        lambda f, p: (
            f.get("days_since_person_feedback") is None or f["days_since_person_feedback"] > p["person_feedback_days"]
        ),
    ),
    "evidence_category_stale": (
        "evidence_category",
        lambda f, p: (
            f.get("expected") is True
            and (_gt(f.get("days_since_latest"), p["evidence_window_days"]) or f.get("has_evidence") is False)
        ),
    ),
    "rating_not_displayed_at_premises": (
        "location",
        lambda f, p: (
            f.get("rated") is True
            and f.get("rating_displayed_premises") is False
            and _gt(f.get("days_since_rating_published"), p["rating_display_days"])
        ),
    ),
    "rating_not_displayed_on_website": (
        "location",
        lambda f, p: (
            f.get("rated") is True
            and f.get("has_website") is True
            and f.get("rating_displayed_website") is False
            and _gt(f.get("days_since_rating_published"), p["rating_display_days"])
        ),
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "(none)"


class FloorRule:
    """One hand-written rule bound to the ruleset's metadata, with what its hits need precomputed."""

    __slots__ = ("check", "emit", "engine_key", "message", "parameters", "rule", "source")

    def __init__(self, rule: Rule, engine_key: str, check: Check, ruleset: Ruleset, parameters: dict[str, Any]) -> None:
        self.rule = rule
        self.engine_key = engine_key
        self.check = check
        self.message = rule.message or rule.title
        self.source = ruleset.source(rule.source) or Source(id=rule.source, title=rule.source)
        self.parameters = parameters
        self.emit = dict(rule.emit)


class Floor:
    """The hand-written ruleset: rules indexed by fact type, parameters bound once."""

    def __init__(
        self,
        ruleset: Ruleset,
        params: Mapping[str, Any],
        rule_keys: Mapping[str, str],
        rule_parameters: Callable[[Rule], dict[str, Any]],
    ) -> None:
        declared = {rule.id for rule in ruleset.rules}
        if declared != set(FLOOR):
            raise SystemExit(
                "bench/floor.py is out of date with the ruleset: "
                f"missing {sorted(declared - set(FLOOR))}, extra {sorted(set(FLOOR) - declared)}"
            )
        self.ruleset = ruleset
        self.params = dict(params)
        self.by_type: dict[str, list[FloorRule]] = {}
        for rule in ruleset.rules:
            fact_type, check = FLOOR[rule.id]
            if fact_type != rule.fact:
                raise SystemExit(f"bench/floor.py: rule {rule.id} is on {rule.fact}, the floor says {fact_type}")
            floor_rule = FloorRule(rule, rule_keys[rule.id], check, ruleset, rule_parameters(rule))
            self.by_type.setdefault(rule.fact, []).append(floor_rule)

    def matches(self, facts: Iterable[Fact]) -> list[tuple[str, str]]:
        """(engine rule key, fact id) of every rule that holds on every fact: the engine's raw output."""
        params, by_type = self.params, self.by_type
        out = []
        for fact in facts:
            for rule in by_type.get(fact["type"], ()):
                if rule.check(fact, params):
                    out.append((rule.engine_key, fact["id"]))
        return out

    def hits(self, facts: Iterable[Fact], partition: str, as_of: dt.date) -> tuple[RuleHit, ...]:
        """Every rule that holds on every fact, explained as the engine explains it."""
        params, by_type, ruleset = self.params, self.by_type, self.ruleset
        found = []
        for fact in facts:
            for rule in by_type.get(fact["type"], ()):
                if rule.check(fact, params):
                    values = _Blank(params)
                    values.update(fact)
                    definition = rule.rule
                    found.append(
                        RuleHit(
                            ruleset_id=ruleset.id,
                            ruleset_version=ruleset.version,
                            rule_id=definition.id,
                            title=definition.title,
                            severity=definition.severity,
                            subject=str(fact.get("subject", "")),
                            message=rule.message.format_map(values),
                            maps_to=definition.maps_to,
                            source=rule.source,
                            facts=dict(fact),
                            parameters=rule.parameters,
                            partition=partition,
                            as_of=as_of,
                            emit={k: v.format_map(values) if isinstance(v, str) else v for k, v in rule.emit.items()},
                            citation=definition.citation,
                        )
                    )
        found.sort(key=lambda h: h.sort_key)
        return tuple(found)
