"""Basic resources for audits, evidence, safety checks and staffing reviews → ``Audit``, ``EvidenceItem``,
``SafetyCheck`` and ``StaffingReview``."""

from __future__ import annotations

from mipr_rules.model import Audit, EvidenceItem, SafetyCheck, StaffingReview
from mipr_rules.model.vocabulary import EvidenceCategory
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.map_mca import CAPACITY_ASSESSMENT, DOLS_APPLICATION
from mipr_rules_adapter_fhir.map_staff import DBS_CHECK, RECRUITMENT_CHECKS, SUPERVISION_KINDS
from mipr_rules_adapter_fhir.node import Node
from mipr_rules_adapter_fhir.reading import Reading, enum_value, record_type

AUDIT = "audit"
"""Basic code of an internal audit."""
EVIDENCE = "evidence"
"""Basic code of an evidence item."""
SAFETY_CHECK = "safety-check"
"""Basic code of a routine safety check (fire alarm test, fire drill, controlled drugs check...)."""
STAFFING_REVIEW = "staffing-review"
"""Basic code of a review of staffing levels against a dependency tool."""


def read_audits(reading: Reading) -> tuple[Audit, ...]:
    """Every ``audit`` Basic, in source order."""
    audits = []
    for entry in reading.of_type("Basic"):
        node = Node(entry.resource)
        if record_type(reading, entry) != AUDIT:
            continue

        def audit(node: Node = node) -> Audit:
            return Audit(
                kind=node.ext_string(systems.EXT_AUDIT_KIND, required=True) or "",
                completed=node.need_date("created"),
                actions_open=node.ext_integer(systems.EXT_AUDIT_ACTIONS_OPEN) or 0,
            )

        found = reading.attempt(entry, audit, whole=True)
        if found is not None:
            audits.append(found)
    return tuple(audits)


def read_evidence(reading: Reading) -> tuple[EvidenceItem, ...]:
    """Every ``evidence`` Basic, in source order."""
    items = []
    for entry in reading.of_type("Basic"):
        node = Node(entry.resource)
        if record_type(reading, entry) != EVIDENCE:
            continue

        def item(node: Node = node) -> EvidenceItem:
            category = node.ext_string(systems.EXT_EVIDENCE_CATEGORY, required=True)
            return EvidenceItem(
                category=enum_value(
                    EvidenceCategory, category, f".extension[{_tail(systems.EXT_EVIDENCE_CATEGORY)}]"
                ),
                collected=node.need_date("created"),
                description=node.ext_string(systems.EXT_EVIDENCE_DESCRIPTION) or "",
            )

        found = reading.attempt(entry, item, whole=True)
        if found is not None:
            items.append(found)
    return tuple(items)


def read_checks(reading: Reading) -> tuple[SafetyCheck, ...]:
    """Every ``safety-check`` Basic, in source order."""
    checks = []
    for entry in reading.of_type("Basic"):
        node = Node(entry.resource)
        if record_type(reading, entry) != SAFETY_CHECK:
            continue

        def check(node: Node = node) -> SafetyCheck:
            return SafetyCheck(
                kind=node.ext_string(systems.EXT_CHECK_KIND, required=True) or "",
                completed=node.need_date("created"),
                issues_open=node.ext_integer(systems.EXT_CHECK_ISSUES_OPEN) or 0,
            )

        found = reading.attempt(entry, check, whole=True)
        if found is not None:
            checks.append(found)
    return tuple(checks)


def read_staffing_reviews(reading: Reading) -> tuple[StaffingReview, ...]:
    """Every ``staffing-review`` Basic, in source order."""
    reviews = []
    for entry in reading.of_type("Basic"):
        node = Node(entry.resource)
        if record_type(reading, entry) != STAFFING_REVIEW:
            continue

        def review(node: Node = node) -> StaffingReview:
            return StaffingReview(
                reviewed=node.need_date("created"),
                required_hours=node.ext_decimal(systems.EXT_STAFFING_REQUIRED_HOURS, required=True) or 0.0,
                rostered_hours=node.ext_decimal(systems.EXT_STAFFING_ROSTERED_HOURS, required=True) or 0.0,
                tool=node.ext_string(systems.EXT_STAFFING_TOOL) or "dependency_tool",
            )

        found = reading.attempt(entry, review, whole=True)
        if found is not None:
            reviews.append(found)
    return tuple(reviews)


def count_other_basics(reading: Reading) -> None:
    """Count as read and not used every Basic of no record type the adapter reads."""
    known = {
        AUDIT,
        EVIDENCE,
        SAFETY_CHECK,
        STAFFING_REVIEW,
        DBS_CHECK,
        RECRUITMENT_CHECKS,
        CAPACITY_ASSESSMENT,
        DOLS_APPLICATION,
        *SUPERVISION_KINDS,
    }
    for entry in reading.of_type("Basic"):
        kind = record_type(reading, entry)
        if kind not in known and entry.where not in reading.bad:
            reading.context.ignore("Basic (not a record type the adapter reads)")


def _tail(url: str) -> str:
    return url.rsplit("/", 1)[-1]
