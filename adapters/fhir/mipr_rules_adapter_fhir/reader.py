"""From the resources of one source to the canonical ``Location``: validate, index, map, assemble."""

from __future__ import annotations

import logging
from collections import Counter
from functools import partial

from mipr_rules.adapters.base import ReadContext
from mipr_rules.model import Location
from mipr_rules_adapter_fhir import map_observations, map_procedures
from mipr_rules_adapter_fhir.codemap import CodeMap, default_code_map
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.map_documents import read_policies
from mipr_rules_adapter_fhir.map_events import (
    read_complaints,
    read_feedback,
    read_incidents,
    read_safeguarding,
)
from mipr_rules_adapter_fhir.map_governance import (
    count_other_basics,
    read_audits,
    read_checks,
    read_evidence,
    read_staffing_reviews,
)
from mipr_rules_adapter_fhir.map_location import find_home, location_fields, provider_of
from mipr_rules_adapter_fhir.map_people import read_people
from mipr_rules_adapter_fhir.map_staff import give_staff_ids, read_staff
from mipr_rules_adapter_fhir.reading import Reading
from mipr_rules_adapter_fhir.server import SEARCHES
from mipr_rules_adapter_fhir.systems import LOCATION_SYSTEMS, PROVIDER_SYSTEMS
from mipr_rules_adapter_fhir.validation import validate

log = logging.getLogger("mipr_rules.adapters.fhir")

MAPPED_TYPES = frozenset(SEARCHES)
"""Resource types the adapter reads; others (Consent, Condition...) are passed over and logged."""


def read_location(
    entries: list[Entry],
    origin: str,
    context: ReadContext,
    location_systems: tuple[str, ...] = LOCATION_SYSTEMS,
    provider_systems: tuple[str, ...] = PROVIDER_SYSTEMS,
    code_map: CodeMap | None = None,
) -> list[Location]:
    """The one location held by ``entries`` (none if its own Location resource is bad, in lenient mode).

    Resources of types the adapter does not map, those entered in error, Observations that are neither a
    weight nor a nutrition screening and Procedures the code map does not list are counted by type in
    ``context.ignored`` (the read summary every report shows).
    """
    reading = Reading(
        context,
        location_systems=location_systems,
        provider_systems=provider_systems,
        code_map=code_map or default_code_map(),
    )
    passed_over: Counter[str] = Counter()
    codes = reading.code_map
    for entry in entries:
        if entry.resource_type not in MAPPED_TYPES:
            passed_over[entry.resource_type] += 1
        elif entry.resource.get("status") == "entered-in-error":
            passed_over[f"{entry.resource_type} (entered-in-error)"] += 1
        elif entry.resource_type == "Observation" and not map_observations.is_read(entry.resource, codes):
            passed_over[map_observations.NOT_READ] += 1
        elif entry.resource_type == "Procedure" and not map_procedures.is_read(entry.resource, codes):
            passed_over[map_procedures.NOT_READ] += 1
        elif reading.add(entry):
            reading.attempt(entry, partial(validate, entry.resource_type, entry.resource), whole=True)
    for kind, count in sorted(passed_over.items()):
        log.info("%s: passed over %d %s resource(s) the fhir adapter does not map", origin, count, kind)
        context.ignore(kind, count)

    home = find_home(reading, origin)
    if home is None:
        return []
    give_staff_ids(reading)
    provider = reading.attempt(home, lambda: provider_of(reading, home), whole=True)
    if provider is None:
        return []
    organization, canonical_provider = provider
    fields = reading.attempt(home, lambda: location_fields(reading, home), whole=True)
    if fields is None:
        return []
    location = Location(
        provider=canonical_provider,
        people=read_people(reading, home, organization),
        staff=read_staff(reading),
        incidents=read_incidents(reading),
        safeguarding=read_safeguarding(reading),
        complaints=read_complaints(reading),
        audits=read_audits(reading),
        feedback=read_feedback(reading),
        evidence=read_evidence(reading),
        policies=read_policies(reading),
        checks=read_checks(reading),
        staffing_reviews=read_staffing_reviews(reading),
        **fields,
    )
    count_other_basics(reading)
    return [location]
