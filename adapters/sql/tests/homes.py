"""This suite's own homes: between them every attribute of the model is filled, and every vocabulary used."""

from __future__ import annotations

import datetime as dt

from mipr_rules.model import (
    Audit,
    CapacityAssessment,
    CarePlan,
    Complaint,
    DbsCheck,
    DolsAuthorisation,
    EvidenceItem,
    Feedback,
    Incident,
    KeyQuestionRating,
    Location,
    ManagerAbsence,
    MarException,
    Medicine,
    Person,
    PolicyDocument,
    Provider,
    Rating,
    RatingDisplay,
    RecruitmentChecks,
    RegistrationCondition,
    RiskAssessment,
    SafeguardingConcern,
    SafetyCheck,
    StaffingReview,
    StaffMember,
    Supervision,
    TrainingRecord,
    WeightRecord,
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
                CarePlan(
                    "CP-1",
                    D(2024, 1, 10),
                    last_reviewed=D(2026, 9, 1),
                    needs_changed=D(2026, 8, 20),
                    person_involved=True,
                ),
                CarePlan("CP-0", D(2023, 1, 10), active=False, person_involved=False),
            ),
            risk_assessments=(
                RiskAssessment("RA-1", "falls", D(2026, 9, 1)),
                RiskAssessment("RA-2", "pressure_ulcer", D(2026, 6, 1)),
            ),
            medicines=(
                Medicine("MED-1", prn=True, prn_protocol=True),
                Medicine("MED-2", covert=True, best_interests_decision=D(2026, 2, 1), controlled_drug=True),
                Medicine("MED-3"),
            ),
            mar_exceptions=(
                MarException("MAR-1", D(2026, 10, 4)),
                MarException("MAR-2", D(2026, 9, 12), kind="error", resolved=D(2026, 9, 14)),
            ),
            capacity_assessments=(
                CapacityAssessment(
                    "MCA-1",
                    "covert_medication",
                    D(2026, 1, 20),
                    lacks_capacity=True,
                    best_interests_recorded=True,
                    review_due=D(2027, 1, 20),
                ),
                CapacityAssessment("MCA-2", "care_and_residence", D(2024, 1, 10)),
            ),
            dols=(
                DolsAuthorisation(
                    "DOLS-1",
                    D(2025, 12, 1),
                    granted=D(2026, 1, 15),
                    expires=D(2027, 1, 14),
                    conditions=2,
                    conditions_met=False,
                    renewal_applied=D(2026, 11, 20),
                ),
                DolsAuthorisation("DOLS-0", D(2024, 1, 12)),
            ),
            weights=(WeightRecord(D(2026, 9, 1), 63.4), WeightRecord(D(2026, 10, 1), 61.85)),
            nutrition_screened=D(2026, 10, 2),
            peep_reviewed=D(2026, 8, 3),
            medicines_reconciled=D(2024, 1, 11),
            medication_reviewed=D(2026, 7, 4),
            communication_needs_recorded=D(2024, 1, 12),
            communication_support_needed=True,
            communication_support_in_place=True,
            about_me_recorded=D(2024, 1, 20),
            care_preferences_recorded=True,
            advance_care_plan_reviewed=D(2026, 5, 5),
            hospital_passport_reviewed=D(2026, 6, 6),
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
            recruitment=RecruitmentChecks(
                employment_history_complete=True,
                gaps_explained=True,
                references=2,
                right_to_work_checked=D(2018, 3, 20),
                health_declaration=True,
            ),
        ),
        StaffMember(
            staff_id="S-0002",
            role="care_worker",
            started=D(2025, 6, 1),
            left=D(2026, 9, 30),
            dbs=DbsCheck(D(2025, 5, 20), level="enhanced"),
            recruitment=RecruitmentChecks(),
        ),
        StaffMember(staff_id="S-0003", role="senior_carer", started=D(2026, 10, 1), new_to_care=True),
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
            notifiable_safety_incident=index % 2 == 0,
            candour_notified=D(2026, 10, 5 + index) if index % 4 == 0 else None,
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
        Feedback(
            D(2026, 9, 1 + index),
            source,
            channel=("survey", "residents_meeting")[index % 2],
            action_required=index < 2,
            actioned=D(2026, 10, 1) if index == 0 else None,
        )
        for index, source in enumerate(FeedbackSource)
    ),
    evidence=tuple(
        EvidenceItem(category, D(2026, 8, 1 + index), description=f"Evidence {index}" if index else "")
        for index, category in enumerate(EvidenceCategory)
    ),
    staffing_reviews=(
        StaffingReview(D(2026, 10, 1), required_hours=1412.5, rostered_hours=1380.25, tool="CHESS"),
        StaffingReview(D(2026, 4, 1), required_hours=1400, rostered_hours=1400),
    ),
    checks=(
        SafetyCheck("fire_alarm_test", D(2026, 10, 30)),
        SafetyCheck("call_bell_response", D(2026, 10, 2), issues_open=2),
    ),
    policies=(
        PolicyDocument("statement_of_purpose", D(2026, 6, 5)),
        PolicyDocument("whistleblowing", D(2024, 8, 4)),
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
