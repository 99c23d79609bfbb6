"""Synthetic care homes: the bundled sample home (with planted gaps) and homes for benchmarks.

Everything is derived from a random-number seed and an as-of date, so the output is reproducible. The data is
invented: ids are pseudonymous codes, no real person is described.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

COURSES_12_MONTHS = ("moving_and_handling", "basic_life_support", "fire_safety", "safeguarding_adults")
COURSES_36_MONTHS = ("infection_prevention_control", "mca_dols", "health_and_safety", "food_safety")
COURSES = COURSES_12_MONTHS + COURSES_36_MONTHS

PLANTED_GAPS = (
    ("care_plan_review_overdue", "person:R07/care_plan:CP-R07"),
    ("risk_assessment_review_overdue", "person:R12/risk_assessment:RA-R12-falls"),
    ("training_expired", "staff:S04/training:moving_and_handling"),
    ("training_expiring_soon", "staff:S09/training:fire_safety"),
    ("supervision_overdue", "staff:S11"),
    ("appraisal_overdue", "staff:S15"),
    ("dbs_recheck_due", "staff:S18"),
    ("death_not_notified", "incident:INC-0901"),
    ("abuse_allegation_not_notified", "incident:INC-0902"),
    ("repeated_medication_errors", "location"),
    ("safeguarding_not_referred", "safeguarding:SG-0301"),
    ("complaint_response_overdue", "complaint:CMP-0201"),
    ("rating_not_displayed_on_website", "location"),
    ("infection_control_audit_overdue", "audit:infection_control"),
    ("mar_exception_open", "person:R05/mar:MAR-R05-1"),
    ("prn_protocol_missing", "person:R09/medicine:MED-R09-2"),
    ("covert_medication_without_best_interests", "person:R14/medicine:MED-R14-1"),
    ("dols_expired", "person:R16/dols:DOLS-R16"),
    ("weight_loss_not_acted_on", "person:R19"),
    ("duty_of_candour_not_met", "incident:INC-0501"),
    ("fire_drill_overdue", "check:fire_drill"),
    ("references_missing", "staff:S22"),
    ("learning_disability_autism_training_missing", "staff:S25"),
)
"""(rule id, subject) of every gap planted in the sample home: ``mipr demo`` must report each once."""


def _ago(as_of: dt.date, days: int) -> str:
    return (as_of - dt.timedelta(days=days)).isoformat()


def generate_home(
    as_of: dt.date,
    *,
    seed: int = 1,
    residents: int = 40,
    staff: int = 30,
    planted_gaps: bool = True,
    location_id: str = "1-000000001",
    name: str = "Sunrise House",
) -> dict[str, Any]:
    """A care home in the canonical JSON format, compliant as of ``as_of`` except for the planted gaps."""
    rng = random.Random(seed)
    gaps = planted_gaps

    def recent(max_days: int, min_days: int = 1) -> str:
        return _ago(as_of, rng.randint(min_days, max_days))

    people = []
    for i in range(1, residents + 1):
        pid = f"R{i:02d}"
        cp_reviewed = 45 if gaps and pid == "R07" else rng.randint(1, 25)
        falls_reviewed = 60 if gaps and pid == "R12" else rng.randint(1, 25)
        admitted = rng.randint(200, 2000)
        person: dict[str, Any] = {
            "person_id": pid,
            "admitted": _ago(as_of, admitted),
            "care_plans": [
                {
                    "plan_id": f"CP-{pid}",
                    "created": _ago(as_of, 190),
                    "last_reviewed": _ago(as_of, cp_reviewed),
                    "person_involved": True,
                }
            ],
            "risk_assessments": [
                {"assessment_id": f"RA-{pid}-falls", "kind": "falls", "last_reviewed": _ago(as_of, falls_reviewed)},
                {"assessment_id": f"RA-{pid}-nutrition", "kind": "nutrition", "last_reviewed": recent(25)},
            ],
        }
        extra = _person_records(as_of, i, pid, admitted, gaps)
        person["risk_assessments"] += extra.pop("risk_assessments_extra")
        person.update(extra)
        people.append(person)

    staff_list = []
    for i in range(1, staff + 1):
        sid = f"S{i:02d}"
        role = "registered_manager" if i == 1 else ("nurse" if i % 6 == 0 else "care_worker")
        training = []
        for course in COURSES:
            months = 12 if course in COURSES_12_MONTHS else 36
            completed = rng.randint(10, months * 30 - 60)
            if gaps and sid == "S04" and course == "moving_and_handling":
                completed = 400
            if gaps and sid == "S09" and course == "fire_safety":
                completed = 345
            training.append({"course": course, "completed": _ago(as_of, completed)})
        if not (gaps and sid == "S25"):
            training.append({"course": "oliver_mcgowan", "completed": _ago(as_of, 20 + i * 7)})
        if i % 7 == 0:
            training.append({"course": "care_certificate", "completed": _ago(as_of, 300 + i)})
        supervisions = [{"held": _ago(as_of, 120 if gaps and sid == "S11" else rng.randint(5, 80))}]
        supervisions.append(
            {"held": _ago(as_of, 420 if gaps and sid == "S15" else rng.randint(30, 300)), "kind": "appraisal"}
        )
        dbs_days = 4 * 365 if gaps and sid == "S18" else rng.randint(30, 900)
        staff_list.append(
            {
                "staff_id": sid,
                "role": role,
                "started": _ago(as_of, rng.randint(500, 3000)),
                "dbs": {"issued": _ago(as_of, dbs_days), "update_service": i % 5 == 0},
                "training": training,
                "supervisions": supervisions,
                "administers_medication": role in ("nurse", "registered_manager") or i % 3 == 0,
                "medication_competency_assessed": recent(300),
                "new_to_care": i % 7 == 0,
                "recruitment": {
                    "employment_history_complete": True,
                    "gaps_explained": True,
                    "references": 1 if gaps and sid == "S22" else 2,
                    "right_to_work_checked": _ago(as_of, 3100),
                    "health_declaration": True,
                },
            }
        )

    incidents: list[dict[str, Any]] = [
        {
            "incident_id": f"INC-01{i:02d}",
            "category": "fall",
            "occurred": f"{_ago(as_of, max(rng.randint(1, 150), 30))}T1{i % 10}:30",
            "person_id": f"R{(i % residents) + 1:02d}",
        }
        for i in range(6)
    ]
    incidents.append(
        {
            "incident_id": "INC-0801",
            "category": "death",
            "occurred": f"{_ago(as_of, 40)}T03:10",
            "person_id": "R40",
            "cqc_notified": f"{_ago(as_of, 40)}T11:00",
        }
    )
    medication_error_days = (3, 11, 24) if gaps else (50, 120, 200)
    incidents += [
        {
            "incident_id": f"INC-05{n:02d}",
            "category": "medication_error",
            "occurred": f"{_ago(as_of, d)}T08:15",
            "person_id": f"R{n + 2:02d}",
        }
        for n, d in enumerate(medication_error_days)
    ]
    # A medication error that harmed the person: a notifiable safety incident under the duty of candour.
    incidents[-2]["notifiable_safety_incident"] = True
    if not gaps:
        incidents[-2]["candour_notified"] = _ago(as_of, 110)
    incidents.append(
        {
            "incident_id": "INC-0701",
            "category": "dols_outcome",
            "occurred": f"{_ago(as_of, 200)}T10:00",
            "person_id": "R20",
            "cqc_notified": f"{_ago(as_of, 200)}T15:00",
        }
    )
    if gaps:
        incidents += [
            {"incident_id": "INC-0901", "category": "death", "occurred": f"{_ago(as_of, 3)}T22:40", "person_id": "R33"},
            {
                "incident_id": "INC-0902",
                "category": "abuse_allegation",
                "occurred": f"{_ago(as_of, 5)}T14:00",
                "person_id": "R21",
            },
        ]

    safeguarding = [
        {"concern_id": "SG-0101", "raised": _ago(as_of, 90), "person_id": "R05", "referred_to_la": _ago(as_of, 90)}
    ]
    if gaps:
        safeguarding.append({"concern_id": "SG-0301", "raised": _ago(as_of, 4), "person_id": "R21"})

    complaints = [
        {
            "complaint_id": "CMP-0101",
            "received": _ago(as_of, 60),
            "acknowledged": _ago(as_of, 59),
            "responded": _ago(as_of, 45),
        }
    ]
    complaints.append(
        {"complaint_id": "CMP-0201", "received": _ago(as_of, 35), "acknowledged": _ago(as_of, 34)}
        if gaps
        else {
            "complaint_id": "CMP-0201",
            "received": _ago(as_of, 35),
            "acknowledged": _ago(as_of, 34),
            "responded": _ago(as_of, 20),
        }
    )

    audits = [
        {"kind": "medication", "completed": recent(25)},
        {"kind": "care_plans", "completed": recent(25)},
        {"kind": "infection_control", "completed": _ago(as_of, 120 if gaps else 40)},
        {"kind": "health_and_safety", "completed": recent(300)},
    ]
    feedback = [
        {
            "received": recent(60),
            "source": "person",
            "channel": "residents_meeting",
            "action_required": True,
            "actioned": _ago(as_of, 1),
        },
        {"received": recent(90), "source": "relative", "channel": "survey"},
        {"received": recent(60), "source": "staff", "channel": "survey"},
        {"received": recent(60), "source": "partner", "channel": "review"},
    ]
    evidence = [
        {"category": "observation", "collected": recent(30), "description": "SOFI observation, lounge"},
        {"category": "outcomes", "collected": recent(60), "description": "Falls and weight outcomes review"},
        {"category": "processes", "collected": recent(30), "description": "Governance meeting minutes"},
    ]
    published = as_of - dt.timedelta(days=30)
    return {
        "location_id": location_id,
        "name": name,
        "provider": {"provider_id": "1-000000100", "name": "Sunrise Care Ltd"},
        "service_types": ["Residential homes"],
        "care_home": True,
        "registration_status": "Registered",
        "registration_date": "2015-04-01",
        "beds": residents + 4,
        "registered_manager_id": "S01",
        "current_rating": {
            "overall": "Good",
            "published": published.isoformat(),
            "report_id": "b5f0c0de-0000-4000-8000-000000000001",
            "key_questions": [
                {"key_question": kq, "rating": "Good"}
                for kq in ("Safe", "Effective", "Caring", "Responsive", "Well-led")
            ],
        },
        "rating_display": {
            "premises": (published + dt.timedelta(days=3)).isoformat(),
            "website": None if gaps else (published + dt.timedelta(days=5)).isoformat(),
        },
        "people": people,
        "staff": staff_list,
        "incidents": incidents,
        "safeguarding": safeguarding,
        "complaints": complaints,
        "audits": audits,
        "feedback": feedback,
        "evidence": evidence,
        "staffing_reviews": [
            {"reviewed": _ago(as_of, 10), "required_hours": 1200.0, "rostered_hours": 1232.0, "tool": "dependency_tool"}
        ],
        "checks": [
            {"kind": "fire_alarm_test", "completed": _ago(as_of, 3)},
            {"kind": "fire_drill", "completed": _ago(as_of, 240 if gaps else 60)},
            {"kind": "controlled_drugs", "completed": _ago(as_of, 4)},
            {"kind": "call_bell_response", "completed": _ago(as_of, 20)},
        ],
        "policies": [
            {"kind": kind, "reviewed": _ago(as_of, days)}
            for kind, days in (
                ("statement_of_purpose", 150),
                ("whistleblowing", 90),
                ("equality_diversity", 200),
                ("equality_outcomes_review", 120),
                ("sustainability", 250),
            )
        ],
    }


def _person_records(as_of: dt.date, i: int, pid: str, admitted: int, gaps: bool) -> dict[str, Any]:
    """Medicines, capacity, DoLS, nutrition, fire and communication records of resident ``i`` (no randomness)."""
    start = as_of - dt.timedelta(days=admitted)
    medicines: list[dict[str, Any]] = [{"medicine_id": f"MED-{pid}-1"}]
    if i % 3 == 0:
        medicines.append({"medicine_id": f"MED-{pid}-2", "prn": True, "prn_protocol": not (gaps and pid == "R09")})
    if pid == "R14":
        medicines[0].update(covert=True, best_interests_decision=None if gaps else _ago(as_of, 100))
    if i % 10 == 4:
        medicines.append({"medicine_id": f"MED-{pid}-3", "controlled_drug": True})
    weight = 60.0 + i % 15
    latest = weight * 0.92 if gaps and pid == "R19" else weight
    records: dict[str, Any] = {
        "medicines": medicines,
        "weights": [{"recorded": _ago(as_of, 70), "kg": weight}, {"recorded": _ago(as_of, 12), "kg": latest}],
        "nutrition_screened": _ago(as_of, 15 if gaps and pid == "R19" else 1 + i % 10),
        "peep_reviewed": _ago(as_of, 10 + (i * 3) % 150),
        "medicines_reconciled": (start + dt.timedelta(days=1)).isoformat(),
        "medication_reviewed": _ago(as_of, 10 + (i * 7) % 300),
        "communication_needs_recorded": start.isoformat(),
        "communication_support_needed": i % 8 == 0,
        "communication_support_in_place": i % 8 == 0,
        "about_me_recorded": (start + dt.timedelta(days=7)).isoformat(),
        "care_preferences_recorded": True,
        "advance_care_plan_reviewed": _ago(as_of, 10 + (i * 5) % 300),
        "hospital_passport_reviewed": _ago(as_of, 10 + (i * 4) % 300),
    }
    records["risk_assessments_extra"] = [
        {"assessment_id": f"RA-{pid}-pressure", "kind": "pressure_ulcer", "last_reviewed": _ago(as_of, 1 + i % 25)}
    ]
    if gaps and pid == "R05":
        records["mar_exceptions"] = [{"exception_id": "MAR-R05-1", "recorded": _ago(as_of, 6), "kind": "gap"}]
    elif i % 9 == 0:
        records["mar_exceptions"] = [
            {"exception_id": f"MAR-{pid}-1", "recorded": _ago(as_of, 20), "kind": "error", "resolved": _ago(as_of, 19)}
        ]
    if pid in ("R16", "R20"):
        records["capacity_assessments"] = [
            {
                "assessment_id": f"MCA-{pid}",
                "decision": "care_and_residence",
                "assessed": _ago(as_of, 380),
                "lacks_capacity": True,
                "best_interests_recorded": True,
                "review_due": _ago(as_of, -30),
            }
        ]
        expired = gaps and pid == "R16"
        records["dols"] = [
            {
                "dols_id": f"DOLS-{pid}",
                "applied": _ago(as_of, 390),
                "granted": _ago(as_of, 375 if expired else 200),
                "expires": _ago(as_of, 10 if expired else -165),
                "conditions": 2,
                "conditions_met": True,
            }
        ]
    return records
