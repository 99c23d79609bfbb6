"""MedicationRequest and MedicationAdministration → a person's medicines and MAR exceptions.

A current prescription line is a MedicationRequest (UKCore-MedicationRequest) with status ``active`` or
``on-hold`` and an ``intent`` that is an order or a plan; others (completed, stopped, proposals) are
counted as read and not used. PRN comes from the standard ``dosageInstruction.asNeeded[x]``; what FHIR R4
has no element for (a PRN protocol recorded, covert administration, its best-interests decision, a
controlled drug) comes from the adapter's own extensions.

A MAR exception is a MedicationAdministration that either carries the ``mar-exception`` extension (an
error, or a gap once investigated: ``resolved``) or has status ``not-done`` with no ``statusReason``: a
dose not given and no code saying why (refused, asleep, withheld on instruction) is an unexplained gap.
A ``not-done`` with a reason is a documented omission, and a given dose is the MAR itself: both are
counted as read and not used.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from mipr_rules.model import MarException, Medicine
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, effective_date, record_id

CURRENT_STATUSES = ("active", "on-hold")
"""MedicationRequest statuses of a current prescription line."""
PRESCRIPTION_INTENTS = ("order", "original-order", "reflex-order", "filler-order", "instance-order", "plan")
"""MedicationRequest intents read as a prescription line (``proposal`` and ``option`` are not)."""
MAR_EXCEPTION_KINDS = ("gap", "error")
"""``MarException.kind`` values (sub-extension ``kind`` of ``mar-exception``)."""


def read_medicines(reading: Reading) -> dict[str, list[Medicine]]:
    """Each person's current prescription lines, in source order."""
    found: dict[str, list[Medicine]] = defaultdict(list)
    for entry in reading.of_type("MedicationRequest"):
        node = Node(entry.resource)
        if node.raw("status") not in CURRENT_STATUSES:
            reading.context.ignore("MedicationRequest (not current)")
            continue
        if node.raw("intent") not in PRESCRIPTION_INTENTS:
            reading.context.ignore("MedicationRequest (not an order or plan)")
            continue
        read = reading.attempt(entry, partial(_medicine, reading, entry), whole=True)
        if read is not None:
            found[read[0]].append(read[1])
    return found


def _medicine(reading: Reading, entry: Entry) -> tuple[str, Medicine]:
    node = Node(entry.resource)
    pid = reading.person_of(node.reference("subject"))
    prn = any(_as_needed(dose) for dose in node.children("dosageInstruction"))
    return pid, Medicine(
        medicine_id=record_id(entry),
        prn=prn,
        prn_protocol=bool(node.ext_boolean(systems.EXT_PRN_PROTOCOL)),
        covert=bool(node.ext_boolean(systems.EXT_COVERT_ADMINISTRATION)),
        best_interests_decision=node.ext_date(systems.EXT_BEST_INTERESTS_DECISION),
        controlled_drug=bool(node.ext_boolean(systems.EXT_CONTROLLED_DRUG)),
    )


def _as_needed(dose: Node) -> bool:
    """``Dosage.asNeededBoolean``; an ``asNeededCodeableConcept`` (the reason) means as needed too (R4)."""
    if dose.child("asNeededCodeableConcept") is not None:
        return True
    return bool(dose.boolean("asNeededBoolean"))


def read_mar_exceptions(reading: Reading) -> dict[str, list[MarException]]:
    """Each person's MAR exceptions, in source order."""
    found: dict[str, list[MarException]] = defaultdict(list)
    for entry in reading.of_type("MedicationAdministration"):
        node = Node(entry.resource)
        marked = bool(node.extensions(systems.EXT_MAR_EXCEPTION))
        unexplained = node.raw("status") == "not-done" and not node.raw("statusReason")
        if not marked and not unexplained:
            reading.context.ignore("MedicationAdministration (not a MAR exception)")
            continue
        read = reading.attempt(entry, partial(_mar_exception, reading, entry), whole=True)
        if read is not None:
            found[read[0]].append(read[1])
    return found


def _mar_exception(reading: Reading, entry: Entry) -> tuple[str, MarException]:
    node = Node(entry.resource)
    pid = reading.person_of(node.reference("subject"))
    recorded = effective_date(node)
    ext = node.extension(systems.EXT_MAR_EXCEPTION)
    kind = ext.ext_string("kind") if ext is not None else None
    if kind is None:
        if node.raw("status") != "not-done":
            where = f"{ext.path}.extension[kind]" if ext is not None else ".status"
            raise RecordProblem(where, "a MAR exception on a dose not marked not-done needs its kind")
        kind = "gap"
    elif kind not in MAR_EXCEPTION_KINDS:
        allowed = ", ".join(repr(k) for k in MAR_EXCEPTION_KINDS)
        raise RecordProblem(
            f"{ext.path}.extension[kind]" if ext else ".extension", f"expected one of {allowed}"
        )
    resolved = ext.ext_date("resolved") if ext is not None else None
    return pid, MarException(exception_id=record_id(entry), recorded=recorded, kind=kind, resolved=resolved)
