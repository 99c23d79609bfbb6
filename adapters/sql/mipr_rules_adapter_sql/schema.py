"""The reference schema: SQLAlchemy Core tables a care-record system can fill (or expose as views).

One table per entity (``entities.py``), named after it. Every table has ``updated_at``, the change cursor
of incremental reads; child tables have an integer ``id`` (the row's key: read order and error messages)
and ``location_id``. People and staff are held only by pseudonymous ids: the schema has no column for a
name, a date of birth or an NHS number.

Data columns are nullable on purpose: the adapter, not the database, judges a record, so that a bad row can
be skipped and counted (lenient mode) rather than failing a whole export.

Print the DDL for a database with ``python -m mipr_rules_adapter_sql.schema postgresql|mariadb|sqlite``.
"""

from __future__ import annotations

import sys
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

metadata = sa.MetaData()
"""All reference tables."""

ID = sa.String(64)
"""Identifiers: CQC ids, pseudonymous ids, record ids."""
CODE = sa.String(64)
"""Short codes and vocabulary values (incident category, course key, role...)."""
NAME = sa.String(255)
"""Names of organisations and locations (never of people)."""
NUMBER: sa.Double[float] = sa.Double()
"""Measurements with a fraction (kilograms, hours): double precision on every backend, so a float reads back
exactly (MariaDB's plain FLOAT would not)."""
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
"""Date-times (``updated_at``, incident times) to the microsecond, also on MariaDB/MySQL (DATETIME(6))."""


class now(FunctionElement[Any]):
    """The current time at the database's finest precision (the ``updated_at`` default)."""

    type = sa.DateTime()
    inherit_cache = True


@compiles(now)
def _now_default(element: now, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(now, "mysql")
@compiles(now, "mariadb")
def _now_mysql(element: now, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP(6)"


@compiles(now, "sqlite")
def _now_sqlite(element: now, compiler: SQLCompiler, **kw: Any) -> str:
    # The text form SQLAlchemy writes ('YYYY-MM-DD HH:MM:SS.fff'), so that values compare correctly as text.
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"


def _updated_at() -> sa.Column[Any]:
    return sa.Column(
        "updated_at",
        TIMESTAMP,
        nullable=False,
        server_default=now(),
        index=True,
        comment="When the row was last written: the change cursor of incremental reads.",
    )


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, comment="Row key (read order).")


def _location_id() -> sa.Column[Any]:
    return sa.Column(
        "location_id",
        ID,
        sa.ForeignKey("locations.location_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        comment="CQC location id of the location the row belongs to.",
    )


def _child(name: str, comment: str, *columns: Any) -> sa.Table:
    return sa.Table(name, metadata, _id(), _location_id(), *columns, _updated_at(), comment=comment)


def _col(name: str, type_: Any, comment: str) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=True, comment=comment)


locations = sa.Table(
    "locations",
    metadata,
    sa.Column("location_id", ID, primary_key=True, comment="CQC location id, e.g. 1-125856395."),
    _col("name", NAME, "The location's public (business) name."),
    sa.Column("provider_id", ID, nullable=False, comment="CQC provider id."),
    _col("provider_name", NAME, "Provider's registered organisation name."),
    _col("care_home", sa.Boolean, "Whether the location is a care home."),
    _col("registration_status", CODE, "Registered or Deregistered."),
    _col("registration_date", sa.Date, "Date the location was registered with CQC."),
    _col("beds", sa.Integer, "Registered beds."),
    _col("registered_manager_required", sa.Boolean, "Whether a registered manager is required."),
    _col("registered_manager_id", ID, "Pseudonymous staff id of the registered manager."),
    _col("manager_recruitment_started", sa.Date, "When recruitment of a new registered manager started."),
    _col("pir_requested", sa.Date, "When CQC last asked for a Provider Information Return."),
    _col("pir_returned", sa.Date, "When that Provider Information Return was sent."),
    _updated_at(),
    comment="One row per CQC location, with its provider.",
)

service_types = _child(
    "service_types",
    "CQC service types of a location, one row each.",
    _col("service_type", NAME, "A CQC service type, e.g. Residential homes."),
)

rating_displays = sa.Table(
    "rating_displays",
    metadata,
    sa.Column(
        "location_id",
        ID,
        sa.ForeignKey("locations.location_id", ondelete="CASCADE"),
        primary_key=True,
        comment="CQC location id.",
    ),
    _col("premises", sa.Date, "Date the rating was put up at the premises."),
    _col("website", sa.Date, "Date the rating was shown on the provider's website."),
    _col("has_website", sa.Boolean, "Whether the provider has a website."),
    _updated_at(),
    comment="How a location displays its current rating (Reg 20A); at most one row per location.",
)

ratings = _child(
    "ratings",
    "Published CQC ratings of a location.",
    _col("is_current", sa.Boolean, "Whether this is the current rating (else a past one)."),
    _col("overall", CODE, "Overall rating word, e.g. Good; NULL where CQC gives none."),
    _col("published", sa.Date, "Date the report was published."),
    _col("report_id", ID, "CQC report link id."),
)

key_question_ratings = _child(
    "key_question_ratings",
    "Key question ratings within a published rating.",
    sa.Column(
        "rating_id",
        sa.Integer,
        sa.ForeignKey("ratings.id", ondelete="CASCADE"),
        nullable=False,
        comment="The ratings row (its id).",
    ),
    _col("key_question", CODE, "Safe, Effective, Caring, Responsive or Well-led."),
    _col("rating", CODE, "The rating word."),
)

manager_absences = _child(
    "manager_absences",
    "Absences of the registered manager.",
    _col("start", sa.Date, "First day of the absence."),
    _col("expected_days", sa.Integer, "Expected or actual length in days."),
    _col("planned", sa.Boolean, "Planned (true) or emergency (false)."),
    _col("notified", sa.Date, "Date CQC was notified."),
)

registration_conditions = _child(
    "registration_conditions",
    "Conditions of registration.",
    _col("description", sa.Text, "The condition's wording."),
    _col("met", sa.Boolean, "Whether the provider is meeting it."),
    _col("reason", sa.Text, "The recorded good reason if it is not met."),
)

people = _child(
    "people",
    "People using the service, by pseudonymous id only.",
    sa.Column("person_id", ID, nullable=False, comment="Pseudonymous id (never a name or NHS number)."),
    _col("admitted", sa.Date, "Date care started."),
    _col("discharged", sa.Date, "Date care ended."),
    _col("nutrition_screened", sa.Date, "Date of the last nutrition screening (e.g. MUST)."),
    _col(
        "peep_reviewed", sa.Date, "Date the personal emergency evacuation plan was written or last reviewed."
    ),
    _col("medicines_reconciled", sa.Date, "Date the person's medicines were reconciled on admission."),
    _col("medication_reviewed", sa.Date, "Date of the last medication review with the GP or a pharmacist."),
    _col(
        "communication_needs_recorded",
        sa.Date,
        "Date the person's communication needs were recorded (Accessible Information Standard).",
    ),
    _col(
        "communication_support_needed",
        sa.Boolean,
        "Whether the person needs information in another format or communication support.",
    ),
    _col("communication_support_in_place", sa.Boolean, "Whether that format or support is arranged."),
    _col("about_me_recorded", sa.Date, "Date the person's life history and preferences were recorded."),
    _col(
        "care_preferences_recorded",
        sa.Boolean,
        "Whether privacy and dignity preferences (e.g. gender of carer) are recorded.",
    ),
    _col(
        "advance_care_plan_reviewed",
        sa.Date,
        "Date the advance care plan (or the discussion offering one) was recorded or last reviewed.",
    ),
    _col(
        "hospital_passport_reviewed",
        sa.Date,
        "Date the transfer information for a hospital stay (hospital passport) was written or reviewed.",
    ),
    sa.UniqueConstraint("location_id", "person_id"),
)


def _person_link() -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("person_id", ID, nullable=False, comment="Pseudonymous id of the person."),
        sa.ForeignKeyConstraint(
            ["location_id", "person_id"], ["people.location_id", "people.person_id"], ondelete="CASCADE"
        ),
    )


care_plans = _child(
    "care_plans",
    "Care plans and their reviews.",
    *_person_link(),
    _col("plan_id", ID, "The care-record system's id of the plan."),
    _col("created", sa.Date, "Date the plan was first written."),
    _col("last_reviewed", sa.Date, "Date of the most recent formal review."),
    _col("needs_changed", sa.Date, "Date the person's needs last changed significantly."),
    _col("active", sa.Boolean, "Whether the plan is in use."),
    _col(
        "person_involved",
        sa.Boolean,
        "Whether the person (or their representative) took part in the last review; NULL if not recorded.",
    ),
)

risk_assessments = _child(
    "risk_assessments",
    "Risk assessments.",
    *_person_link(),
    _col("assessment_id", ID, "The care-record system's id of the assessment."),
    _col("kind", CODE, "What risk it assesses, e.g. falls."),
    _col("last_reviewed", sa.Date, "Date written or last reviewed."),
)

medicines = _child(
    "medicines",
    "A person's current prescription lines (how each is given; no drug names).",
    *_person_link(),
    _col("medicine_id", ID, "The care-record system's id of the prescription line."),
    _col("prn", sa.Boolean, "Prescribed when required (PRN)."),
    _col("prn_protocol", sa.Boolean, "Whether a PRN protocol (when and how to give it) is recorded."),
    _col("covert", sa.Boolean, "Whether it is given covertly (disguised in food or drink)."),
    _col(
        "best_interests_decision",
        sa.Date,
        "Date of the best-interests decision authorising covert administration.",
    ),
    _col("controlled_drug", sa.Boolean, "Whether it is a controlled drug."),
)

mar_exceptions = _child(
    "mar_exceptions",
    "Unexplained gaps and errors on a person's medicines administration record (MAR).",
    *_person_link(),
    _col("exception_id", ID, "The care-record system's id of the exception."),
    _col("recorded", sa.Date, "Date of the administration round it concerns."),
    _col("kind", CODE, "gap (no signature or code) or error (wrong dose, time, medicine or person)."),
    _col("resolved", sa.Date, "Date it was investigated and closed; NULL while open."),
)

capacity_assessments = _child(
    "capacity_assessments",
    "Mental Capacity Act 2005 assessments, one row per decision assessed.",
    *_person_link(),
    _col("assessment_id", ID, "The care-record system's id of the assessment."),
    _col("decision", CODE, "The decision assessed, e.g. care_and_residence, covert_medication."),
    _col("assessed", sa.Date, "Date of the assessment."),
    _col("lacks_capacity", sa.Boolean, "Whether the person was found to lack capacity for the decision."),
    _col("best_interests_recorded", sa.Boolean, "Whether a best-interests decision is recorded."),
    _col("review_due", sa.Date, "Date set for reviewing the assessment."),
)

dols_authorisations = _child(
    "dols_authorisations",
    "Deprivation of Liberty Safeguards applications and standard authorisations.",
    *_person_link(),
    _col("dols_id", ID, "The care-record system's id of the application."),
    _col("applied", sa.Date, "Date the managing authority applied to the supervisory body."),
    _col("granted", sa.Date, "Date the authorisation was granted; NULL while pending or if refused."),
    _col("expires", sa.Date, "Date the authorisation ends."),
    _col("conditions", sa.Integer, "Number of conditions attached to the authorisation."),
    _col("conditions_met", sa.Boolean, "Whether every condition is being complied with."),
    _col("renewal_applied", sa.Date, "Date a further authorisation was requested."),
)

weights = _child(
    "weights",
    "Recorded body weights of a person.",
    *_person_link(),
    _col("recorded", sa.Date, "Date the person was weighed."),
    _col("kg", NUMBER, "Weight in kilograms."),
)

staff = _child(
    "staff",
    "Staff, by pseudonymous id only.",
    sa.Column("staff_id", ID, nullable=False, comment="Pseudonymous staff id."),
    _col("role", CODE, "Role, e.g. care_worker."),
    _col("started", sa.Date, "Employment start date."),
    _col("left_on", sa.Date, "Date employment ended."),
    _col("administers_medication", sa.Boolean, "Whether the worker gives medicines."),
    _col("medication_competency_assessed", sa.Date, "Date of the last medication competency assessment."),
    _col("new_to_care", sa.Boolean, "Whether the worker was new to care when employed (Care Certificate)."),
    sa.UniqueConstraint("location_id", "staff_id"),
)


def _staff_link() -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("staff_id", ID, nullable=False, comment="Pseudonymous staff id."),
        sa.ForeignKeyConstraint(
            ["location_id", "staff_id"], ["staff.location_id", "staff.staff_id"], ondelete="CASCADE"
        ),
    )


dbs_checks = _child(
    "dbs_checks",
    "DBS checks; the most recently issued per worker is used.",
    *_staff_link(),
    _col("issued", sa.Date, "Date the certificate was issued."),
    _col("level", CODE, "Check level, e.g. enhanced_barred_adults."),
    _col("update_service", sa.Boolean, "Whether the worker is on the DBS Update Service."),
    _col("update_service_checked", sa.Date, "When the Update Service status was last checked."),
)

training = _child(
    "training",
    "Completed training.",
    *_staff_link(),
    _col("course", CODE, "Course key, e.g. moving_and_handling."),
    _col("completed", sa.Date, "Completion date."),
    _col("expires", sa.Date, "Expiry date as recorded."),
)

supervisions = _child(
    "supervisions",
    "Supervisions and appraisals.",
    *_staff_link(),
    _col("held", sa.Date, "Date it took place."),
    _col("kind", CODE, "supervision or appraisal."),
)

recruitment_checks = _child(
    "recruitment_checks",
    "Recruitment checks of Schedule 3 (beyond DBS) and the right to work; at most one row per worker.",
    *_staff_link(),
    _col("employment_history_complete", sa.Boolean, "Whether a full employment history is held."),
    _col("gaps_explained", sa.Boolean, "Whether every gap in that history has a written explanation."),
    _col(
        "references_received",
        sa.Integer,
        "Satisfactory references (conduct in previous employment) received.",
    ),
    _col("right_to_work_checked", sa.Date, "Date the right to work in the UK was checked."),
    _col("health_declaration", sa.Boolean, "Whether health information relevant to the role was obtained."),
    sa.UniqueConstraint("location_id", "staff_id"),
)

incidents = _child(
    "incidents",
    "Incidents and their statutory notifications.",
    _col("incident_id", ID, "The care-record system's id of the incident."),
    _col("category", CODE, "fall, medication_error, death, serious_injury, abuse_allegation..."),
    _col("occurred", TIMESTAMP, "When it happened (UK local time)."),
    _col("person_id", ID, "Pseudonymous id of the person it happened to."),
    _col("cqc_notified", TIMESTAMP, "When CQC was notified."),
    _col("reported_to_police", sa.Boolean, "Whether the police were told."),
    _col("severity", CODE, "Severity grading from the source system."),
    _col(
        "notifiable_safety_incident",
        sa.Boolean,
        "Whether it is a notifiable safety incident under the duty of candour (Reg 20).",
    ),
    _col(
        "candour_notified",
        sa.Date,
        "Date the person was told and given an apology under the duty of candour.",
    ),
)

safeguarding = _child(
    "safeguarding",
    "Safeguarding concerns and their referrals.",
    _col("concern_id", ID, "The care-record system's id of the concern."),
    _col("raised", sa.Date, "Date the concern was raised."),
    _col("person_id", ID, "Pseudonymous id of the person concerned."),
    _col("referred_to_la", sa.Date, "Date referred to the local authority."),
    _col("referral_not_required_reason", sa.Text, "Why no referral was made."),
)

complaints = _child(
    "complaints",
    "Complaints and their handling.",
    _col("complaint_id", ID, "The care-record system's id of the complaint."),
    _col("received", sa.Date, "Date received."),
    _col("acknowledged", sa.Date, "Date acknowledged."),
    _col("responded", sa.Date, "Date of the full response."),
)

audits = _child(
    "audits",
    "Internal audits.",
    _col("kind", CODE, "Audit kind, e.g. medication."),
    _col("completed", sa.Date, "Date completed."),
    _col("actions_open", sa.Integer, "Actions still open."),
)

feedback = _child(
    "feedback",
    "Feedback from people, relatives, staff and partners.",
    _col("received", sa.Date, "Date received."),
    _col("source", CODE, "person, relative, staff or partner."),
    _col("channel", CODE, "survey, residents_meeting, review..."),
    _col("action_required", sa.Boolean, "Whether the feedback asked for a change (an action was agreed)."),
    _col("actioned", sa.Date, "Date the agreed action was completed and fed back; NULL while open."),
)

evidence = _child(
    "evidence",
    "Other evidence, tagged with its SAF evidence category.",
    _col("category", CODE, "people_experience, staff_leaders_feedback, partners_feedback, observation..."),
    _col("collected", sa.Date, "Date collected."),
    _col("description", sa.Text, "What it is (no personal data)."),
)

staffing_reviews = _child(
    "staffing_reviews",
    "Reviews of staffing levels against a dependency tool.",
    _col("reviewed", sa.Date, "Date the dependency assessment was done."),
    _col("required_hours", NUMBER, "Care hours a week the dependency tool says are needed."),
    _col("rostered_hours", NUMBER, "Care hours a week actually rostered."),
    _col("tool", CODE, "The dependency tool used."),
)

safety_checks = _child(
    "safety_checks",
    "Routine safety checks: fire alarm tests, fire drills, controlled drugs checks, call-bell audits.",
    _col("kind", CODE, "fire_alarm_test, fire_drill, controlled_drugs, call_bell_response..."),
    _col("completed", sa.Date, "Date the check was done."),
    _col("issues_open", sa.Integer, "Problems it found that are not yet put right."),
)

policies = _child(
    "policies",
    "Governance documents kept under review (statement of purpose, policies, plans).",
    _col("kind", CODE, "statement_of_purpose, whistleblowing, equality_diversity, sustainability..."),
    _col("reviewed", sa.Date, "Date it was written or last reviewed."),
)

DIALECTS: dict[str, Any] = {
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "mariadb": mysql.dialect(is_mariadb=True),
    "mysql": mysql.dialect(),
    "sqlite": sqlite.dialect(),
}
"""Dialects the DDL can be printed for."""


def create_reference_schema(bind: sa.Engine | sa.Connection) -> None:
    """Create every reference table (those missing) in a database."""
    metadata.create_all(bind)


def reference_ddl(dialect: str = "postgresql") -> str:
    """The reference schema's DDL for ``dialect`` (``postgresql``, ``mariadb``, ``mysql`` or ``sqlite``)."""
    compiled = DIALECTS[dialect]
    statements = []
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=compiled)).strip() + ";")
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            statements.append(str(CreateIndex(index).compile(dialect=compiled)).strip() + ";")
    return "\n\n".join(statements) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the DDL: ``python -m mipr_rules_adapter_sql.schema [postgresql|mariadb|mysql|sqlite]``."""
    args = sys.argv[1:] if argv is None else argv
    dialect = args[0] if args else "postgresql"
    if dialect not in DIALECTS or len(args) > 1:
        print(f"usage: python -m mipr_rules_adapter_sql.schema [{'|'.join(DIALECTS)}]", file=sys.stderr)
        return 2
    sys.stdout.write(reference_ddl(dialect))
    return 0


if __name__ == "__main__":
    sys.exit(main())
