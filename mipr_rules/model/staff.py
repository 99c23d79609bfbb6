"""Staff, their DBS checks, training, supervision and appraisal."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class DbsCheck:
    """A Disclosure and Barring Service check."""

    issued: dt.date
    """Date the certificate was issued."""
    level: str = "enhanced_barred_adults"
    """Check level, e.g. ``enhanced_barred_adults``."""
    update_service: bool = False
    """Whether the worker is on the DBS Update Service (then no periodic re-check is needed)."""
    update_service_checked: dt.date | None = None
    """When the provider last checked the Update Service status."""


@attrs.frozen
class TrainingRecord:
    """One completed course."""

    course: str
    """Course key, e.g. ``moving_and_handling``, ``safeguarding_adults``, ``fire_safety``."""
    completed: dt.date
    """Completion date."""
    expires: dt.date | None = None
    """Expiry date as recorded; ``None`` to derive it from the ruleset's refresh intervals."""


@attrs.frozen
class Supervision:
    """A supervision or appraisal meeting."""

    held: dt.date
    """Date it took place."""
    kind: str = "supervision"
    """``supervision`` or ``appraisal``."""


@attrs.frozen
class RecruitmentChecks:
    """Recruitment checks of Schedule 3 to SI 2014/2936 (beyond DBS) and the right to work."""

    employment_history_complete: bool = False
    """Whether a full employment history is held."""
    gaps_explained: bool = False
    """Whether every gap in that history has a written explanation (true when there is no gap)."""
    references: int = 0
    """Satisfactory references (evidence of conduct in previous employment) received."""
    right_to_work_checked: dt.date | None = None
    """Date the right to work in the UK was checked."""
    health_declaration: bool = False
    """Whether information about health conditions relevant to the role was obtained."""


@attrs.frozen
class StaffMember:
    """A member of staff, known only by a pseudonymous id."""

    staff_id: str
    """Pseudonymous staff id."""
    role: str
    """Role, e.g. ``care_worker``, ``senior_carer``, ``nurse``, ``registered_manager``."""
    started: dt.date
    """Employment start date."""
    left: dt.date | None = None
    """Date employment ended; ``None`` while employed."""
    dbs: DbsCheck | None = None
    """The most recent DBS check; ``None`` if none is recorded."""
    training: tuple[TrainingRecord, ...] = ()
    """Completed training."""
    supervisions: tuple[Supervision, ...] = ()
    """Supervisions and appraisals held."""
    administers_medication: bool = False
    """Whether the worker gives medicines (then a medication competency check is required)."""
    medication_competency_assessed: dt.date | None = None
    """Date of the last observed medication competency assessment."""
    recruitment: RecruitmentChecks | None = None
    """The recruitment checks of Schedule 3 beyond DBS; ``None`` if none are recorded."""
    new_to_care: bool = False
    """Whether the worker was new to care when employed (then the Care Certificate applies)."""
