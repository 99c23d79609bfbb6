"""The state of one read: the resources by type and reference, the ids given so far, and the skip rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from enum import Enum
from functools import partial
from typing import TypeVar

import attrs

from mipr_rules.adapters.base import ReadContext
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.codemap import CodeMap, default_code_map
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem, Ref

T = TypeVar("T")

RECORD_TYPES = {
    "Location": "locations",
    "Patient": "people",
    "CarePlan": "care_plans",
    "RiskAssessment": "risk_assessments",
    "Practitioner": "staff",
    "MedicationRequest": "medicines",
    "MedicationAdministration": "mar_exceptions",
}
"""Resource types that map to one record type of the model; others are reported under their own name."""
E = TypeVar("E", bound=Enum)


@attrs.define
class Reading:
    """Resources of one source and what has been made of them."""

    context: ReadContext
    """Lenient or strict, the pseudonym key, the skip log."""
    entries: list[Entry] = attrs.field(factory=list)
    """Resources of mapped types, in source order (those in ``bad`` included)."""
    bad: set[str] = attrs.field(factory=set)
    """``Entry.where`` of every resource skipped as a whole."""
    person_ids: dict[str, str] = attrs.field(factory=dict)
    """Pseudonymous person id of each Patient, by ``Entry.where``."""
    staff_ids: dict[str, str] = attrs.field(factory=dict)
    """Pseudonymous staff id of each Practitioner, by ``Entry.where``."""
    location_systems: tuple[str, ...] = systems.LOCATION_SYSTEMS
    """Identifier systems that mark the care location, in order of preference."""
    provider_systems: tuple[str, ...] = systems.PROVIDER_SYSTEMS
    """Identifier systems of the registered provider's Organization, in order of preference."""
    code_map: CodeMap = attrs.field(factory=default_code_map)
    """Standard codes (SNOMED CT, HL7, NHS) onto the canonical model."""
    _by_type: dict[str, list[Entry]] = attrs.field(factory=lambda: defaultdict(list))
    _by_reference: dict[str, Entry] = attrs.field(factory=dict)
    _by_identifier: dict[tuple[str, str], list[Entry]] = attrs.field(factory=lambda: defaultdict(list))

    def add(self, entry: Entry) -> bool:
        """Index a resource; a second one with the same ``Type/id`` or fullUrl is a problem (``False``)."""
        keys = [key for key in (entry.key, entry.full_url) if key]
        if any(key in self._by_reference for key in keys):
            self.attempt(entry, partial(_raise, ".id", "same resource appears twice in the source"))
            return False
        for key in keys:
            self._by_reference[key] = entry
        for ident in entry.resource.get("identifier") or []:
            if not isinstance(ident, dict):
                continue
            system, value = ident.get("system"), ident.get("value")
            if isinstance(system, str) and isinstance(value, str):
                self._by_identifier[(system, value)].append(entry)
        self._by_type[entry.resource_type].append(entry)
        self.entries.append(entry)
        return True

    def of_type(self, resource_type: str) -> list[Entry]:
        """Resources of one type not skipped, in source order."""
        return [entry for entry in self._by_type.get(resource_type, []) if entry.where not in self.bad]

    def attempt(self, entry: Entry, read: Callable[[], T], *, whole: bool = False) -> T | None:
        """``read()``, or ``None`` once its ``RecordProblem`` is reported (``whole``: skip the resource)."""
        try:
            return read()
        except RecordProblem as problem:
            if whole:
                self.bad.add(entry.where)
            record_type = RECORD_TYPES.get(entry.resource_type, entry.resource_type)
            self.context.problem(f"{entry.where} {problem.path}", problem.why, record_type)
            return None

    def lookup(self, ref: Ref) -> Entry | None:
        """The resource ``ref`` points to, if it is in the source (skipped or not)."""
        if ref.reference is None:
            return self._by_logical_id(ref)
        found = self._by_reference.get(ref.reference)
        if found is None and ref.type:
            parts = [part for part in ref.reference.split("/_history/")[0].split("/") if part]
            if len(parts) >= 2:
                found = self._by_reference.get(f"{parts[-2]}/{parts[-1]}")
        return found

    def _by_logical_id(self, ref: Ref) -> Entry | None:
        """The one resource (of ``ref.type`` if given) carrying ``Reference.identifier`` (NHS number...)."""
        if ref.identifier is None:
            return None
        candidates = self._by_identifier.get(ref.identifier, [])
        found = [e for e in candidates if ref.type in (None, e.resource_type)]
        return found[0] if len(found) == 1 else None

    def resolve(self, ref: Ref | None, *types: str, path: str = "") -> Entry:
        """The resource ``ref`` points to, which must be one of ``types``, in the source and not skipped."""
        wanted = " or ".join(types)
        if ref is None:
            raise RecordProblem(path, f"required reference to {wanted} missing")
        if ref.type is not None and ref.type not in types:
            raise RecordProblem(ref.path, f"expected a reference to {wanted}, got {ref.type}")
        target = self.lookup(ref)
        if target is None:
            raise RecordProblem(ref.path, f"refers to a {ref.type or wanted} that is not in the source")
        if target.resource_type not in types:
            raise RecordProblem(ref.path, f"expected a reference to {wanted}, got {target.resource_type}")
        if target.where in self.bad:
            raise RecordProblem(ref.path, f"refers to a {target.resource_type} that was skipped")
        return target

    def type_of(self, ref: Ref) -> str | None:
        """The resource type ``ref`` points to: as written, else that of the resource it resolves to."""
        if ref.type is not None:
            return ref.type
        target = self.lookup(ref)
        return target.resource_type if target else None

    def person_if_patient(self, ref: Ref | None) -> str | None:
        """Pseudonymous id of the Patient ``ref`` points to; ``None`` if it points to anything else."""
        if ref is None or self.type_of(ref) != "Patient":
            return None
        return self.person_of(ref)

    def person_of(self, ref: Ref | None, path: str = ".subject") -> str:
        """Pseudonymous id of the Patient ``ref`` points to."""
        target = self.resolve(ref, "Patient", path=path)
        if target.where not in self.person_ids:
            raise RecordProblem(ref.path if ref else path, "refers to a Patient that was skipped")
        return self.person_ids[target.where]

    def staff_of(self, ref: Ref | None, path: str) -> str:
        """Pseudonymous id of the Practitioner ``ref`` points to."""
        target = self.resolve(ref, "Practitioner", path=path)
        if target.where not in self.staff_ids:
            raise RecordProblem(ref.path if ref else path, "refers to a Practitioner that was skipped")
        return self.staff_ids[target.where]

    def by_target(
        self, resource_type: str, link: Callable[[Node], Iterable[Ref]], *targets: str
    ) -> dict[str, list[Entry]]:
        """Resources of ``resource_type`` grouped by the resource each links to through ``link``.

        A link that does not resolve to one of ``targets`` is a problem and the linking resource is skipped.
        """
        grouped: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.of_type(resource_type):

            def targets_of(entry: Entry = entry) -> list[str]:
                refs = list(link(Node(entry.resource)))
                return [self.resolve(ref, *targets).where for ref in refs]

            for where in self.attempt(entry, targets_of, whole=True) or []:
                grouped[where].append(entry)
        return grouped


def codings(node: Node, key: str) -> list[tuple[str, str]]:
    """``(system, code)`` of every coding of the CodeableConcept (or array of them) ``key``."""
    found = []
    for concept in node.children(key):
        for coding in concept.children("coding"):
            system, code = coding.string("system"), coding.string("code")
            if system and code:
                found.append((system, code))
    return found


def _raise(path: str, why: str) -> None:
    raise RecordProblem(path, why)


def enum_value(cls: type[E], value: str | None, path: str) -> E:
    """``cls(value)``; a problem listing the allowed values (never the given one) otherwise."""
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in cls)
        raise RecordProblem(path, f"expected one of {allowed}") from None


def record_type(reading: Reading, entry: Entry) -> str | None:
    """The adapter's record type of a Basic (``Basic.code`` in ``record-type``); a malformed coding is
    reported and the Basic skipped."""
    found: str | None = reading.attempt(
        entry, partial(Node(entry.resource).code, "code", systems.CS_RECORD_TYPE), whole=True
    )
    return found


def effective_date(node: Node) -> dt.date:
    """The local date of ``effective[x]``: ``effectiveDateTime``, else ``effectivePeriod.start`` (else its
    ``end``), else ``effectiveInstant``; one of them is required."""
    if "effectiveDateTime" in node.data:
        return node.need_date("effectiveDateTime")
    period = node.child("effectivePeriod")
    if period is not None:
        found = period.date("start") or period.date("end")
        if found is None:
            raise RecordProblem(period.path, "required date missing (neither start nor end)")
        return found
    if "effectiveInstant" in node.data:
        return node.need_date("effectiveInstant")
    raise RecordProblem(".effective[x]", "required date missing")


def record_id(entry: Entry) -> str:
    """The care-record system's id of a record: the resource id, else its first identifier's value."""
    if entry.id:
        return entry.id
    for identifier in Node(entry.resource).children("identifier"):
        value = identifier.string("value")
        if value:
            return value
    raise RecordProblem(".id", "no id or identifier to name the record by")
