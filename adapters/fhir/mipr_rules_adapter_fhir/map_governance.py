"""Basic resources for audits and evidence → ``Audit`` and ``EvidenceItem``."""

from __future__ import annotations

from mipr_rules.model import Audit, EvidenceItem
from mipr_rules.model.vocabulary import EvidenceCategory
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.node import Node
from mipr_rules_adapter_fhir.reading import Reading, enum_value

AUDIT = "audit"
"""Basic code of an internal audit."""
EVIDENCE = "evidence"
"""Basic code of an evidence item."""


def read_audits(reading: Reading) -> tuple[Audit, ...]:
    """Every ``audit`` Basic, in source order."""
    audits = []
    for entry in reading.of_type("Basic"):
        node = Node(entry.resource)
        if node.code("code", systems.CS_RECORD_TYPE) != AUDIT:
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
        if node.code("code", systems.CS_RECORD_TYPE) != EVIDENCE:
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


def _tail(url: str) -> str:
    return url.rsplit("/", 1)[-1]
