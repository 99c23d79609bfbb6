"""People using the service, their care plans and risk assessments."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class CarePlan:
    """A person's care plan and its review history."""

    plan_id: str
    """The care-record system's id of the plan."""
    created: dt.date
    """Date the plan was first written."""
    last_reviewed: dt.date | None = None
    """Date of the most recent formal review; ``None`` if never reviewed."""
    needs_changed: dt.date | None = None
    """Date the person's needs last changed significantly (fall, hospital stay...), if recorded."""
    active: bool = True
    """Whether the plan is in use."""
    person_involved: bool | None = None
    """Whether the person (or their representative) took part in the last review; ``None`` if not recorded."""


@attrs.frozen
class RiskAssessment:
    """A risk assessment (falls, pressure areas, nutrition, choking, moving and handling...)."""

    assessment_id: str
    """The care-record system's id of the assessment."""
    kind: str
    """What risk it assesses, e.g. ``falls``, ``pressure_ulcer``, ``nutrition``."""
    last_reviewed: dt.date
    """Date it was written or last reviewed."""


@attrs.frozen
class Medicine:
    """A medicine prescribed to a person (no drug names needed: only how it is given)."""

    medicine_id: str
    """The care-record system's id of the prescription line."""
    prn: bool = False
    """Prescribed "when required" (PRN)."""
    prn_protocol: bool = False
    """Whether a PRN protocol (when and how to give it) is recorded."""
    covert: bool = False
    """Whether it is given covertly (disguised in food or drink)."""
    best_interests_decision: dt.date | None = None
    """Date of the recorded best-interests decision authorising covert administration."""
    controlled_drug: bool = False
    """Whether it is a controlled drug (recorded in the controlled drugs register)."""


@attrs.frozen
class MarException:
    """An unexplained gap or an error on a medicines administration record (MAR)."""

    exception_id: str
    """The care-record system's id of the exception."""
    recorded: dt.date
    """Date of the administration round it concerns."""
    kind: str = "gap"
    """``gap`` (no signature or code) or ``error`` (wrong dose, time, medicine or person)."""
    resolved: dt.date | None = None
    """Date it was investigated and closed; ``None`` while open."""


@attrs.frozen
class CapacityAssessment:
    """A Mental Capacity Act 2005 assessment of one decision."""

    assessment_id: str
    """The care-record system's id of the assessment."""
    decision: str
    """The decision assessed, e.g. ``care_and_residence``, ``medication``, ``covert_medication``."""
    assessed: dt.date
    """Date of the assessment."""
    lacks_capacity: bool = False
    """Whether the person was found to lack capacity for the decision."""
    best_interests_recorded: bool = False
    """Whether a best-interests decision is recorded (needed when the person lacks capacity)."""
    review_due: dt.date | None = None
    """Date the provider set for reviewing the assessment, if any."""


@attrs.frozen
class DolsAuthorisation:
    """A Deprivation of Liberty Safeguards standard authorisation (Mental Capacity Act 2005, Schedule A1)."""

    dols_id: str
    """The care-record system's id of the application."""
    applied: dt.date
    """Date the managing authority applied to the supervisory body."""
    granted: dt.date | None = None
    """Date the authorisation was granted; ``None`` while pending or if refused."""
    expires: dt.date | None = None
    """Date the authorisation ends."""
    conditions: int = 0
    """Number of conditions attached to the authorisation."""
    conditions_met: bool = True
    """Whether every condition is being complied with."""
    renewal_applied: dt.date | None = None
    """Date a further authorisation was requested, if it was."""


@attrs.frozen
class WeightRecord:
    """A recorded body weight."""

    recorded: dt.date
    """Date the person was weighed."""
    kg: float
    """Weight in kilograms."""


@attrs.frozen
class Person:
    """Someone using the service, known only by a pseudonymous id."""

    person_id: str
    """Pseudonymous id (never a name or NHS number)."""
    admitted: dt.date | None = None
    """Date care started."""
    discharged: dt.date | None = None
    """Date care ended; ``None`` while the person uses the service."""
    care_plans: tuple[CarePlan, ...] = ()
    """The person's care plans."""
    risk_assessments: tuple[RiskAssessment, ...] = ()
    """The person's risk assessments (``kind`` ``pressure_ulcer`` for pressure areas, ``falls`` for falls)."""
    medicines: tuple[Medicine, ...] = ()
    """The person's current prescription lines."""
    mar_exceptions: tuple[MarException, ...] = ()
    """Gaps and errors found on the person's medicines administration record."""
    capacity_assessments: tuple[CapacityAssessment, ...] = ()
    """Mental capacity assessments, one per decision."""
    dols: tuple[DolsAuthorisation, ...] = ()
    """Deprivation of Liberty Safeguards applications and authorisations."""
    weights: tuple[WeightRecord, ...] = ()
    """Recorded weights."""
    nutrition_screened: dt.date | None = None
    """Date of the last nutrition screening (e.g. MUST)."""
    peep_reviewed: dt.date | None = None
    """Date the personal emergency evacuation plan (PEEP) was written or last reviewed."""
    medicines_reconciled: dt.date | None = None
    """Date the person's medicines were reconciled on admission."""
    medication_reviewed: dt.date | None = None
    """Date of the last medication review with the GP or a pharmacist."""
    communication_needs_recorded: dt.date | None = None
    """Date the person's communication needs were recorded (Accessible Information Standard)."""
    communication_support_needed: bool = False
    """Whether the person needs information in another format or communication support."""
    communication_support_in_place: bool = False
    """Whether that format or support is arranged."""
    about_me_recorded: dt.date | None = None
    """Date the person's life history, preferences and what matters to them ("About me") were recorded."""
    care_preferences_recorded: bool = False
    """Whether the person's privacy and dignity preferences (e.g. gender of carer) are recorded."""
    advance_care_plan_reviewed: dt.date | None = None
    """Date the advance care plan (or the discussion offering one) was recorded or last reviewed."""
    hospital_passport_reviewed: dt.date | None = None
    """Date the transfer information for a hospital stay (hospital passport) was written or reviewed."""
