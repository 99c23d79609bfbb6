"""Measures a ``Location`` as of a date: day counts, ages, expiries, counts in windows.

Every fact carries ``type``, ``subject`` (a pseudonymous record key such as
``person:R07/care_plan:CP-R07``) and scalar measurements. Unknown values are omitted, never ``None``.
The fact types and their fields are declared in ``FACT_TYPES`` (``mipr rules facts`` lists them).
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.model import Audit, Location, StaffMember, TrainingRecord
from mipr_rules.model.vocabulary import EvidenceCategory, FeedbackSource, IncidentCategory

INT, B, S = "integer", "boolean", "string"

FACT_TYPES = (
    FactType(
        "location",
        "The location as a whole",
        {
            "registered_manager_required": B,
            "has_registered_manager": B,
            "manager_recruitment_started": B,
            "days_since_manager_recruitment_started": INT,
            "medication_errors_in_window": INT,
            "days_since_person_feedback": INT,
            "rated": B,
            "days_since_rating_published": INT,
            "rating_displayed_premises": B,
            "rating_displayed_website": B,
            "has_website": B,
            "days_to_premises_display": INT,
            "days_to_website_display": INT,
            "pir_requested": B,
            "pir_returned": B,
            "days_since_pir_request": INT,
            "care_home": B,
            "people": INT,
            "staff": INT,
        },
    ),
    FactType(
        "care_plan",
        "A person's care plan",
        {
            "person": S,
            "active": B,
            "reviewed": B,
            "days_since_review": INT,
            "days_since_created": INT,
            "days_since_needs_changed_unreviewed": INT,
        },
    ),
    FactType("risk_assessment", "A person's risk assessment", {"person": S, "kind": S, "days_since_review": INT}),
    FactType(
        "training",
        "A staff member's course: every course recorded and every required course",
        {
            "staff": S,
            "course": S,
            "required": B,
            "recorded": B,
            "days_until_expiry": INT,
            "days_since_expiry": INT,
            "days_since_completed": INT,
        },
    ),
    FactType(
        "staff",
        "A member of staff in post",
        {
            "role": S,
            "employed_days": INT,
            "supervised": B,
            "days_since_supervision": INT,
            "appraised": B,
            "days_since_appraisal": INT,
            "has_dbs": B,
            "dbs_age_months": INT,
            "dbs_update_service": B,
            "administers_medication": B,
            "medication_competency_assessed": B,
            "days_since_medication_competency": INT,
        },
    ),
    FactType(
        "incident",
        "An incident",
        {
            "category": S,
            "notified": B,
            "hours_since_occurred": INT,
            "hours_to_notification": INT,
            "days_since_occurred": INT,
            "reported_to_police": B,
        },
    ),
    FactType(
        "safeguarding",
        "A safeguarding concern",
        {
            "referred": B,
            "no_referral_reason_recorded": B,
            "days_since_raised": INT,
            "days_to_referral": INT,
        },
    ),
    FactType(
        "complaint",
        "A complaint",
        {
            "acknowledged": B,
            "responded": B,
            "working_days_to_acknowledge": INT,
            "working_days_to_respond": INT,
        },
    ),
    FactType(
        "audit",
        "The latest audit of each kind",
        {"kind": S, "days_since_last": INT, "last_done": S, "actions_open": INT},
    ),
    FactType(
        "manager_absence",
        "An absence of the registered manager",
        {
            "planned": B,
            "expected_days": INT,
            "notified": B,
            "days_until_start": INT,
            "working_days_since_start": INT,
        },
    ),
    FactType("registration_condition", "A condition of registration", {"met": B, "reason_recorded": B}),
    FactType(
        "evidence_category",
        "Evidence held per SAF evidence category",
        {
            "category": S,
            "expected": B,
            "has_evidence": B,
            "days_since_latest": INT,
        },
    ),
)


def _days(earlier: dt.date | None, later: dt.date) -> int | None:
    return None if earlier is None else (later - earlier).days


def _fact(type_: str, subject: str, **fields: Any) -> Fact:
    fact = {"type": type_, "subject": subject}
    for key, value in fields.items():
        if value is not None:
            fact[key] = value
    return fact


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day + relativedelta(months=months)``: the same day ``months`` later, clipped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _whole_months(later: dt.date, earlier: dt.date) -> int:
    """Whole months from ``earlier`` to ``later``, counted as ``relativedelta(later, earlier)`` counts them."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later >= earlier:
        while _add_months(earlier, months) > later:
            months -= 1
    else:
        while _add_months(earlier, months) < later:
            months += 1
    return months


def _hours(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 3600)


@attrs.frozen
class LocationFacts:
    """The built-in calculator for locations."""

    name: str = "location"
    subject_type: type = Location
    fact_types: tuple[FactType, ...] = FACT_TYPES

    def calculate(self, subject: Location, context: FactContext) -> Iterator[Fact]:
        """Yield every fact of ``subject`` as of ``context.as_of``."""
        as_of, params = context.as_of, context.parameters
        yield self._location(subject, context)
        for person in subject.people:
            if person.discharged and person.discharged <= as_of:
                continue
            pid = person.person_id
            for plan in person.care_plans:
                reviewed_after_change = plan.needs_changed is None or (
                    plan.last_reviewed is not None and plan.last_reviewed >= plan.needs_changed
                )
                yield _fact(
                    "care_plan",
                    f"person:{pid}/care_plan:{plan.plan_id}",
                    person=pid,
                    active=plan.active,
                    reviewed=plan.last_reviewed is not None,
                    days_since_review=_days(plan.last_reviewed, as_of),
                    days_since_created=_days(plan.created, as_of),
                    days_since_needs_changed_unreviewed=None
                    if reviewed_after_change
                    else _days(plan.needs_changed, as_of),
                )
            for risk in person.risk_assessments:
                yield _fact(
                    "risk_assessment",
                    f"person:{pid}/risk_assessment:{risk.assessment_id}",
                    person=pid,
                    kind=risk.kind,
                    days_since_review=_days(risk.last_reviewed, as_of),
                )
        for member in subject.staff:
            if member.left and member.left <= as_of:
                continue
            yield self._staff(member, as_of)
            yield from self._training(member, as_of, params)
        yield from self._incidents(subject, context)
        for concern in subject.safeguarding:
            yield _fact(
                "safeguarding",
                f"safeguarding:{concern.concern_id}",
                referred=concern.referred_to_la is not None,
                no_referral_reason_recorded=not concern.referral_not_required_reason,
                days_since_raised=_days(concern.raised, as_of),
                days_to_referral=_days(concern.raised, concern.referred_to_la) if concern.referred_to_la else None,
            )
        for complaint in subject.complaints:
            yield _fact(
                "complaint",
                f"complaint:{complaint.complaint_id}",
                acknowledged=complaint.acknowledged is not None,
                responded=complaint.responded is not None,
                working_days_to_acknowledge=context.calendar.between(
                    complaint.received, complaint.acknowledged or as_of
                ),
                working_days_to_respond=context.calendar.between(complaint.received, complaint.responded or as_of),
            )
        latest: dict[str, Any] = {}
        for audit in subject.audits:
            if audit.completed <= as_of and (
                audit.kind not in latest or audit.completed > latest[audit.kind].completed
            ):
                latest[audit.kind] = audit
        for kind in sorted(set(latest) | set(params.get("audit_kinds_expected", ()))):
            last: Audit | None = latest.get(kind)
            yield _fact(
                "audit",
                f"audit:{kind}",
                kind=kind,
                days_since_last=_days(last.completed, as_of) if last else None,
                last_done=f"{_days(last.completed, as_of)} days ago" if last else "never",
                actions_open=last.actions_open if last else None,
            )
        for index, absence in enumerate(subject.manager_absences):
            yield _fact(
                "manager_absence",
                f"manager_absence:{absence.start.isoformat()}#{index}",
                planned=absence.planned,
                expected_days=absence.expected_days,
                notified=absence.notified is not None,
                days_until_start=(absence.start - as_of).days,
                working_days_since_start=context.calendar.between(absence.start, as_of),
            )
        for index, condition in enumerate(subject.conditions):
            yield _fact(
                "registration_condition",
                f"condition:{index + 1}",
                met=condition.met,
                reason_recorded=bool(condition.reason),
            )
        yield from self._evidence(subject, as_of, params)

    def _location(self, loc: Location, context: FactContext) -> Fact:
        as_of, params = context.as_of, context.parameters
        window = int(params.get("medication_error_window_days", 30))
        since = context.as_of_end - dt.timedelta(days=window)
        errors = sum(
            1
            for i in loc.incidents
            if i.category is IncidentCategory.MEDICATION_ERROR and since < i.occurred <= context.as_of_end
        )
        person_feedback = [
            f.received
            for f in loc.feedback
            if f.source in (FeedbackSource.PERSON, FeedbackSource.RELATIVE) and f.received <= as_of
        ]
        rating, display = loc.current_rating, loc.rating_display
        published = rating.published if rating else None
        return _fact(
            "location",
            "location",
            registered_manager_required=loc.registered_manager_required,
            has_registered_manager=loc.registered_manager_id is not None,
            manager_recruitment_started=loc.manager_recruitment_started is not None,
            days_since_manager_recruitment_started=_days(loc.manager_recruitment_started, as_of),
            medication_errors_in_window=errors,
            days_since_person_feedback=_days(max(person_feedback), as_of) if person_feedback else None,
            rated=rating is not None and rating.overall is not None,
            days_since_rating_published=_days(published, as_of),
            rating_displayed_premises=bool(display and display.premises and display.premises <= as_of),
            rating_displayed_website=bool(display and display.website and display.website <= as_of),
            has_website=display.has_website if display else True,
            days_to_premises_display=_days(published, display.premises)
            if display and display.premises and published
            else None,
            days_to_website_display=_days(published, display.website)
            if display and display.website and published
            else None,
            pir_requested=loc.pir_requested is not None,
            pir_returned=loc.pir_returned is not None,
            days_since_pir_request=_days(loc.pir_requested, as_of),
            care_home=loc.care_home,
            people=len(loc.people),
            staff=len(loc.staff),
        )

    @staticmethod
    def _staff(member: StaffMember, as_of: dt.date) -> Fact:
        held = [s.held for s in member.supervisions if s.kind == "supervision" and s.held <= as_of]
        appraised = [s.held for s in member.supervisions if s.kind == "appraisal" and s.held <= as_of]
        dbs = member.dbs
        dbs_months = None
        if dbs is not None:
            dbs_months = _whole_months(as_of, dbs.issued)
        return _fact(
            "staff",
            f"staff:{member.staff_id}",
            role=member.role,
            employed_days=_days(member.started, as_of),
            supervised=bool(held),
            days_since_supervision=_days(max(held), as_of) if held else None,
            appraised=bool(appraised),
            days_since_appraisal=_days(max(appraised), as_of) if appraised else None,
            has_dbs=dbs is not None,
            dbs_age_months=dbs_months,
            dbs_update_service=bool(dbs and dbs.update_service),
            administers_medication=member.administers_medication,
            medication_competency_assessed=member.medication_competency_assessed is not None,
            days_since_medication_competency=_days(member.medication_competency_assessed, as_of),
        )

    @staticmethod
    def _training(member: StaffMember, as_of: dt.date, params: Mapping[str, Any]) -> Iterator[Fact]:
        refresh: Mapping[str, int] = params.get("training_refresh_months", {})
        required = set(params.get("required_courses", ()))
        latest: dict[str, TrainingRecord] = {}
        for done in member.training:
            if done.completed <= as_of and (
                done.course not in latest or done.completed > latest[done.course].completed
            ):
                latest[done.course] = done
        for course in sorted(set(latest) | required):
            record = latest.get(course)
            expiry = None
            if record is not None:
                expiry = record.expires
                if expiry is None and course in refresh:
                    expiry = _add_months(record.completed, int(refresh[course]))
            yield _fact(
                "training",
                f"staff:{member.staff_id}/training:{course}",
                staff=member.staff_id,
                course=course,
                required=course in required,
                recorded=record is not None,
                days_until_expiry=(expiry - as_of).days if expiry else None,
                days_since_expiry=(as_of - expiry).days if expiry and expiry < as_of else None,
                days_since_completed=_days(record.completed, as_of) if record else None,
            )

    @staticmethod
    def _incidents(loc: Location, context: FactContext) -> Iterator[Fact]:
        end = context.as_of_end
        for incident in loc.incidents:
            if incident.occurred > end:
                continue
            notified = incident.cqc_notified is not None and incident.cqc_notified <= end
            yield _fact(
                "incident",
                f"incident:{incident.incident_id}",
                category=incident.category.value,
                notified=notified,
                hours_since_occurred=_hours(incident.occurred, end),
                hours_to_notification=_hours(incident.occurred, incident.cqc_notified) if notified else None,  # type: ignore[arg-type]
                days_since_occurred=(context.as_of - incident.occurred.date()).days,
                reported_to_police=incident.reported_to_police,
            )

    @staticmethod
    def _evidence(loc: Location, as_of: dt.date, params: Mapping[str, Any]) -> Iterator[Fact]:
        dates: dict[str, list[dt.date]] = {c.value: [] for c in EvidenceCategory}
        by_source = {
            FeedbackSource.PERSON: EvidenceCategory.PEOPLES_EXPERIENCE,
            FeedbackSource.RELATIVE: EvidenceCategory.PEOPLES_EXPERIENCE,
            FeedbackSource.STAFF: EvidenceCategory.STAFF_AND_LEADERS,
            FeedbackSource.PARTNER: EvidenceCategory.PARTNERS,
        }
        for feedback in loc.feedback:
            dates[by_source[feedback.source].value].append(feedback.received)
        for audit in loc.audits:
            dates[EvidenceCategory.PROCESSES.value].append(audit.completed)
        for item in loc.evidence:
            dates[item.category.value].append(item.collected)
        expected = set(params.get("evidence_categories_expected", [c.value for c in EvidenceCategory]))
        for category, seen in dates.items():
            seen = [d for d in seen if d <= as_of]
            yield _fact(
                "evidence_category",
                f"evidence:{category}",
                category=category,
                expected=category in expected,
                has_evidence=bool(seen),
                days_since_latest=_days(max(seen), as_of) if seen else None,
            )


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    register(LocationFacts())
