"""Basic → a person's Mental Capacity Act records: capacity assessments and DoLS applications.

FHIR R4 and UK Core have no resource for either (a DoLS authorisation is granted by a supervisory body, not
a consent), so they are ``Basic`` resources of the adapter's record types, as audits and DBS checks are:
``capacity-assessment`` and ``dols-application``, ``subject`` → the Patient, ``created`` = the date assessed
or applied, the rest in the adapter's extensions.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from mipr_rules.model import CapacityAssessment, DolsAuthorisation
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node
from mipr_rules_adapter_fhir.reading import Reading, record_id
from mipr_rules_adapter_fhir.reading import record_type as basic_record_type

CAPACITY_ASSESSMENT = "capacity-assessment"
"""Basic code of a Mental Capacity Act assessment of one decision."""
DOLS_APPLICATION = "dols-application"
"""Basic code of a Deprivation of Liberty Safeguards application and its authorisation."""


def read_capacity_assessments(reading: Reading) -> dict[str, list[CapacityAssessment]]:
    """Each person's capacity assessments, in source order."""
    found: dict[str, list[CapacityAssessment]] = defaultdict(list)
    for entry in _of_record_type(reading, CAPACITY_ASSESSMENT):
        read = reading.attempt(entry, partial(_assessment, reading, entry), whole=True)
        if read is not None:
            found[read[0]].append(read[1])
    return found


def read_dols(reading: Reading) -> dict[str, list[DolsAuthorisation]]:
    """Each person's DoLS applications, in source order."""
    found: dict[str, list[DolsAuthorisation]] = defaultdict(list)
    for entry in _of_record_type(reading, DOLS_APPLICATION):
        read = reading.attempt(entry, partial(_dols, reading, entry), whole=True)
        if read is not None:
            found[read[0]].append(read[1])
    return found


def _of_record_type(reading: Reading, record_type: str) -> list[Entry]:
    return [entry for entry in reading.of_type("Basic") if basic_record_type(reading, entry) == record_type]


def _assessment(reading: Reading, entry: Entry) -> tuple[str, CapacityAssessment]:
    node = Node(entry.resource)
    return reading.person_of(node.reference("subject")), CapacityAssessment(
        assessment_id=record_id(entry),
        decision=node.ext_string(systems.EXT_MCA_DECISION, required=True) or "",
        assessed=node.need_date("created"),
        lacks_capacity=bool(node.ext_boolean(systems.EXT_LACKS_CAPACITY)),
        best_interests_recorded=bool(node.ext_boolean(systems.EXT_BEST_INTERESTS_RECORDED)),
        review_due=node.ext_date(systems.EXT_REVIEW_DUE),
    )


def _dols(reading: Reading, entry: Entry) -> tuple[str, DolsAuthorisation]:
    node = Node(entry.resource)
    met = node.ext_boolean(systems.EXT_DOLS_CONDITIONS_MET)
    return reading.person_of(node.reference("subject")), DolsAuthorisation(
        dols_id=record_id(entry),
        applied=node.need_date("created"),
        granted=node.ext_date(systems.EXT_DOLS_GRANTED),
        expires=node.ext_date(systems.EXT_DOLS_EXPIRES),
        conditions=node.ext_integer(systems.EXT_DOLS_CONDITIONS) or 0,
        conditions_met=True if met is None else met,
        renewal_applied=node.ext_date(systems.EXT_DOLS_RENEWAL_APPLIED),
    )
