"""The canonical model: what a care-record system holds about one location, as frozen attrs classes.

Every adapter reads its source into these classes; every ruleset sees only facts derived from them.
People using the service and staff are known by pseudonymous ids only: no names, dates of birth or
NHS numbers are part of the model.
"""

from mipr_rules.model.care import CarePlan, Person, RiskAssessment
from mipr_rules.model.events import Complaint, Feedback, Incident, SafeguardingConcern
from mipr_rules.model.governance import Audit, EvidenceItem, RegistrationCondition
from mipr_rules.model.location import (
    KeyQuestionRating,
    Location,
    ManagerAbsence,
    Provider,
    Rating,
    RatingDisplay,
)
from mipr_rules.model.staff import DbsCheck, StaffMember, Supervision, TrainingRecord

__all__ = [
    "Audit",
    "CarePlan",
    "Complaint",
    "DbsCheck",
    "EvidenceItem",
    "Feedback",
    "Incident",
    "KeyQuestionRating",
    "Location",
    "ManagerAbsence",
    "Person",
    "Provider",
    "Rating",
    "RatingDisplay",
    "RegistrationCondition",
    "RiskAssessment",
    "SafeguardingConcern",
    "StaffMember",
    "Supervision",
    "TrainingRecord",
]
