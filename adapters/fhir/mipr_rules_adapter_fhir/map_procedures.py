"""Procedure → the dates of a person's medication review, medicines reconciliation and nutrition screening.

A completed Procedure (UKCore-Procedure), ``subject`` → the Patient, whose code the code map's
``procedures`` lists records one of ``codemap.PROCEDURE_FIELDS``: by default SNOMED CT 182836005 "Review of
medication" (``medication_reviewed``) and 430193006 "Medication reconciliation" (``medicines_reconciled``).
The latest ``performed[x]`` date counts. Procedures with other statuses are counted as read and not used;
those with no listed code are passed over before they are checked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

from mipr_rules_adapter_fhir.codemap import CodeMap
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, codings

NOT_READ = "Procedure (not one the code map lists)"
"""Read-summary label of the Procedures the adapter passes over."""


def is_read(resource: Any, code_map: CodeMap) -> bool:
    """Whether a Procedure's code is one the code map lists (a malformed code is read, to be reported)."""
    try:
        return any(c in code_map.procedures for c in codings(Node(resource), "code"))
    except RecordProblem:
        return True


def read_procedures(reading: Reading) -> dict[str, dict[str, dt.date]]:
    """Each person's latest date of each field recorded by a completed Procedure."""
    found: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for entry in reading.of_type("Procedure"):
        if Node(entry.resource).raw("status") != "completed":
            reading.context.ignore("Procedure (not completed)")
            continue
        read = reading.attempt(entry, partial(_procedure, reading, entry), whole=True)
        if read is not None:
            pid, field, day = read
            found[pid][field] = max(day, found[pid].get(field, day))
    return found


def _procedure(reading: Reading, entry: Entry) -> tuple[str, str, dt.date]:
    node = Node(entry.resource)
    field = reading.code_map.first(reading.code_map.procedures, codings(node, "code"))
    if field is None:
        raise RecordProblem(".code", "no code the code map's procedures list")
    pid = reading.person_of(node.reference("subject"))
    return pid, str(field), _performed(node)


def _performed(node: Node) -> dt.date:
    """The local date of ``performedDateTime``, else ``performedPeriod.start`` (else its ``end``)."""
    if "performedDateTime" in node.data:
        return node.need_date("performedDateTime")
    period = node.child("performedPeriod")
    if period is not None:
        found = period.date("start") or period.date("end")
        if found is not None:
            return found
        raise RecordProblem(period.path, "required date missing (neither start nor end)")
    raise RecordProblem(".performed[x]", "required date missing (performedDateTime or performedPeriod)")
