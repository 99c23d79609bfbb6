"""The canonical model: what a care-record system holds about one location, as frozen attrs classes.

Every adapter reads its source into these classes; every ruleset sees only facts derived from them.
People using the service and staff are known by pseudonymous ids only: no names, dates of birth or
NHS numbers are part of the model.
"""

from mipr_rules.model.care import (
    CapacityAssessment,
    CarePlan,
    DolsAuthorisation,
    MarException,
    Medicine,
    Person,
    RiskAssessment,
    WeightRecord,
)
from mipr_rules.model.events import Complaint, Feedback, Incident, SafeguardingConcern
from mipr_rules.model.governance import (
    Audit,
    EvidenceItem,
    PolicyDocument,
    RegistrationCondition,
    SafetyCheck,
    StaffingReview,
)
from mipr_rules.model.location import (
    KeyQuestionRating,
    Location,
    ManagerAbsence,
    Provider,
    Rating,
    RatingDisplay,
)
from mipr_rules.model.staff import DbsCheck, RecruitmentChecks, StaffMember, Supervision, TrainingRecord

__all__ = [
    "Audit",
    "CapacityAssessment",
    "CarePlan",
    "Complaint",
    "DbsCheck",
    "DolsAuthorisation",
    "EvidenceItem",
    "Feedback",
    "Incident",
    "KeyQuestionRating",
    "Location",
    "ManagerAbsence",
    "MarException",
    "Medicine",
    "Person",
    "PolicyDocument",
    "Provider",
    "Rating",
    "RatingDisplay",
    "RecruitmentChecks",
    "RegistrationCondition",
    "RiskAssessment",
    "SafeguardingConcern",
    "SafetyCheck",
    "StaffMember",
    "StaffingReview",
    "Supervision",
    "TrainingRecord",
    "WeightRecord",
]
