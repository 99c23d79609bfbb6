"""Practitioner, PractitionerRole and Basic (DBS, recruitment checks, supervisions) → ``StaffMember``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

import attrs

from mipr_rules.model import DbsCheck, RecruitmentChecks, StaffMember, Supervision, TrainingRecord
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.ids import staff_id
from mipr_rules_adapter_fhir.node import Node, Ref
from mipr_rules_adapter_fhir.reading import Reading, codings

DBS_CHECK = "dbs-check"
"""Basic code of a DBS check."""
RECRUITMENT_CHECKS = "recruitment-checks"
"""Basic code of the recruitment checks of Schedule 3 beyond DBS (history, references, right to work...)."""
SUPERVISION_KINDS = ("supervision", "appraisal")
"""Basic codes of supervision meetings; the code is the canonical ``Supervision.kind``."""


@attrs.frozen
class _Role:
    code: str
    started: dt.date
    left: dt.date | None
    administers_medication: bool
    new_to_care: bool


def give_staff_ids(reading: Reading) -> None:
    """Give every Practitioner its pseudonymous id (the registered manager may be referred to by it)."""
    for entry in reading.of_type("Practitioner"):
        sid = reading.attempt(entry, partial(staff_id, entry, reading.context), whole=True)
        if sid is not None:
            reading.staff_ids[entry.where] = sid


def read_staff(reading: Reading) -> tuple[StaffMember, ...]:
    """Every Practitioner with a staff role (PractitionerRole coded in ``CS_STAFF_ROLE``), in source order.

    Practitioners without one (visiting GPs, district nurses) are not staff of the location. When a
    practitioner has several staff roles, the one that started last is used.
    """
    staff_roles = partial(_practitioner_of_staff_role, reading)
    role_entries = reading.by_target("PractitionerRole", staff_roles, "Practitioner")
    for entry in reading.of_type("PractitionerRole"):
        if _staff_role_code(reading, Node(entry.resource)) is None:
            reading.context.ignore("PractitionerRole (not a staff role)")
    basics = reading.by_target("Basic", _practitioner_subject, "Practitioner")
    staff = []
    for entry in reading.of_type("Practitioner"):
        if entry.where not in reading.staff_ids:
            continue
        roles = [
            role
            for role_entry in role_entries.get(entry.where, [])
            if (role := reading.attempt(role_entry, partial(_role, reading, role_entry), whole=True))
            is not None
        ]
        if not roles:
            continue
        role = max(roles, key=lambda role: role.started)
        member = reading.attempt(entry, partial(_member, reading, entry, role, basics.get(entry.where, [])))
        if member is not None:
            staff.append(member)
    return tuple(staff)


def _staff_role_code(reading: Reading, node: Node) -> str | None:
    """The staff role: coded in the adapter's own system, else a standard code the code map lists."""
    own = node.codes("code", systems.CS_STAFF_ROLE)
    if own:
        return own[0]
    mapped: str | None = reading.code_map.first(reading.code_map.staff_roles, codings(node, "code"))
    return mapped


def _practitioner_of_staff_role(reading: Reading, node: Node) -> Iterable[Ref]:
    if _staff_role_code(reading, node) is None:
        return []
    ref = node.reference("practitioner", required=True)
    return [ref] if ref else []


def _practitioner_subject(node: Node) -> Iterable[Ref]:
    record_type = node.code("code", systems.CS_RECORD_TYPE)
    if record_type not in (DBS_CHECK, RECRUITMENT_CHECKS) and record_type not in SUPERVISION_KINDS:
        return []
    ref = node.reference("subject", required=True)
    return [ref] if ref else []


def _role(reading: Reading, entry: Entry) -> _Role:
    node = Node(entry.resource)
    period = node.need_child("period")
    code = _staff_role_code(reading, node)
    return _Role(
        code=code if code is not None else node.need_code("code", systems.CS_STAFF_ROLE, "staff role"),
        started=period.need_date("start"),
        left=period.date("end"),
        administers_medication=bool(node.ext_boolean(systems.EXT_ADMINISTERS_MEDICATION)),
        new_to_care=bool(node.ext_boolean(systems.EXT_NEW_TO_CARE)),
    )


def _member(reading: Reading, entry: Entry, role: _Role, basics: list[Entry]) -> StaffMember:
    node = Node(entry.resource)
    training: list[TrainingRecord] = []
    competency: dt.date | None = None
    for qualification in node.children("qualification"):
        course = qualification.code("code", systems.CS_TRAINING_COURSE) or reading.code_map.first(
            reading.code_map.training_courses, codings(qualification, "code")
        )
        if course is not None:
            record = reading.attempt(entry, partial(_training, qualification, course))
            if record is not None:
                training.append(record)
        if systems.MEDICATION_COMPETENCY in qualification.codes("code", systems.CS_COMPETENCY):
            assessed = reading.attempt(entry, partial(_period_start, qualification))
            if assessed is not None and (competency is None or assessed > competency):
                competency = assessed
    dbs: DbsCheck | None = None
    recruitment: tuple[dt.date, RecruitmentChecks] | None = None
    supervisions: list[Supervision] = []
    for basic in basics:
        basic_node = Node(basic.resource)
        kind = basic_node.code("code", systems.CS_RECORD_TYPE)
        if kind == DBS_CHECK:
            check = reading.attempt(basic, partial(_dbs, basic_node), whole=True)
            if check is not None and (dbs is None or check.issued >= dbs.issued):
                dbs = check
        elif kind == RECRUITMENT_CHECKS:
            checks = reading.attempt(basic, partial(_recruitment, basic_node), whole=True)
            if checks is not None and (recruitment is None or checks[0] >= recruitment[0]):
                recruitment = checks
        elif kind is not None:
            held = reading.attempt(basic, partial(basic_node.need_date, "created"), whole=True)
            if held is not None:
                supervisions.append(Supervision(held=held, kind=kind))
    return StaffMember(
        staff_id=reading.staff_ids[entry.where],
        role=role.code,
        started=role.started,
        left=role.left,
        dbs=dbs,
        training=tuple(training),
        supervisions=tuple(supervisions),
        administers_medication=role.administers_medication,
        medication_competency_assessed=competency,
        recruitment=recruitment[1] if recruitment else None,
        new_to_care=role.new_to_care,
    )


def _period_start(node: Node) -> dt.date:
    return node.need_child("period").need_date("start")


def _training(qualification: Node, course: str) -> TrainingRecord:
    period = qualification.need_child("period")
    return TrainingRecord(course=course, completed=period.need_date("start"), expires=period.date("end"))


def _recruitment(node: Node) -> tuple[dt.date, RecruitmentChecks]:
    """The checks, and the date they were recorded (``Basic.created``; none sorts first)."""
    return node.date("created") or dt.date.min, RecruitmentChecks(
        employment_history_complete=bool(node.ext_boolean(systems.EXT_EMPLOYMENT_HISTORY_COMPLETE)),
        gaps_explained=bool(node.ext_boolean(systems.EXT_EMPLOYMENT_GAPS_EXPLAINED)),
        references=node.ext_integer(systems.EXT_REFERENCES) or 0,
        right_to_work_checked=node.ext_date(systems.EXT_RIGHT_TO_WORK_CHECKED),
        health_declaration=bool(node.ext_boolean(systems.EXT_HEALTH_DECLARATION)),
    )


def _dbs(node: Node) -> DbsCheck:
    return DbsCheck(
        issued=node.need_date("created"),
        level=node.ext_string(systems.EXT_DBS_LEVEL) or "enhanced_barred_adults",
        update_service=bool(node.ext_boolean(systems.EXT_DBS_UPDATE_SERVICE)),
        update_service_checked=node.ext_date(systems.EXT_DBS_UPDATE_SERVICE_CHECKED),
    )
