"""Observation → a person's recorded weights and latest nutrition screening.

A body weight is an Observation coded LOINC 29463-7 or SNOMED CT 27113001 (UKCore-Observation-VitalSigns-
BodyWeight) with a ``valueQuantity`` in a UCUM mass unit (kg, g, [lb_av]), converted to kilograms. A
nutrition screening is an Observation whose code the code map's ``nutrition_screening`` lists (MUST by
default). Only results that stand (status ``final``, ``amended``, ``corrected``) are used; others, and a
weight with a ``dataAbsentReason`` instead of a value, are counted as read and not used. Observations with
neither code are passed over before they are checked (a home's vital signs are many).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

from mipr_rules.model import WeightRecord
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.codemap import CodeMap
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, codings, effective_date

RESULT_STATUSES = ("final", "amended", "corrected")
"""Observation statuses whose result is used."""
NOT_READ = "Observation (not a weight or nutrition screening)"
"""Read-summary label of the Observations the adapter passes over."""


def is_read(resource: Any, code_map: CodeMap) -> bool:
    """Whether an Observation's code makes it a weight or a nutrition screening (or cannot be told: a
    malformed code is read, so that the check reports it)."""
    try:
        found = set(codings(Node(resource), "code"))
    except RecordProblem:
        return True
    return bool(found & (systems.BODY_WEIGHT_CODES | code_map.nutrition_screening))


def read_observations(reading: Reading) -> tuple[dict[str, list[WeightRecord]], dict[str, dt.date]]:
    """Each person's weights (source order) and date of their latest nutrition screening."""
    weights: dict[str, list[WeightRecord]] = defaultdict(list)
    screened: dict[str, dt.date] = {}
    for entry in reading.of_type("Observation"):
        node = Node(entry.resource)
        if node.raw("status") not in RESULT_STATUSES:
            reading.context.ignore("Observation (not final)")
            continue
        found = set(codings(node, "code"))
        if found & systems.BODY_WEIGHT_CODES:
            if node.raw("valueQuantity") is None and node.raw("dataAbsentReason") is not None:
                reading.context.ignore("Observation (weight not taken)")
                continue
            weight = reading.attempt(entry, partial(_weight, reading, entry), whole=True)
            if weight is not None:
                weights[weight[0]].append(weight[1])
        elif found & reading.code_map.nutrition_screening:
            screening = reading.attempt(entry, partial(_screening, reading, entry), whole=True)
            if screening is not None:
                pid, day = screening
                screened[pid] = max(day, screened.get(pid, day))
    return weights, screened


def _weight(reading: Reading, entry: Entry) -> tuple[str, WeightRecord]:
    node = Node(entry.resource)
    pid = reading.person_of(node.reference("subject"))
    recorded = effective_date(node)
    quantity = node.need_child("valueQuantity")
    value = quantity.raw("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise RecordProblem(quantity.at("value"), "expected a weight above zero")
    unit = quantity.string("code")
    if quantity.string("system") != systems.UCUM or unit not in systems.KG_PER_UCUM_UNIT:
        units = ", ".join(systems.KG_PER_UCUM_UNIT)
        raise RecordProblem(quantity.at("code"), f"expected a UCUM mass unit ({units}) in {systems.UCUM}")
    kg = round(value * systems.KG_PER_UCUM_UNIT[unit], 3)
    return pid, WeightRecord(recorded=recorded, kg=float(kg))


def _screening(reading: Reading, entry: Entry) -> tuple[str, dt.date]:
    node = Node(entry.resource)
    return reading.person_of(node.reference("subject")), effective_date(node)
