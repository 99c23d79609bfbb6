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
    """An audit or check of ``kind`` last done more than ``param`` days ago, or never."""

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


def _policy_review(kind: str, param: str) -> Check:
    """A policy of ``kind`` reviewed more than ``param`` days ago, or not held."""

    def check(f: Fact, p: Params) -> bool:
        return f.get("kind") == kind and (_gt(f.get("days_since_review"), p[param]) or f.get("held") is False)

    return check


def _admitted_without(flag: str, param: str) -> Check:
    """A person admitted more than ``param`` days ago with ``flag`` false."""

    def check(f: Fact, p: Params) -> bool:
        return f.get(flag) is False and _gt(f.get("days_since_admitted"), p[param])

    return check


def _flag_without(flag: str, missing: str) -> Check:
    """``flag`` true and ``missing`` false on the same fact."""

    def check(f: Fact, p: Params) -> bool:
        return f.get(flag) is True and f.get(missing) is False

    return check


def _is_false(field: str) -> Check:
    def check(f: Fact, p: Params) -> bool:
        return f.get(field) is False

    return check


def _no_recent(field: str, param: str) -> Check:
    """``field`` (days since) over ``param``, or absent."""

    def check(f: Fact, p: Params) -> bool:
        days = f.get(field)
        return days is None or days > p[param]

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
    # Added with cqc-readiness 1.1.0.
    "no_care_plan": ("person", _admitted_without("has_care_plan", "care_plan_initial_days")),
    "pressure_risk_not_assessed": ("person", _admitted_without("pressure_risk_assessed", "pressure_assessment_days")),
    "medicines_not_reconciled": (
        "person",
        lambda f, p: (
            f.get("has_medicines") is True
            and f.get("medicines_reconciled") is False
            and _gt(f.get("days_since_admitted"), p["medicines_reconciliation_days"])
        ),
    ),
    "medication_review_overdue": (
        "person",
        lambda f, p: (
            f.get("has_medicines") is True
            and _gt(f.get("days_since_admitted"), p["medication_review_days"])
            and (
                _gt(f.get("days_since_medication_review"), p["medication_review_days"])
                or f.get("medication_reviewed") is False
            )
        ),
    ),
    "nutrition_screening_overdue": (
        "person",
        lambda f, p: (
            _gt(f.get("days_since_admitted"), p["nutrition_screening_days"])
            and (
                _gt(f.get("days_since_nutrition_screening"), p["nutrition_screening_days"])
                or f.get("nutrition_screened") is False
            )
        ),
    ),
    "weight_loss_not_acted_on": (
        "person",
        lambda f, p: (
            _gte(f.get("weight_loss_percent"), p["weight_loss_percent"])
            and f.get("rescreened_since_weight_loss") is False
        ),
    ),
    "peep_missing": (
        "person",
        lambda f, p: (
            f.get("in_care_home") is True
            and f.get("has_peep") is False
            and _gt(f.get("days_since_admitted"), p["peep_days"])
        ),
    ),
    "peep_review_overdue": (
        "person",
        lambda f, p: f.get("in_care_home") is True and _gt(f.get("days_since_peep_review"), p["peep_review_days"]),
    ),
    "communication_needs_not_recorded": (
        "person",
        _admitted_without("communication_needs_recorded", "communication_needs_days"),
    ),
    "communication_support_not_arranged": (
        "person",
        _flag_without("communication_support_needed", "communication_support_in_place"),
    ),
    "about_me_missing": ("person", _admitted_without("about_me_recorded", "about_me_days")),
    "dignity_preferences_not_recorded": (
        "person",
        _admitted_without("care_preferences_recorded", "dignity_preferences_days"),
    ),
    "advance_care_plan_not_offered": ("person", _admitted_without("has_advance_care_plan", "advance_care_plan_days")),
    "advance_care_plan_review_overdue": (
        "person",
        lambda f, p: _gt(f.get("days_since_advance_care_plan_review"), p["advance_care_plan_review_days"]),
    ),
    "hospital_passport_missing": (
        "person",
        lambda f, p: (
            _gt(f.get("days_since_admitted"), p["hospital_passport_days"])
            and (
                f.get("has_hospital_passport") is False
                or _gt(f.get("days_since_hospital_passport_review"), p["hospital_passport_review_days"])
            )
        ),
    ),
    "care_plan_reviewed_without_person": ("care_plan", _flag_without("active", "person_involved")),
    "mar_exception_open": (
        "mar_exception",
        lambda f, p: f.get("resolved") is False and _gt(f.get("days_since_recorded"), p["mar_resolution_days"]),
    ),
    "prn_protocol_missing": ("medicine", _flag_without("prn", "prn_protocol")),
    "covert_medication_without_best_interests": ("medicine", _flag_without("covert", "best_interests_recorded")),
    "controlled_drugs_check_overdue": ("check", _audit("controlled_drugs", "controlled_drugs_check_days")),
    "best_interests_not_recorded": ("capacity_assessment", _flag_without("lacks_capacity", "best_interests_recorded")),
    "capacity_assessment_review_overdue": ("capacity_assessment", lambda f, p: _gt(f.get("days_past_review"), 0)),
    "dols_expired": (
        "dols",
        lambda f, p: (
            f.get("granted") is True and f.get("renewal_applied") is False and _lt(f.get("days_until_expiry"), 0)
        ),
    ),
    "dols_expiring": (
        "dols",
        lambda f, p: (
            f.get("granted") is True
            and f.get("renewal_applied") is False
            and f.get("days_until_expiry") is not None
            and 0 <= f["days_until_expiry"] <= p["dols_expiry_warning_days"]
        ),
    ),
    "dols_conditions_not_met": (
        "dols",
        lambda f, p: f.get("granted") is True and _gt(f.get("conditions"), 0) and f.get("conditions_met") is False,
    ),
    "dols_outcome_not_notified": ("incident", _not_notified("dols_outcome")),
    "service_disruption_not_notified": ("incident", _not_notified("service_disruption")),
    "duty_of_candour_not_met": (
        "incident",
        lambda f, p: (
            f.get("notifiable_safety_incident") is True
            and f.get("candour_notified") is False
            and _gt(f.get("days_since_occurred"), p["candour_notification_days"])
        ),
    ),
    "fall_not_followed_up": (
        "incident",
        lambda f, p: (
            f.get("category") == "fall"
            and f.get("falls_risk_reviewed_after") is False
            and _gt(f.get("days_since_occurred"), p["falls_review_days"])
        ),
    ),
    "fire_alarm_test_overdue": ("check", _audit("fire_alarm_test", "fire_alarm_test_days")),
    "fire_drill_overdue": ("check", _audit("fire_drill", "fire_drill_days")),
    "call_bell_audit_overdue": ("check", _audit("call_bell_response", "call_bell_audit_days")),
    "staffing_below_dependency": (
        "staffing",
        lambda f, p: _gt(f.get("shortfall_percent"), p["staffing_shortfall_percent"]),
    ),
    "staffing_review_overdue": (
        "staffing",
        lambda f, p: _gt(f.get("days_since_review"), p["staffing_review_days"]) or f.get("reviewed") is False,
    ),
    "recruitment_checks_not_recorded": ("staff", _is_false("recruitment_recorded")),
    "employment_history_incomplete": (
        "staff",
        lambda f, p: f.get("employment_history_complete") is False or f.get("employment_gaps_explained") is False,
    ),
    "references_missing": ("staff", lambda f, p: _lt(f.get("references"), p["references_required"])),
    "health_declaration_missing": ("staff", _is_false("health_declaration")),
    "right_to_work_not_checked": ("staff", _is_false("right_to_work_checked")),
    "care_certificate_overdue": (
        "staff",
        lambda f, p: (
            f.get("new_to_care") is True
            and f.get("care_certificate") is False
            and _gt(f.get("employed_days"), p["care_certificate_days"])
        ),
    ),
    "learning_disability_autism_training_missing": (
        "staff",
        lambda f, p: (
            f.get("learning_disability_autism_training") is False
            and _gt(f.get("employed_days"), p["learning_disability_autism_training_days"])
        ),
    ),
    "feedback_not_acted_on": (
        "feedback",
        lambda f, p: f.get("actioned") is False and _gt(f.get("days_since_received"), p["feedback_action_days"]),
    ),
    "no_recent_staff_feedback": ("location", _no_recent("days_since_staff_feedback", "staff_feedback_days")),
    "no_recent_partner_feedback": ("location", _no_recent("days_since_partner_feedback", "partner_feedback_days")),
    "audit_actions_open": (
        "audit",
        lambda f, p: _gt(f.get("actions_open"), 0) and _gt(f.get("days_since_last"), p["audit_action_days"]),
    ),
    "statement_of_purpose_review_overdue": (
        "policy",
        _policy_review("statement_of_purpose", "statement_of_purpose_review_days"),
    ),
    "whistleblowing_policy_review_overdue": (
        "policy",
        _policy_review("whistleblowing", "whistleblowing_policy_review_days"),
    ),
    "equality_diversity_policy_review_overdue": (
        "policy",
        _policy_review("equality_diversity", "governance_review_days"),
    ),
    "equality_outcomes_review_overdue": (
        "policy",
        _policy_review("equality_outcomes_review", "governance_review_days"),
    ),
    "sustainability_plan_review_overdue": ("policy", _policy_review("sustainability", "governance_review_days")),
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
