"""Pseudonymous ids of people and staff: the only thing taken from a Patient or Practitioner's identity.

Order of preference:

1. an identifier in the ``PSEUDONYM`` system: the source already pseudonymised it; used unchanged (but
   never if it looks like an NHS number);
2. the NHS number (Patient) or the first identifier (Practitioner): keyed HMAC through
   ``ReadContext.pseudonym``, so the same person gets the same id as with any other adapter;
3. the logical id (``Patient/abc``), pseudonymised the same way.

Names, birth dates, addresses, telecoms and NHS numbers are never read into the model.
"""

from __future__ import annotations

import re

from mipr_rules.adapters.base import ReadContext
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.systems import NHS_NUMBER, PSEUDONYM

PERSON_PREFIX = "P"
"""Prefix of pseudonyms made for people using the service."""
STAFF_PREFIX = "S"
"""Prefix of pseudonyms made for staff."""

_NHS_NUMBER_SHAPE = re.compile(r"\d{10}")


def person_id(entry: Entry, context: ReadContext) -> str:
    """Pseudonymous id of the Patient ``entry``."""
    return _pseudonymous_id(entry, context, PERSON_PREFIX, (NHS_NUMBER,))


def staff_id(entry: Entry, context: ReadContext) -> str:
    """Pseudonymous id of the Practitioner ``entry``."""
    return _pseudonymous_id(entry, context, STAFF_PREFIX, None)


def _pseudonymous_id(entry: Entry, context: ReadContext, prefix: str, systems: tuple[str, ...] | None) -> str:
    identifiers = [
        (node, node.string("system"), node.string("value"))
        for node in Node(entry.resource).children("identifier")
    ]
    for node, system, value in identifiers:
        if system == PSEUDONYM and value:
            if _NHS_NUMBER_SHAPE.fullmatch(value.replace(" ", "")):
                raise RecordProblem(node.at("value"), "a pseudonym must not be an NHS number")
            return value
    for _, system, value in identifiers:
        if value and system and (systems is None or system in systems):
            key = value.replace(" ", "") if system == NHS_NUMBER else f"{system}|{value}"
            return context.pseudonym(key, prefix)
    if entry.id:
        return context.pseudonym(f"{entry.resource_type}/{entry.id}", prefix)
    raise RecordProblem(".identifier", "no identifier or id to derive a pseudonymous id from")
