"""The documented CSV export layout: one file per record type, and which column feeds which field.

Every file has a header row. Empty cells are "not recorded". Booleans are ``true``/``false`` (also
``yes``/``no``, ``y``/``n``, ``1``/``0``); dates are ``YYYY-MM-DD``; date-times ``YYYY-MM-DDTHH:MM``;
lists (``service_types``) are separated by ``;``. Rows that belong to a person or a member of staff
carry its pseudonymous ``person_id`` or ``staff_id``. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
accepted. A cell holds at most 131,072 characters; only free-text cells (descriptions and reasons) may
contain line breaks, inside quotes.
"""

from __future__ import annotations

import attrs

INT, NUM, BOOL, TEXT, LIST = "int", "number", "bool", "text", "list"


@attrs.frozen
class CsvFile:
    """One CSV file of the export."""

    name: str
    """File name inside the export folder."""
    columns: dict[str, str]
    """Column name → kind (``text`` unless said otherwise)."""
    parent: str | None = None
    """Key column linking a row to a person or a member of staff."""
    required: bool = False
    """Whether the file must be present."""
    multiline: frozenset[str] = frozenset()
    """Free-text columns whose quoted cells may contain line breaks."""

    @property
    def record_type(self) -> str:
        """The record type its rows are (``locations``, ``care_plans``...), as skipped records are reported."""
        return "locations" if self is LOCATION else self.name.removesuffix(".csv")


def _cols(*names: str, **kinds: str) -> dict[str, str]:
    return {n: kinds.get(n, TEXT) for n in names}


LOCATION = CsvFile(
    "location.csv",
    _cols(
        "location_id",
        "name",
        "provider_id",
        "provider_name",
        "service_types",
        "care_home",
        "registration_status",
        "registration_date",
        "beds",
        "registered_manager_required",
        "registered_manager_id",
        "manager_recruitment_started",
        "pir_requested",
        "pir_returned",
        "rating_displayed_premises",
        "rating_displayed_website",
        "has_website",
        service_types=LIST,
        care_home=BOOL,
        beds=INT,
        registered_manager_required=BOOL,
        has_website=BOOL,
    ),
    required=True,
)
RATINGS = CsvFile(
    "ratings.csv",
    _cols("status", "overall", "published", "report_id", "safe", "effective", "caring", "responsive", "well_led"),
)
PEOPLE = CsvFile(
    "people.csv",
    _cols(
        "person_id",
        "admitted",
        "discharged",
        "nutrition_screened",
        "peep_reviewed",
        "medicines_reconciled",
        "medication_reviewed",
        "communication_needs_recorded",
        "communication_support_needed",
        "communication_support_in_place",
        "about_me_recorded",
        "care_preferences_recorded",
        "advance_care_plan_reviewed",
        "hospital_passport_reviewed",
        communication_support_needed=BOOL,
        communication_support_in_place=BOOL,
        care_preferences_recorded=BOOL,
    ),
)
CARE_PLANS = CsvFile(
    "care_plans.csv",
    _cols(
        "person_id",
        "plan_id",
        "created",
        "last_reviewed",
        "needs_changed",
        "active",
        "person_involved",
        active=BOOL,
        person_involved=BOOL,
    ),
    parent="person_id",
)
RISK_ASSESSMENTS = CsvFile(
    "risk_assessments.csv", _cols("person_id", "assessment_id", "kind", "last_reviewed"), parent="person_id"
)
STAFF = CsvFile(
    "staff.csv",
    _cols(
        "staff_id",
        "role",
        "started",
        "left",
        "dbs_issued",
        "dbs_level",
        "dbs_update_service",
        "dbs_update_service_checked",
        "administers_medication",
        "medication_competency_assessed",
        "new_to_care",
        "recruitment_employment_history_complete",
        "recruitment_gaps_explained",
        "recruitment_references",
        "recruitment_right_to_work_checked",
        "recruitment_health_declaration",
        dbs_update_service=BOOL,
        administers_medication=BOOL,
        new_to_care=BOOL,
        recruitment_employment_history_complete=BOOL,
        recruitment_gaps_explained=BOOL,
        recruitment_references=INT,
        recruitment_health_declaration=BOOL,
    ),
)
TRAINING = CsvFile("training.csv", _cols("staff_id", "course", "completed", "expires"), parent="staff_id")
SUPERVISIONS = CsvFile("supervisions.csv", _cols("staff_id", "held", "kind"), parent="staff_id")
INCIDENTS = CsvFile(
    "incidents.csv",
    _cols(
        "incident_id",
        "category",
        "occurred",
        "person_id",
        "cqc_notified",
        "reported_to_police",
        "severity",
        "notifiable_safety_incident",
        "candour_notified",
        reported_to_police=BOOL,
        notifiable_safety_incident=BOOL,
    ),
)
SAFEGUARDING = CsvFile(
    "safeguarding.csv",
    _cols("concern_id", "raised", "person_id", "referred_to_la", "referral_not_required_reason"),
    multiline=frozenset({"referral_not_required_reason"}),
)
COMPLAINTS = CsvFile("complaints.csv", _cols("complaint_id", "received", "acknowledged", "responded"))
AUDITS = CsvFile("audits.csv", _cols("kind", "completed", "actions_open", actions_open=INT))
FEEDBACK = CsvFile(
    "feedback.csv",
    _cols("received", "source", "channel", "action_required", "actioned", action_required=BOOL),
)
EVIDENCE = CsvFile("evidence.csv", _cols("category", "collected", "description"), multiline=frozenset({"description"}))
MANAGER_ABSENCES = CsvFile(
    "manager_absences.csv", _cols("start", "expected_days", "planned", "notified", expected_days=INT, planned=BOOL)
)
CONDITIONS = CsvFile(
    "conditions.csv", _cols("description", "met", "reason", met=BOOL), multiline=frozenset({"description", "reason"})
)
MEDICINES = CsvFile(
    "medicines.csv",
    _cols(
        "person_id",
        "medicine_id",
        "prn",
        "prn_protocol",
        "covert",
        "best_interests_decision",
        "controlled_drug",
        prn=BOOL,
        prn_protocol=BOOL,
        covert=BOOL,
        controlled_drug=BOOL,
    ),
    parent="person_id",
)
MAR_EXCEPTIONS = CsvFile(
    "mar_exceptions.csv", _cols("person_id", "exception_id", "recorded", "kind", "resolved"), parent="person_id"
)
CAPACITY_ASSESSMENTS = CsvFile(
    "capacity_assessments.csv",
    _cols(
        "person_id",
        "assessment_id",
        "decision",
        "assessed",
        "lacks_capacity",
        "best_interests_recorded",
        "review_due",
        lacks_capacity=BOOL,
        best_interests_recorded=BOOL,
    ),
    parent="person_id",
)
DOLS = CsvFile(
    "dols.csv",
    _cols(
        "person_id",
        "dols_id",
        "applied",
        "granted",
        "expires",
        "conditions",
        "conditions_met",
        "renewal_applied",
        conditions=INT,
        conditions_met=BOOL,
    ),
    parent="person_id",
)
WEIGHTS = CsvFile("weights.csv", _cols("person_id", "recorded", "kg", kg=NUM), parent="person_id")
STAFFING_REVIEWS = CsvFile(
    "staffing_reviews.csv",
    _cols("reviewed", "required_hours", "rostered_hours", "tool", required_hours=NUM, rostered_hours=NUM),
)
CHECKS = CsvFile("checks.csv", _cols("kind", "completed", "issues_open", issues_open=INT))
POLICIES = CsvFile("policies.csv", _cols("kind", "reviewed"))

PERSON_CHILDREN = (
    ("medicines", MEDICINES),
    ("mar_exceptions", MAR_EXCEPTIONS),
    ("capacity_assessments", CAPACITY_ASSESSMENTS),
    ("dols", DOLS),
    ("weights", WEIGHTS),
)
"""Files whose rows belong to a person, by the ``Person`` field they fill."""
LOCATION_LISTS = (("staffing_reviews", STAFFING_REVIEWS), ("checks", CHECKS), ("policies", POLICIES))
"""Further files of records of the whole location, by the ``Location`` field they fill."""

FILES = (
    LOCATION,
    RATINGS,
    PEOPLE,
    CARE_PLANS,
    RISK_ASSESSMENTS,
    MEDICINES,
    MAR_EXCEPTIONS,
    CAPACITY_ASSESSMENTS,
    DOLS,
    WEIGHTS,
    STAFF,
    TRAINING,
    SUPERVISIONS,
    INCIDENTS,
    SAFEGUARDING,
    COMPLAINTS,
    AUDITS,
    FEEDBACK,
    EVIDENCE,
    MANAGER_ABSENCES,
    CONDITIONS,
    STAFFING_REVIEWS,
    CHECKS,
    POLICIES,
)
"""Every file of the layout, in reading order."""

KEY_QUESTION_COLUMNS = {
    "safe": "Safe",
    "effective": "Effective",
    "caring": "Caring",
    "responsive": "Responsive",
    "well_led": "Well-led",
}
