"""DocumentReference → a person's care documents (PEEP, hospital passport, About me, advance care plan,
communication needs, care preferences) and the provider's governance documents (statement of purpose,
policies) kept under review.

A DocumentReference (UKCore-DocumentReference) is a care document when its ``type`` is coded in the
adapter's ``person-document`` system (or a code the code map's ``person_documents`` lists), and a
governance document when coded in ``policy-kind`` (the code is ``PolicyDocument.kind``). Its review date is
the ``…/last-reviewed`` extension (``valueDate``), else the local date of ``DocumentReference.date``. Only
``current`` documents count (``superseded`` ones are counted as read and not used); for a person, the
latest of each kind counts. The latest ``communication-needs`` document says, in extensions
``…/communication-support-needed`` and ``…/communication-support-in-place`` (``valueBoolean``, default
false), whether support is needed and arranged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

import attrs

from mipr_rules.model import PolicyDocument
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.codemap import PERSON_DOCUMENTS
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, codings

PERSON = "person"
POLICY = "policy"


@attrs.frozen
class CareDocument:
    """What a person's current care document of one kind says."""

    reviewed: dt.date
    """Date it was written or last reviewed."""
    support_needed: bool = False
    """``communication-needs``: communication support is needed."""
    support_in_place: bool = False
    """``communication-needs``: that support is arranged."""


def reviewed_on(documents: dict[str, CareDocument], kind: str) -> dt.date | None:
    """The review date of the person's document of ``kind``, if there is one."""
    found = documents.get(kind)
    return found.reviewed if found else None


def _kind(reading: Reading, node: Node) -> tuple[str, str] | None:
    """``("person", kind)`` for a care document, ``("policy", kind)`` for a governance one, else ``None``."""
    own = node.code("type", systems.CS_PERSON_DOCUMENT)
    if own is not None:
        if own not in PERSON_DOCUMENTS:
            allowed = ", ".join(repr(kind) for kind in PERSON_DOCUMENTS)
            raise RecordProblem(node.at("type"), f"expected one of {allowed}")
        return PERSON, own
    mapped = reading.code_map.first(reading.code_map.person_documents, codings(node, "type"))
    if mapped is not None:
        return PERSON, str(mapped)
    policy = node.code("type", systems.CS_POLICY_KIND)
    return (POLICY, policy) if policy is not None else None


def read_person_documents(reading: Reading) -> dict[str, dict[str, CareDocument]]:
    """Each person's latest care document of each kind (``peep``, ``about-me``...)."""
    found: dict[str, dict[str, CareDocument]] = defaultdict(dict)
    for entry in reading.of_type("DocumentReference"):
        node = Node(entry.resource)
        typed = reading.attempt(entry, partial(_kind, reading, node), whole=True)
        if typed is None:
            if entry.where not in reading.bad:
                reading.context.ignore("DocumentReference (not a care or governance document)")
            continue
        what, kind = typed
        if what != PERSON:
            continue  # a governance document: read_policies
        if node.raw("status") != "current":
            reading.context.ignore("DocumentReference (not current)")
            continue
        read = reading.attempt(entry, partial(_person_document, reading, entry), whole=True)
        if read is not None:
            pid, document = read
            latest = found[pid].get(kind)
            if latest is None or document.reviewed >= latest.reviewed:
                found[pid][kind] = document
    return found


def _person_document(reading: Reading, entry: Entry) -> tuple[str, CareDocument]:
    node = Node(entry.resource)
    return reading.person_of(node.reference("subject")), CareDocument(
        reviewed=_reviewed(node),
        support_needed=bool(node.ext_boolean(systems.EXT_COMMUNICATION_SUPPORT_NEEDED)),
        support_in_place=bool(node.ext_boolean(systems.EXT_COMMUNICATION_SUPPORT_IN_PLACE)),
    )


def read_policies(reading: Reading) -> tuple[PolicyDocument, ...]:
    """Every current governance document, in source order."""
    policies = []
    for entry in reading.of_type("DocumentReference"):
        node = Node(entry.resource)
        found = reading.attempt(entry, partial(_kind, reading, node), whole=True)
        if found is None or found[0] != POLICY:
            continue  # counted, or read as a care document, by read_person_documents
        kind = found[1]
        if node.raw("status") != "current":
            reading.context.ignore("DocumentReference (not current)")
            continue
        reviewed = reading.attempt(entry, partial(_reviewed, node), whole=True)
        if reviewed is not None:
            policies.append(PolicyDocument(kind=kind, reviewed=reviewed))
    return tuple(policies)


def _reviewed(node: Node) -> dt.date:
    reviewed = node.ext_date(systems.EXT_LAST_REVIEWED)
    if reviewed is None:
        reviewed = node.date("date")
    if reviewed is None:
        raise RecordProblem(".date", "required date missing (nor is there a last-reviewed extension)")
    return reviewed
