"""What evidence a location's records hold for each quality statement: counts of records, measured only.

Each quality statement has the kinds of record that can inform it (``STATEMENT_EVIDENCE``). A statement
whose records hold none of them is one the records cannot inform (people's experience, observation): the
prediction ruleset ``saf-prediction-2024`` then predicts no score for it. The counts are of records held,
whatever their age; whether they are recent enough is what the readiness alerts say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mipr_rules.model import Location
from mipr_rules.model.vocabulary import FeedbackSource

Measure = Callable[[Location], int]
"""Counts one kind of record in a location."""


def _people(test: Callable[..., object]) -> Measure:
    return lambda loc: sum(1 for p in loc.people if test(p))


def _care_plans(test: Callable[..., object]) -> Measure:
    return lambda loc: sum(1 for p in loc.people for c in p.care_plans if test(c))


def _audits(kind: str) -> Measure:
    return lambda loc: sum(1 for a in loc.audits if a.kind == kind)


def _checks(*kinds: str) -> Measure:
    return lambda loc: sum(1 for c in loc.checks if c.kind in kinds)


def _policies(kind: str) -> Measure:
    return lambda loc: sum(1 for p in loc.policies if p.kind == kind)


def _feedback(*sources: FeedbackSource) -> Measure:
    return lambda loc: sum(1 for f in loc.feedback if f.source in sources)


def _training(course: str) -> Measure:
    return lambda loc: sum(1 for s in loc.staff for t in s.training if t.course == course)


MEASURES: Mapping[str, Measure] = {
    "incidents": lambda loc: len(loc.incidents),
    "safeguarding_concerns": lambda loc: len(loc.safeguarding),
    "safeguarding_training": _training("safeguarding_adults"),
    "medicines_reconciliations": _people(lambda p: p.medicines_reconciled is not None),
    "hospital_passports": _people(lambda p: p.hospital_passport_reviewed is not None),
    "risk_assessments": lambda loc: sum(len(p.risk_assessments) for p in loc.people),
    "safety_checks": _checks("fire_alarm_test", "fire_drill"),
    "health_and_safety_audits": _audits("health_and_safety"),
    "peeps": _people(lambda p: p.peep_reviewed is not None),
    "staff_records": lambda loc: len(loc.staff),
    "staffing_reviews": lambda loc: len(loc.staffing_reviews),
    "infection_control_audits": _audits("infection_control"),
    "medicines": lambda loc: sum(len(p.medicines) for p in loc.people),
    "medication_audits": _audits("medication"),
    "controlled_drugs_checks": _checks("controlled_drugs"),
    "care_plans": _care_plans(lambda c: True),
    "medication_reviews": _people(lambda p: p.medication_reviewed is not None),
    "nutrition_screenings": _people(lambda p: p.nutrition_screened is not None),
    "weight_records": lambda loc: sum(len(p.weights) for p in loc.people),
    "capacity_assessments": lambda loc: sum(len(p.capacity_assessments) for p in loc.people),
    "dols_authorisations": lambda loc: sum(len(p.dols) for p in loc.people),
    "care_preferences": _people(lambda p: p.care_preferences_recorded),
    "about_me": _people(lambda p: p.about_me_recorded is not None),
    "care_plans_person_involved": _care_plans(lambda c: c.person_involved is True),
    "call_bell_audits": _checks("call_bell_response"),
    "staff_feedback": _feedback(FeedbackSource.STAFF),
    "care_plan_reviews": _care_plans(lambda c: c.last_reviewed is not None),
    "communication_needs": _people(lambda p: p.communication_needs_recorded is not None),
    "complaints": lambda loc: len(loc.complaints),
    "people_feedback": _feedback(FeedbackSource.PERSON, FeedbackSource.RELATIVE),
    "communication_support": _people(lambda p: p.communication_support_needed),
    "equality_outcomes_reviews": _policies("equality_outcomes_review"),
    "advance_care_plans": _people(lambda p: p.advance_care_plan_reviewed is not None),
    "statement_of_purpose": _policies("statement_of_purpose"),
    "registered_manager": lambda loc: 1 if loc.registered_manager_id else 0,
    "whistleblowing_policy": _policies("whistleblowing"),
    "equality_diversity_policy": _policies("equality_diversity"),
    "audits": lambda loc: len(loc.audits),
    "notified_incidents": lambda loc: sum(1 for i in loc.incidents if i.cqc_notified is not None),
    "partner_feedback": _feedback(FeedbackSource.PARTNER),
    "sustainability_plan": _policies("sustainability"),
}
"""Record kind → how to count it."""

STATEMENT_EVIDENCE: Mapping[str, tuple[str, ...]] = {
    "S1": ("incidents",),
    "S2": ("medicines_reconciliations", "hospital_passports"),
    "S3": ("safeguarding_concerns", "safeguarding_training"),
    "S4": ("risk_assessments",),
    "S5": ("safety_checks", "health_and_safety_audits", "peeps"),
    "S6": ("staff_records", "staffing_reviews"),
    "S7": ("infection_control_audits",),
    "S8": ("medicines", "medication_audits", "controlled_drugs_checks"),
    "E1": ("care_plans",),
    "E2": ("risk_assessments",),
    "E3": ("medication_reviews",),
    "E4": ("nutrition_screenings", "weight_records"),
    "E5": ("weight_records",),
    "E6": ("capacity_assessments", "dols_authorisations"),
    "C1": ("care_preferences",),
    "C2": ("about_me",),
    "C3": ("care_plans_person_involved",),
    "C4": ("call_bell_audits",),
    "C5": ("staff_feedback",),
    "R1": ("care_plan_reviews",),
    "R2": ("hospital_passports",),
    "R3": ("communication_needs",),
    "R4": ("complaints", "people_feedback"),
    "R5": ("communication_support",),
    "R6": ("equality_outcomes_reviews",),
    "R7": ("advance_care_plans",),
    "W1": ("statement_of_purpose",),
    "W2": ("registered_manager",),
    "W3": ("whistleblowing_policy", "staff_feedback"),
    "W4": ("equality_diversity_policy",),
    "W5": ("audits", "notified_incidents"),
    "W6": ("partner_feedback",),
    "W7": ("audits",),
    "W8": ("sustainability_plan",),
}
"""Quality statement → the kinds of record that can inform it (cqc.org.uk/assessment/quality-statements)."""


def statement_evidence(location: Location) -> dict[str, dict[str, int]]:
    """Quality statement → record kind → how many such records the location holds."""
    counted = {name: measure(location) for name, measure in MEASURES.items()}
    return {statement: {kind: counted[kind] for kind in kinds} for statement, kinds in STATEMENT_EVIDENCE.items()}
