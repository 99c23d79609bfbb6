"""Measures a ``Location`` as of a date: day counts, ages, expiries, counts in windows.

Every fact carries ``type``, ``subject`` (a pseudonymous record key such as
``person:R07/care_plan:CP-R07``) and scalar measurements. Unknown values are omitted, never ``None``.
The fact types and their fields are declared in ``FACT_TYPES`` (``mipr rules facts`` lists them).
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from operator import attrgetter
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.facts.base import Fact, FactContext, FactType, documented
from mipr_rules.facts.parts import Block, Each, Group, Part, measure_all
from mipr_rules.model import Audit, CarePlan, Incident, Location, Person, RiskAssessment, StaffMember, TrainingRecord
from mipr_rules.model.vocabulary import EvidenceCategory, FeedbackSource, IncidentCategory

INT, NUM, B, S = "integer", "number", "boolean", "string"
D, H, WD, M, PC, N = "days", "hours", "working_days", "months", "percent", "count"

FACT_TYPES = (
    documented(
        "location",
        "The location as a whole",
        {
            "registered_manager_required": (B, None, "A condition of registration requires a registered manager"),
            "has_registered_manager": (B, None, "A registered manager is recorded"),
            "manager_recruitment_started": (B, None, "Recruitment of a registered manager is recorded as started"),
            "days_since_manager_recruitment_started": (INT, D, "Days since that recruitment started"),
            "medication_errors_in_window": (
                INT,
                N,
                "Medication-error incidents within the last medication_error_window_days days",
            ),
            "days_since_person_feedback": (
                INT,
                D,
                "Days since the latest feedback from a person using the service or a relative; "
                "left out if there is none",
            ),
            "days_since_staff_feedback": (INT, D, "Days since the latest feedback from staff; left out if none"),
            "days_since_partner_feedback": (
                INT,
                D,
                "Days since the latest feedback from partners (GPs, commissioners...); left out if none",
            ),
            "rated": (B, None, "The location has a current overall CQC rating"),
            "days_since_rating_published": (INT, D, "Days since the current rating was published on CQC's website"),
            "rating_displayed_premises": (B, None, "The rating is displayed at the premises by the as-of date"),
            "rating_displayed_website": (B, None, "The rating is displayed on the provider's website"),
            "has_website": (B, None, "The provider has a website"),
            "days_to_premises_display": (INT, D, "Days from publication to display at the premises"),
            "days_to_website_display": (INT, D, "Days from publication to display on the website"),
            "pir_requested": (B, None, "CQC has asked for a Provider Information Return"),
            "pir_returned": (B, None, "The requested PIR was returned"),
            "days_since_pir_request": (INT, D, "Days since CQC asked for the PIR"),
            "care_home": (B, None, "The location is a care home"),
            "people": (INT, N, "People recorded (including discharged)"),
            "staff": (INT, N, "Staff recorded (including leavers)"),
        },
    ),
    documented(
        "person",
        "A person using the service on the as-of date",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "in_care_home": (B, None, "The person lives in a care home (the location is one)"),
            "days_since_admitted": (INT, D, "Days since care started; left out if no admission date is recorded"),
            "has_care_plan": (B, None, "At least one active care plan is recorded"),
            "pressure_risk_assessed": (B, None, "A pressure-area (pressure_ulcer) risk assessment is recorded"),
            "has_peep": (B, None, "A personal emergency evacuation plan (PEEP) is recorded"),
            "days_since_peep_review": (INT, D, "Days since the PEEP was written or reviewed"),
            "nutrition_screened": (B, None, "A nutrition screening (e.g. MUST) is recorded"),
            "days_since_nutrition_screening": (INT, D, "Days since the last nutrition screening"),
            "weight_loss_percent": (
                NUM,
                PC,
                "Loss from the highest weight in the last weight_loss_window_days days to the latest weight, "
                "as a percentage of the highest (0 if no loss); left out with fewer than two weights in the window",
            ),
            "rescreened_since_weight_loss": (
                B,
                None,
                "A nutrition screening is recorded on or after the latest weighing",
            ),
            "medicines_reconciled": (B, None, "The person's medicines were reconciled on admission"),
            "has_medicines": (B, None, "The person has at least one current prescription line"),
            "medication_reviewed": (B, None, "A medication review with the GP or a pharmacist is recorded"),
            "days_since_medication_review": (INT, D, "Days since that medication review"),
            "communication_needs_recorded": (
                B,
                None,
                "Communication needs are recorded (Accessible Information Standard)",
            ),
            "communication_support_needed": (B, None, "The person needs information or support in another format"),
            "communication_support_in_place": (B, None, "That format or support is arranged"),
            "about_me_recorded": (B, None, "Life history, preferences and what matters to the person are recorded"),
            "care_preferences_recorded": (
                B,
                None,
                "Privacy and dignity preferences (e.g. gender of carer) are recorded",
            ),
            "has_advance_care_plan": (B, None, "An advance care plan (or the discussion offering one) is recorded"),
            "days_since_advance_care_plan_review": (INT, D, "Days since the advance care plan was reviewed"),
            "has_hospital_passport": (B, None, "Transfer information for a hospital stay (passport) is recorded"),
            "days_since_hospital_passport_review": (INT, D, "Days since that transfer information was reviewed"),
        },
    ),
    documented(
        "care_plan",
        "A person's care plan",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "active": (B, None, "The plan is in use"),
            "reviewed": (B, None, "The plan has had a formal review"),
            "days_since_review": (INT, D, "Days since the last formal review"),
            "days_since_created": (INT, D, "Days since the plan was written"),
            "days_since_needs_changed_unreviewed": (
                INT,
                D,
                "Days since needs changed, when the plan has not been reviewed since; left out otherwise",
            ),
            "person_involved": (
                B,
                None,
                "The person or their representative took part in the last review; left out if not recorded",
            ),
        },
    ),
    documented(
        "risk_assessment",
        "A person's risk assessment",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "kind": (S, None, "What risk it assesses (falls, pressure_ulcer, nutrition...)"),
            "days_since_review": (INT, D, "Days since it was written or reviewed"),
        },
    ),
    documented(
        "medicine",
        "A person's current prescription line",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "prn": (B, None, "Prescribed when required (PRN)"),
            "prn_protocol": (B, None, "A PRN protocol is recorded"),
            "covert": (B, None, "Given covertly"),
            "best_interests_recorded": (B, None, "A best-interests decision for covert administration is recorded"),
            "controlled_drug": (B, None, "It is a controlled drug"),
        },
    ),
    documented(
        "mar_exception",
        "A gap or error on a medicines administration record",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "kind": (S, None, "Kind: gap or error"),
            "resolved": (B, None, "It was investigated and closed"),
            "days_since_recorded": (INT, D, "Days since the administration round it concerns"),
        },
    ),
    documented(
        "capacity_assessment",
        "A Mental Capacity Act assessment of one decision",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "decision": (S, None, "The decision assessed"),
            "lacks_capacity": (B, None, "The person was found to lack capacity for it"),
            "best_interests_recorded": (B, None, "A best-interests decision is recorded"),
            "days_since_assessed": (INT, D, "Days since the assessment"),
            "days_past_review": (
                INT,
                D,
                "Days since the review date the provider set passed (negative before it); left out if none",
            ),
        },
    ),
    documented(
        "dols",
        "A Deprivation of Liberty Safeguards application or authorisation",
        {
            "person": (S, None, "Pseudonymous id of the person"),
            "granted": (B, None, "The authorisation was granted"),
            "days_since_applied": (INT, D, "Days since the application"),
            "days_until_expiry": (INT, D, "Days until the authorisation ends (negative once ended)"),
            "days_since_expiry": (INT, D, "Days since the authorisation ended; left out until it has"),
            "conditions": (INT, N, "Conditions attached to it"),
            "conditions_met": (B, None, "Every condition is being complied with"),
            "renewal_applied": (B, None, "A further authorisation has been requested"),
        },
    ),
    documented(
        "training",
        "A staff member's course: every course recorded and every required course",
        {
            "staff": (S, None, "Pseudonymous id of the member of staff"),
            "course": (S, None, "Course key"),
            "required": (B, None, "The course is in required_courses"),
            "recorded": (B, None, "The course is on record"),
            "days_until_expiry": (INT, D, "Days until it expires (negative once expired); left out if no expiry"),
            "days_since_expiry": (INT, D, "Days since it expired; left out until it has"),
            "days_since_completed": (INT, D, "Days since it was completed"),
        },
    ),
    documented(
        "staff",
        "A member of staff in post",
        {
            "role": (S, None, "Role, e.g. care_worker, nurse, registered_manager"),
            "employed_days": (INT, D, "Days since employment started"),
            "supervised": (B, None, "A supervision is on record"),
            "days_since_supervision": (INT, D, "Days since the last supervision"),
            "appraised": (B, None, "An appraisal is on record"),
            "days_since_appraisal": (INT, D, "Days since the last appraisal"),
            "has_dbs": (B, None, "A DBS check is recorded"),
            "dbs_age_months": (INT, M, "Whole months since the DBS certificate was issued"),
            "dbs_update_service": (B, None, "The worker is on the DBS Update Service"),
            "administers_medication": (B, None, "The worker gives medicines"),
            "medication_competency_assessed": (B, None, "A medication competency assessment is recorded"),
            "days_since_medication_competency": (INT, D, "Days since that assessment"),
            "recruitment_recorded": (B, None, "Recruitment checks (Schedule 3 beyond DBS) are recorded"),
            "employment_history_complete": (B, None, "A full employment history is held; left out if not recorded"),
            "employment_gaps_explained": (B, None, "Every gap in it is explained; left out if not recorded"),
            "references": (INT, N, "Satisfactory references received; left out if not recorded"),
            "right_to_work_checked": (B, None, "The right to work was checked; left out if not recorded"),
            "health_declaration": (B, None, "Health information relevant to the role was obtained"),
            "new_to_care": (B, None, "The worker was new to care when employed"),
            "care_certificate": (B, None, "A care_certificate course is on record"),
            "learning_disability_autism_training": (
                B,
                None,
                "An oliver_mcgowan course (learning disability and autism) is on record",
            ),
        },
    ),
    documented(
        "staffing",
        "Staffing against the dependency tool: the latest review",
        {
            "reviewed": (B, None, "A staffing review against a dependency tool is recorded"),
            "days_since_review": (INT, D, "Days since the latest review"),
            "shortfall_percent": (
                NUM,
                PC,
                "Hours the tool requires but are not rostered, as a percentage of those required "
                "(0 when fully staffed)",
            ),
        },
    ),
    documented(
        "incident",
        "An incident",
        {
            "category": (S, None, "What happened (fall, death, serious_injury, dols_outcome, service_disruption...)"),
            "notified": (B, None, "CQC was notified (on or before the as-of date)"),
            "hours_since_occurred": (INT, H, "Hours since it happened"),
            "hours_to_notification": (INT, H, "Hours from it happening to the notification"),
            "days_since_occurred": (INT, D, "Days since it happened"),
            "reported_to_police": (B, None, "It was reported to or is investigated by the police"),
            "notifiable_safety_incident": (B, None, "It is a notifiable safety incident (duty of candour)"),
            "candour_notified": (B, None, "The person was told and given an apology under the duty of candour"),
            "falls_risk_reviewed_after": (
                B,
                None,
                "For a fall of a known person: their falls risk assessment was reviewed on or after the fall",
            ),
        },
    ),
    documented(
        "safeguarding",
        "A safeguarding concern",
        {
            "referred": (B, None, "It was referred to the local authority"),
            "no_referral_reason_recorded": (B, None, "No reason for not referring is recorded"),
            "days_since_raised": (INT, D, "Days since it was raised"),
            "days_to_referral": (INT, D, "Days from raising to referral"),
        },
    ),
    documented(
        "complaint",
        "A complaint",
        {
            "acknowledged": (B, None, "It was acknowledged"),
            "responded": (B, None, "It was answered in full"),
            "working_days_to_acknowledge": (INT, WD, "Working days to acknowledgement (or to the as-of date)"),
            "working_days_to_respond": (INT, WD, "Working days to the full response (or to the as-of date)"),
        },
    ),
    documented(
        "feedback",
        "Feedback that asked for a change (an agreed action)",
        {
            "source": (S, None, "Who gave it: person, relative, staff, partner"),
            "actioned": (B, None, "The agreed action was completed and fed back"),
            "days_since_received": (INT, D, "Days since it was received"),
        },
    ),
    documented(
        "audit",
        "The latest audit of each kind",
        {
            "kind": (S, None, "Audit kind"),
            "days_since_last": (INT, D, "Days since the latest audit of the kind; left out if never done"),
            "last_done": (S, None, "Text for messages: '<n> days ago' or 'never'"),
            "actions_open": (INT, N, "Actions from the latest audit still open"),
        },
    ),
    documented(
        "check",
        "The latest routine safety check of each kind (fire alarm test, fire drill, controlled drugs, call bells)",
        {
            "kind": (S, None, "Check kind"),
            "days_since_last": (INT, D, "Days since the latest check of the kind; left out if never done"),
            "last_done": (S, None, "Text for messages: '<n> days ago' or 'never'"),
            "issues_open": (INT, N, "Problems the latest check found that are still open"),
        },
    ),
    documented(
        "policy",
        "A governance document the provider keeps under review, per kind expected or held",
        {
            "kind": (S, None, "Document kind (statement_of_purpose, whistleblowing, equality_diversity...)"),
            "held": (B, None, "The document is held"),
            "days_since_review": (INT, D, "Days since it was written or last reviewed"),
        },
    ),
    documented(
        "manager_absence",
        "An absence of the registered manager",
        {
            "planned": (B, None, "Planned (not an emergency)"),
            "expected_days": (INT, D, "Expected or actual length"),
            "notified": (B, None, "CQC was notified"),
            "days_until_start": (INT, D, "Days until it starts (negative once started)"),
            "working_days_since_start": (INT, WD, "Working days since it started"),
        },
    ),
    documented(
        "registration_condition",
        "A condition of registration",
        {
            "met": (B, None, "It is being met"),
            "reason_recorded": (B, None, "A good reason for not meeting it is recorded"),
        },
    ),
    documented(
        "evidence_category",
        "Evidence held per SAF evidence category",
        {
            "category": (S, None, "Evidence category key"),
            "expected": (B, None, "The category is in evidence_categories_expected"),
            "has_evidence": (B, None, "Some evidence is held"),
            "days_since_latest": (INT, D, "Days since the latest evidence"),
        },
    ),
)


def _days(earlier: dt.date | None, later: dt.date) -> int | None:
    return None if earlier is None else (later - earlier).days


def _one(make: Callable[..., Fact], *args: Any) -> tuple[Fact]:
    """The one fact ``make(*args)``, as a part's facts."""
    return (make(*args),)


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


_COLLECTION_PARTS = (
    "incidents",
    "staffing_reviews",
    "feedback",
    "checks",
    "policies",
    "safeguarding",
    "complaints",
    "audits",
    "manager_absences",
    "conditions",
    "evidence",
)
"""The collections the parts of the ``collections`` group read (with the people's falls risk assessments)."""
_collections = attrgetter(*_COLLECTION_PARTS)
_recorded = attrgetter("recorded")
_LAST_DAY = dt.date.max.toordinal()
_falls_read = attrgetter("person_id", "risk_assessments")
"""What the facts of the falls read of a person: the falls risk assessments."""
_OWN_PARTS = frozenset({"people", "staff", *_COLLECTION_PARTS})
"""Collections of a ``Location`` that parts of their own read (listed in each part's inputs)."""
_head = attrgetter(*(field.name for field in attrs.fields(Location) if field.name not in _OWN_PARTS))
"""Every field of a location but the collections with parts of their own: what the location fact may read."""


_OUTSIDE_PERSON_FACT = ("care_plans", "risk_assessments", "medicines", "mar_exceptions", "capacity_assessments", "dols")
"""A person's collections the person fact reads nothing of but what ``_person_reads`` derives from them."""
_PERSON_OWN = attrgetter(*(f.name for f in attrs.fields(Person) if f.name not in _OUTSIDE_PERSON_FACT))
PersonReads = tuple[tuple[Any, ...], bool, bool, bool, bool]
"""The person's other fields; in a care home; a care plan in force; pressure-ulcer risk assessed; any medicine."""


def _person_reads(person: Person, care_home: bool, as_of: dt.date) -> PersonReads:
    """All the person fact reads (the inputs of its part): every field of the person but the collections of
    ``_OUTSIDE_PERSON_FACT``, of which only what it derives from them."""
    return (
        _PERSON_OWN(person),
        care_home,
        any(p.active and p.created <= as_of for p in person.care_plans),
        any(r.kind == "pressure_ulcer" for r in person.risk_assessments),
        bool(person.medicines),
    )


def _in_care(as_of: dt.date, person: Person) -> str | None:
    """The key of a person's part; ``None`` once discharged."""
    return None if person.discharged and person.discharged <= as_of else f"person:{person.person_id}"


def _in_post(as_of: dt.date, member: StaffMember) -> str | None:
    """The key of a member of staff's part; ``None`` once left."""
    return None if member.left and member.left <= as_of else f"staff:{member.staff_id}"


@attrs.frozen
class LocationFacts:
    """The built-in calculator for locations."""

    name: str = "location"
    subject_type: type = Location
    fact_types: tuple[FactType, ...] = FACT_TYPES

    def calculate(self, subject: Location, context: FactContext) -> Iterator[Fact]:
        """Yield every fact of ``subject`` as of ``context.as_of`` (its parts' facts, in order)."""
        return measure_all(self.parts(subject, context))

    def parts(self, subject: Location, context: FactContext) -> Iterator[Block]:
        """The parts of ``subject`` (``mipr_rules.facts.parts``): the location fact, each person in care, each
        member of staff in post, then one part per collection of the location, each with what it reads."""
        as_of, params = context.as_of, context.parameters
        loc = subject
        yield Part(
            "location",
            (_head(loc), loc.incidents, loc.feedback, len(loc.people), len(loc.staff)),
            partial(self._location_facts, loc, context),
        )
        yield Each(
            "people",
            loc.people,
            (loc.care_home,),
            partial(_in_care, as_of),
            partial(self._person_all, as_of=as_of, params=params),
            partial(self._person_parts, as_of=as_of, params=params),
        )
        yield Each("staff", loc.staff, (), partial(_in_post, as_of), partial(self._member, as_of=as_of, params=params))
        # A fall's facts look at the person's falls risk assessments: read only when there are incidents.
        falls = tuple(map(_falls_read, loc.people)) if loc.incidents else ()
        yield Group("collections", (falls, *_collections(loc)), partial(self._collections, loc, context, falls))

    def _collections(self, loc: Location, context: FactContext, falls: tuple[Any, ...]) -> Iterator[Part]:
        """One part per collection of the location but people and staff (the ``Group`` reads them all)."""
        as_of, params = context.as_of, context.parameters
        yield Part("incidents", (loc.incidents, falls), partial(self._incidents, loc, context))
        yield Part("staffing", (loc.staffing_reviews,), partial(self._staffing_facts, loc, as_of))
        yield Part("feedback", (loc.feedback,), partial(self._feedback, loc, as_of))
        yield Part(
            "checks",
            (loc.checks,),
            partial(
                self._latest_of_kind, "check", "issues_open", loc.checks, params.get("check_kinds_expected", ()), as_of
            ),
        )
        yield Part("policies", (loc.policies,), partial(self._policies, loc, as_of, params))
        yield Part("safeguarding", (loc.safeguarding,), partial(self._safeguarding, loc, as_of))
        yield Part("complaints", (loc.complaints,), partial(self._complaints, loc, context))
        yield Part("audits", (loc.audits,), partial(self._audits, loc, as_of, params))
        yield Part("manager_absences", (loc.manager_absences,), partial(self._absences, loc, context))
        yield Part("conditions", (loc.conditions,), partial(self._conditions, loc))
        yield Part("evidence", (loc.feedback, loc.audits, loc.evidence), partial(self._evidence, loc, as_of, params))

    def _person_all(
        self, person: Person, care_home: bool, *, as_of: dt.date, params: Mapping[str, Any]
    ) -> Iterator[Fact]:
        for part in self._person_parts(person, care_home, as_of=as_of, params=params):
            yield from part.measure()

    def _person_parts(
        self, person: Person, care_home: bool, *, as_of: dt.date, params: Mapping[str, Any]
    ) -> Iterator[Part]:
        """The parts of a person's facts: the person fact (``_person_reads``: a care plan reviewed, a MAR
        exception recorded, leave it be), then their records by collection, each part reading only its
        collections (a changed care plan leaves the others be)."""
        pid = person.person_id
        reads = _person_reads(person, care_home, as_of)
        yield Part("person", reads, partial(_one, self._person_fact, person, reads, as_of, params))
        yield Part(
            "records",
            (pid, person.medicines, person.mar_exceptions, person.capacity_assessments, person.dols),
            partial(self._person_records, person, as_of),
        )
        yield Part("care_plans", (pid, person.care_plans), partial(self._care_plans, pid, person.care_plans, as_of))
        yield Part(
            "risk_assessments",
            (pid, person.risk_assessments),
            partial(self._risk_assessments, pid, person.risk_assessments, as_of),
        )

    @staticmethod
    def _care_plans(pid: str, plans: tuple[CarePlan, ...], as_of: dt.date) -> Iterator[Fact]:
        for plan in plans:
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
                days_since_needs_changed_unreviewed=None if reviewed_after_change else _days(plan.needs_changed, as_of),
                person_involved=plan.person_involved,
            )

    @staticmethod
    def _risk_assessments(pid: str, risks: tuple[RiskAssessment, ...], as_of: dt.date) -> Iterator[Fact]:
        for risk in risks:
            yield _fact(
                "risk_assessment",
                f"person:{pid}/risk_assessment:{risk.assessment_id}",
                person=pid,
                kind=risk.kind,
                days_since_review=_days(risk.last_reviewed, as_of),
            )

    def _member(self, member: StaffMember, *, as_of: dt.date, params: Mapping[str, Any]) -> Iterator[Fact]:
        yield self._staff(member, as_of, params)
        yield from self._training(member, as_of, params)

    def _location_facts(self, loc: Location, context: FactContext) -> Iterator[Fact]:
        yield self._location(loc, context)

    def _staffing_facts(self, loc: Location, as_of: dt.date) -> Iterator[Fact]:
        yield self._staffing(loc, as_of)

    @staticmethod
    def _feedback(loc: Location, as_of: dt.date) -> Iterator[Fact]:
        for index, feedback in enumerate(loc.feedback):
            if feedback.action_required and feedback.received <= as_of:
                yield _fact(
                    "feedback",
                    f"feedback:{feedback.received.isoformat()}#{index}",
                    source=feedback.source.value,
                    actioned=feedback.actioned is not None and feedback.actioned <= as_of,
                    days_since_received=_days(feedback.received, as_of),
                )

    @staticmethod
    def _policies(loc: Location, as_of: dt.date, params: Mapping[str, Any]) -> Iterator[Fact]:
        reviewed: dict[str, dt.date] = {}
        for document in loc.policies:
            if document.reviewed <= as_of and document.reviewed > reviewed.get(document.kind, dt.date.min):
                reviewed[document.kind] = document.reviewed
        for kind in sorted(set(reviewed) | set(params.get("policy_kinds_expected", ()))):
            yield _fact(
                "policy",
                f"policy:{kind}",
                kind=kind,
                held=kind in reviewed,
                days_since_review=_days(reviewed.get(kind), as_of),
            )

    @staticmethod
    def _safeguarding(loc: Location, as_of: dt.date) -> Iterator[Fact]:
        for concern in loc.safeguarding:
            yield _fact(
                "safeguarding",
                f"safeguarding:{concern.concern_id}",
                referred=concern.referred_to_la is not None,
                no_referral_reason_recorded=not concern.referral_not_required_reason,
                days_since_raised=_days(concern.raised, as_of),
                days_to_referral=_days(concern.raised, concern.referred_to_la) if concern.referred_to_la else None,
            )

    @staticmethod
    def _complaints(loc: Location, context: FactContext) -> Iterator[Fact]:
        as_of = context.as_of
        for complaint in loc.complaints:
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

    @staticmethod
    def _audits(loc: Location, as_of: dt.date, params: Mapping[str, Any]) -> Iterator[Fact]:
        latest: dict[str, Any] = {}
        for audit in loc.audits:
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

    @staticmethod
    def _absences(loc: Location, context: FactContext) -> Iterator[Fact]:
        as_of = context.as_of
        for index, absence in enumerate(loc.manager_absences):
            yield _fact(
                "manager_absence",
                f"manager_absence:{absence.start.isoformat()}#{index}",
                planned=absence.planned,
                expected_days=absence.expected_days,
                notified=absence.notified is not None,
                days_until_start=(absence.start - as_of).days,
                working_days_since_start=context.calendar.between(absence.start, as_of),
            )

    @staticmethod
    def _conditions(loc: Location) -> Iterator[Fact]:
        for index, condition in enumerate(loc.conditions):
            yield _fact(
                "registration_condition",
                f"condition:{index + 1}",
                met=condition.met,
                reason_recorded=bool(condition.reason),
            )

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

        def latest(*sources: FeedbackSource) -> int | None:
            seen = [f.received for f in loc.feedback if f.source in sources and f.received <= as_of]
            return _days(max(seen), as_of) if seen else None

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
            days_since_staff_feedback=latest(FeedbackSource.STAFF),
            days_since_partner_feedback=latest(FeedbackSource.PARTNER),
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
    def _staff(member: StaffMember, as_of: dt.date, params: Mapping[str, Any]) -> Fact:
        held = [s.held for s in member.supervisions if s.kind == "supervision" and s.held <= as_of]
        appraised = [s.held for s in member.supervisions if s.kind == "appraisal" and s.held <= as_of]
        dbs, checks = member.dbs, member.recruitment
        courses = {t.course for t in member.training if t.completed <= as_of}
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
            recruitment_recorded=checks is not None,
            employment_history_complete=checks.employment_history_complete if checks else None,
            employment_gaps_explained=checks.gaps_explained if checks else None,
            references=checks.references if checks else None,
            right_to_work_checked=(checks.right_to_work_checked is not None) if checks else None,
            health_declaration=checks.health_declaration if checks else None,
            new_to_care=member.new_to_care,
            care_certificate="care_certificate" in courses,
            learning_disability_autism_training="oliver_mcgowan" in courses,
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
        falls_reviews: dict[str, list[dt.date]] = {}
        for person in loc.people:
            falls_reviews[person.person_id] = [
                r.last_reviewed
                for r in person.risk_assessments
                if r.kind == "falls" and r.last_reviewed <= context.as_of
            ]

        def falls_reviewed(incident: Incident) -> bool | None:
            if incident.category is not IncidentCategory.FALL or incident.person_id not in falls_reviews:
                return None
            return any(day >= incident.occurred.date() for day in falls_reviews[incident.person_id])

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
                notifiable_safety_incident=incident.notifiable_safety_incident,
                candour_notified=incident.candour_notified is not None and incident.candour_notified <= context.as_of,
                falls_risk_reviewed_after=falls_reviewed(incident),
            )

    @staticmethod
    def _person_fact(person: Person, reads: PersonReads, as_of: dt.date, params: Mapping[str, Any]) -> Fact:
        """The person fact: of ``person``, only what ``reads`` (``_person_reads``) holds."""
        _, care_home, has_care_plan, pressure_risk_assessed, has_medicines = reads
        pid = person.person_id
        window = int(params.get("weight_loss_window_days", 180))
        earliest = dt.date.fromordinal(min(max(1, as_of.toordinal() - window), _LAST_DAY))  # any window
        recent = sorted([w for w in person.weights if earliest <= w.recorded <= as_of], key=_recorded)
        loss = rescreened = None
        highest = max([w.kg for w in recent]) if len(recent) >= 2 else 0
        if highest > 0:
            loss = round(max(0.0, 100.0 * (highest - recent[-1].kg) / highest), 1)
            rescreened = person.nutrition_screened is not None and recent[-1].recorded <= person.nutrition_screened
        return _fact(
            "person",
            f"person:{pid}",
            person=pid,
            in_care_home=care_home,
            days_since_admitted=_days(person.admitted, as_of),
            has_care_plan=has_care_plan,
            pressure_risk_assessed=pressure_risk_assessed,
            has_peep=person.peep_reviewed is not None,
            days_since_peep_review=_days(person.peep_reviewed, as_of),
            nutrition_screened=person.nutrition_screened is not None,
            days_since_nutrition_screening=_days(person.nutrition_screened, as_of),
            weight_loss_percent=loss,
            rescreened_since_weight_loss=rescreened,
            medicines_reconciled=person.medicines_reconciled is not None,
            has_medicines=has_medicines,
            medication_reviewed=person.medication_reviewed is not None,
            days_since_medication_review=_days(person.medication_reviewed, as_of),
            communication_needs_recorded=person.communication_needs_recorded is not None,
            communication_support_needed=person.communication_support_needed,
            communication_support_in_place=person.communication_support_in_place,
            about_me_recorded=person.about_me_recorded is not None,
            care_preferences_recorded=person.care_preferences_recorded,
            has_advance_care_plan=person.advance_care_plan_reviewed is not None,
            days_since_advance_care_plan_review=_days(person.advance_care_plan_reviewed, as_of),
            has_hospital_passport=person.hospital_passport_reviewed is not None,
            days_since_hospital_passport_review=_days(person.hospital_passport_reviewed, as_of),
        )

    @staticmethod
    def _person_records(person: Person, as_of: dt.date) -> Iterator[Fact]:
        """The facts of a person's medicines, MAR exceptions, capacity assessments and DoLS."""
        pid = person.person_id
        for medicine in person.medicines:
            yield _fact(
                "medicine",
                f"person:{pid}/medicine:{medicine.medicine_id}",
                person=pid,
                prn=medicine.prn,
                prn_protocol=medicine.prn_protocol,
                covert=medicine.covert,
                best_interests_recorded=medicine.best_interests_decision is not None,
                controlled_drug=medicine.controlled_drug,
            )
        for gap in person.mar_exceptions:
            if gap.recorded <= as_of:
                yield _fact(
                    "mar_exception",
                    f"person:{pid}/mar:{gap.exception_id}",
                    person=pid,
                    kind=gap.kind,
                    resolved=gap.resolved is not None and gap.resolved <= as_of,
                    days_since_recorded=_days(gap.recorded, as_of),
                )
        for assessment in person.capacity_assessments:
            if assessment.assessed <= as_of:
                yield _fact(
                    "capacity_assessment",
                    f"person:{pid}/capacity:{assessment.assessment_id}",
                    person=pid,
                    decision=assessment.decision,
                    lacks_capacity=assessment.lacks_capacity,
                    best_interests_recorded=assessment.best_interests_recorded,
                    days_since_assessed=_days(assessment.assessed, as_of),
                    days_past_review=_days(assessment.review_due, as_of),
                )
        for dols in person.dols:
            if dols.applied <= as_of:
                granted = dols.granted is not None and dols.granted <= as_of
                yield _fact(
                    "dols",
                    f"person:{pid}/dols:{dols.dols_id}",
                    person=pid,
                    granted=granted,
                    days_since_applied=_days(dols.applied, as_of),
                    days_until_expiry=(dols.expires - as_of).days if granted and dols.expires else None,
                    days_since_expiry=(as_of - dols.expires).days
                    if granted and dols.expires and dols.expires < as_of
                    else None,
                    conditions=dols.conditions,
                    conditions_met=dols.conditions_met,
                    renewal_applied=dols.renewal_applied is not None and dols.renewal_applied <= as_of,
                )

    @staticmethod
    def _staffing(loc: Location, as_of: dt.date) -> Fact:
        done = [r for r in loc.staffing_reviews if r.reviewed <= as_of]
        if not done:
            return _fact("staffing", "staffing", reviewed=False)
        last = max(done, key=lambda r: r.reviewed)
        shortfall = 0.0
        if last.required_hours > 0:
            shortfall = round(max(0.0, 100.0 * (last.required_hours - last.rostered_hours) / last.required_hours), 1)
        return _fact(
            "staffing",
            "staffing",
            reviewed=True,
            days_since_review=_days(last.reviewed, as_of),
            shortfall_percent=shortfall,
        )

    @staticmethod
    def _latest_of_kind(fact_type: str, open_field: str, records: Any, expected: Any, as_of: dt.date) -> Iterator[Fact]:
        latest: dict[str, Any] = {}
        for record in records:
            if record.completed <= as_of and (
                record.kind not in latest or record.completed > latest[record.kind].completed
            ):
                latest[record.kind] = record
        for kind in sorted(set(latest) | set(expected)):
            last = latest.get(kind)
            yield _fact(
                fact_type,
                f"{fact_type}:{kind}",
                kind=kind,
                days_since_last=_days(last.completed, as_of) if last else None,
                last_done=f"{_days(last.completed, as_of)} days ago" if last else "never",
                **{open_field: getattr(last, open_field) if last else None},
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
