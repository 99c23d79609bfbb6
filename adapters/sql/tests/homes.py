"""This suite's own homes: between them every attribute of the model is filled, and every vocabulary used."""

from __future__ import annotations

import datetime as dt

from mipr_rules.model import (
    Audit,
    CarePlan,
    Complaint,
    DbsCheck,
    EvidenceItem,
    Feedback,
    Incident,
    KeyQuestionRating,
    Location,
    ManagerAbsence,
    Person,
    Provider,
    Rating,
    RatingDisplay,
    RegistrationCondition,
    RiskAssessment,
    SafeguardingConcern,
    StaffMember,
    Supervision,
    TrainingRecord,
)
from mipr_rules.model.vocabulary import (
    EvidenceCategory,
    FeedbackSource,
    IncidentCategory,
    KeyQuestion,
    RatingValue,
    RegistrationStatus,
)

D = dt.date

MEADOW_VIEW = Location(
    location_id="1-900000001",
    name="Meadow View Nursing Home",
    provider=Provider("1-900000100", "Meadow Care Group Ltd"),
    service_types=("Nursing homes", "Residential homes"),
    care_home=True,
    registration_status=RegistrationStatus.REGISTERED,
    registration_date=D(2012, 3, 1),
    beds=60,
    registered_manager_required=True,
    registered_manager_id=None,
    manager_recruitment_started=D(2026, 8, 1),
    manager_absences=(
        ManagerAbsence(start=D(2026, 5, 4), expected_days=35, planned=True, notified=D(2026, 4, 1)),
        ManagerAbsence(start=D(2026, 9, 14), expected_days=40, planned=False),
    ),
    current_rating=Rating(
        overall=RatingValue.REQUIRES_IMPROVEMENT,
        published=D(2025, 12, 9),
        report_id="rep-2",
        key_questions=tuple(
            KeyQuestionRating(kq, value)
            for kq, value in zip(
                KeyQuestion,
                (
                    RatingValue.INADEQUATE,
                    RatingValue.REQUIRES_IMPROVEMENT,
                    RatingValue.GOOD,
                    RatingValue.OUTSTANDING,
                    RatingValue.REQUIRES_IMPROVEMENT,
                ),
                strict=True,
            )
        ),
    ),
    past_ratings=(
        Rating(
            overall=RatingValue.GOOD,
            published=D(2022, 6, 1),
            report_id="rep-1",
            key_questions=(KeyQuestionRating(KeyQuestion.SAFE, RatingValue.GOOD),),
        ),
        Rating(overall=None, published=D(2019, 2, 11)),
    ),
    rating_display=RatingDisplay(premises=D(2025, 12, 12), website=D(2025, 12, 15), has_website=True),
    pir_requested=D(2026, 7, 1),
    pir_returned=D(2026, 7, 20),
    conditions=(
        RegistrationCondition("Must have a registered manager", met=False, reason="Recruiting since August"),
        RegistrationCondition("Accommodation for up to 60 people"),
    ),
    people=(
        Person(
            person_id="P-AAAA",
            admitted=D(2024, 1, 10),
            care_plans=(
                CarePlan("CP-1", D(2024, 1, 10), last_reviewed=D(2026, 9, 1), needs_changed=D(2026, 8, 20)),
                CarePlan("CP-0", D(2023, 1, 10), active=False),
            ),
            risk_assessments=(
                RiskAssessment("RA-1", "falls", D(2026, 9, 1)),
                RiskAssessment("RA-2", "pressure_ulcer", D(2026, 6, 1)),
            ),
        ),
        Person(person_id="P-BBBB", admitted=D(2020, 5, 5), discharged=D(2026, 10, 1)),
        Person(person_id="P-CCCC"),
    ),
    staff=(
        StaffMember(
            staff_id="S-0001",
            role="nurse",
            started=D(2018, 4, 1),
            dbs=DbsCheck(
                D(2023, 3, 3),
                level="enhanced_barred_adults",
                update_service=True,
                update_service_checked=D(2026, 3, 3),
            ),
            training=(
                TrainingRecord("moving_and_handling", D(2025, 11, 1), expires=D(2026, 11, 1)),
                TrainingRecord("safeguarding_adults", D(2024, 2, 2)),
            ),
            supervisions=(Supervision(D(2026, 9, 9)), Supervision(D(2026, 1, 15), kind="appraisal")),
            administers_medication=True,
            medication_competency_assessed=D(2026, 2, 2),
        ),
        StaffMember(
            staff_id="S-0002",
            role="care_worker",
            started=D(2025, 6, 1),
            left=D(2026, 9, 30),
            dbs=DbsCheck(D(2025, 5, 20), level="enhanced"),
        ),
        StaffMember(staff_id="S-0003", role="senior_carer", started=D(2026, 10, 1)),
    ),
    incidents=tuple(
        Incident(
            incident_id=f"INC-{index}",
            category=category,
            occurred=dt.datetime(2026, 10, 1 + index, 8 + index, 5 * index, 7 if index == 3 else 0),
            person_id="P-AAAA" if index % 2 else None,
            cqc_notified=dt.datetime(2026, 10, 3 + index, 9, 30) if index % 3 == 0 else None,
            reported_to_police=category is IncidentCategory.POLICE_INCIDENT,
            severity=("low", "moderate", "severe", None)[index % 4],
        )
        for index, category in enumerate(IncidentCategory)
    ),
    safeguarding=(
        SafeguardingConcern("SG-1", D(2026, 9, 1), person_id="P-AAAA", referred_to_la=D(2026, 9, 2)),
        SafeguardingConcern("SG-2", D(2026, 9, 20), referral_not_required_reason="Resolved with family"),
    ),
    complaints=(
        Complaint("CMP-1", D(2026, 7, 1), acknowledged=D(2026, 7, 3), responded=D(2026, 7, 30)),
        Complaint("CMP-2", D(2026, 10, 20)),
    ),
    audits=(
        Audit("medication", D(2026, 10, 1), actions_open=3),
        Audit("infection_control", D(2026, 6, 1)),
    ),
    feedback=tuple(
        Feedback(D(2026, 9, 1 + index), source, channel=("survey", "residents_meeting")[index % 2])
        for index, source in enumerate(FeedbackSource)
    ),
    evidence=tuple(
        EvidenceItem(category, D(2026, 8, 1 + index), description=f"Evidence {index}" if index else "")
        for index, category in enumerate(EvidenceCategory)
    ),
)
"""A nursing home with every attribute and vocabulary value filled somewhere."""

BROOKSIDE = Location(
    location_id="1-900000002",
    name="Brookside Homecare",
    provider=Provider("1-900000100"),
    service_types=("Homecare agencies",),
    care_home=False,
    registration_status=RegistrationStatus.DEREGISTERED,
    registered_manager_required=False,
    registered_manager_id="S-0101",
    rating_display=RatingDisplay(has_website=False),
    staff=(StaffMember(staff_id="S-0101", role="registered_manager", started=D(2019, 1, 1)),),
)
"""A small agency: defaults almost everywhere, no rating, no people."""

HOMES = (MEADOW_VIEW, BROOKSIDE)
