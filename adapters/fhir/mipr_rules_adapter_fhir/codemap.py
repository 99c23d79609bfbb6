"""The code map: standard codes (SNOMED CT, HL7, NHS) onto the canonical model, from YAML.

The adapter's own code systems (``systems.CS_*``) are always read. The code map adds standard ones:
``staff_roles`` (PractitionerRole.code), ``training_courses`` (Practitioner.qualification.code),
``incident_categories`` (AdverseEvent.event / category), ``feedback`` (which QuestionnaireResponses are
feedback), ``nutrition_screening`` (Observation.code of a nutrition screening such as MUST) and
``procedures`` (Procedure.code -> the date field of a person it records, e.g. a medication review) and
``person_documents`` (DocumentReference.type -> a person's care document: PEEP, hospital passport...). The
default map is ``default-code-map.yaml`` beside this module; a vendor's file is read on top of it
(``FhirAdapter(code_map=PATH)`` or the ``MIPR_FHIR_CODE_MAP`` environment variable).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from mipr_rules.errors import ConfigError
from mipr_rules.loading import parse_yaml, read_text
from mipr_rules.model.vocabulary import IncidentCategory

CODE_MAP_ENV = "MIPR_FHIR_CODE_MAP"
"""Environment variable naming a vendor's code-map file, read on top of the default one."""

Code = tuple[str, str]

_SECTIONS = {
    "version",
    "staff_roles",
    "training_courses",
    "incident_categories",
    "safeguarding_flags",
    "communication_categories",
    "feedback",
    "nutrition_screening",
    "procedures",
    "person_documents",
}
COMMUNICATION_KINDS = frozenset(
    {
        "cqc-notification",
        "police-report",
        "safeguarding-referral",
        "complaint",
        "complaint-acknowledgement",
        "complaint-response",
        "duty-of-candour",
    }
)
"""What a Communication can be to the adapter (its own ``communication-category`` codes)."""
PROCEDURE_FIELDS = frozenset({"medication_reviewed", "medicines_reconciled", "nutrition_screened"})
"""``Person`` date fields a completed Procedure can record (its latest ``performed[x]`` date)."""
PERSON_DOCUMENTS = {
    "peep": "peep_reviewed",
    "hospital-passport": "hospital_passport_reviewed",
    "about-me": "about_me_recorded",
    "advance-care-plan": "advance_care_plan_reviewed",
    "communication-needs": "communication_needs_recorded",
    "care-preferences": "care_preferences_recorded",
}
"""A person's care documents (codes of ``person-document``) → the ``Person`` date field each gives."""
_FEEDBACK_TYPES = {"Patient", "RelatedPerson", "Practitioner", "PractitionerRole", "Organization"}


@attrs.frozen
class CodeMap:
    """Standard codes onto the canonical model."""

    staff_roles: Mapping[Code, str] = attrs.field(factory=dict)
    """``(system, code)`` of a PractitionerRole.code -> ``StaffMember.role``."""
    training_courses: Mapping[Code, str] = attrs.field(factory=dict)
    """``(system, code)`` of a qualification -> ``TrainingRecord.course``."""
    incident_categories: Mapping[Code, IncidentCategory] = attrs.field(factory=dict)
    """``(system, code)`` of AdverseEvent.event or .category -> the incident category."""
    safeguarding_flags: frozenset[Code] = frozenset()
    """``(system, code)`` of Flag.code marking a safeguarding concern."""
    communication_categories: Mapping[Code, str] = attrs.field(factory=dict)
    """``(system, code)`` of Communication.category -> one of ``COMMUNICATION_KINDS``."""
    feedback_questionnaires: frozenset[str] = frozenset()
    """Canonical URLs of questionnaires whose responses are feedback."""
    feedback_answered_by: frozenset[str] = frozenset()
    """Resource types of ``QuestionnaireResponse.source`` that make a completed response feedback."""
    feedback_channel: str = "survey"
    """``Feedback.channel`` of feedback read through this map."""
    nutrition_screening: frozenset[Code] = frozenset()
    """``(system, code)`` of an Observation.code recording a nutrition screening (``nutrition_screened``)."""
    procedures: Mapping[Code, str] = attrs.field(factory=dict)
    """``(system, code)`` of a Procedure.code -> the ``Person`` date field it records."""
    person_documents: Mapping[Code, str] = attrs.field(factory=dict)
    """``(system, code)`` of a DocumentReference.type -> a ``PERSON_DOCUMENTS`` kind."""

    @staticmethod
    def first(table: Mapping[Code, Any], codings: list[Code]) -> Any:
        """The mapped value of the first of ``codings`` that ``table`` lists, else ``None``."""
        return next((table[c] for c in codings if c in table), None)


def default_code_map() -> CodeMap:
    """The code map shipped with the adapter."""
    text = (resources.files("mipr_rules_adapter_fhir") / "default-code-map.yaml").read_text(encoding="utf-8")
    return _parse(parse_yaml(text, "default-code-map.yaml", ConfigError), "default-code-map.yaml", CodeMap())


def load_code_map(path: str | Path | None) -> CodeMap:
    """The default code map, with the file at ``path`` (if any) read on top of it."""
    base = default_code_map()
    if path is None:
        return base
    name = str(path)
    if not Path(path).is_file():
        raise ConfigError(f"{name}: code map file not found")
    return _parse(parse_yaml(read_text(path, ConfigError), name, ConfigError), name, base)


def _entries(data: Any, section: str, target: str, name: str) -> dict[Code, str]:
    found: dict[Code, str] = {}
    items = data.get(section) or []
    if not isinstance(items, list):
        raise ConfigError(f"{name}: {section}: expected a list of {{system, code, {target}}}")
    for index, item in enumerate(items):
        where = f"{name}: {section}[{index}]"
        if not isinstance(item, dict) or set(item) != {"system", "code", target}:
            raise ConfigError(f"{where}: expected exactly system, code and {target}")
        if not all(isinstance(item[k], (str, int)) and str(item[k]).strip() for k in item):
            raise ConfigError(f"{where}: system, code and {target} must be non-empty text")
        found[(str(item["system"]), str(item["code"]))] = str(item[target])
    return found


def _parse(data: Any, name: str, base: CodeMap) -> CodeMap:
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: a code map is a YAML mapping (staff_roles, training_courses, ...)")
    unknown = set(data) - _SECTIONS
    if unknown:
        raise ConfigError(
            f"{name}: {sorted(unknown)[0]}: unknown key (known: {', '.join(sorted(_SECTIONS))})"
        )
    if data.get("version", 1) != 1:
        raise ConfigError(f"{name}: version: only version 1 is known")
    incidents: dict[Code, IncidentCategory] = {}
    for code, value in _entries(data, "incident_categories", "category", name).items():
        try:
            incidents[code] = IncidentCategory(value)
        except ValueError:
            allowed = ", ".join(c.value for c in IncidentCategory)
            raise ConfigError(f"{name}: incident_categories: category must be one of {allowed}") from None
    communications = _entries(data, "communication_categories", "kind", name)
    if not set(communications.values()) <= COMMUNICATION_KINDS:
        allowed = ", ".join(sorted(COMMUNICATION_KINDS))
        raise ConfigError(f"{name}: communication_categories: kind must be one of {allowed}")
    flags = _codes(data, "safeguarding_flags", name)
    procedures = _entries(data, "procedures", "field", name)
    if not set(procedures.values()) <= PROCEDURE_FIELDS:
        allowed = ", ".join(sorted(PROCEDURE_FIELDS))
        raise ConfigError(f"{name}: procedures: field must be one of {allowed}")
    documents = _entries(data, "person_documents", "kind", name)
    if not set(documents.values()) <= set(PERSON_DOCUMENTS):
        allowed = ", ".join(PERSON_DOCUMENTS)
        raise ConfigError(f"{name}: person_documents: kind must be one of {allowed}")
    feedback = data.get("feedback") or {}
    if not isinstance(feedback, dict) or set(feedback) - {"questionnaires", "answered_by", "channel"}:
        raise ConfigError(f"{name}: feedback: expected questionnaires, answered_by and channel")
    questionnaires = feedback.get("questionnaires", sorted(base.feedback_questionnaires))
    answered_by = feedback.get("answered_by", sorted(base.feedback_answered_by))
    if not isinstance(questionnaires, list) or not all(isinstance(q, str) for q in questionnaires):
        raise ConfigError(f"{name}: feedback.questionnaires: expected a list of canonical URLs")
    if not isinstance(answered_by, list) or not set(answered_by) <= _FEEDBACK_TYPES:
        raise ConfigError(
            f"{name}: feedback.answered_by: expected resource types among {sorted(_FEEDBACK_TYPES)}"
        )
    return CodeMap(
        staff_roles={**base.staff_roles, **_entries(data, "staff_roles", "role", name)},
        training_courses={**base.training_courses, **_entries(data, "training_courses", "course", name)},
        incident_categories={**base.incident_categories, **incidents},
        safeguarding_flags=base.safeguarding_flags | flags,
        communication_categories={**base.communication_categories, **communications},
        feedback_questionnaires=frozenset(q.split("|")[0] for q in questionnaires),
        feedback_answered_by=frozenset(answered_by),
        feedback_channel=str(feedback.get("channel", base.feedback_channel)),
        nutrition_screening=base.nutrition_screening | _codes(data, "nutrition_screening", name),
        procedures={**base.procedures, **procedures},
        person_documents={**base.person_documents, **documents},
    )


def _codes(data: Any, section: str, name: str) -> frozenset[Code]:
    """A section listing codings: ``[{system, code}, ...]``."""
    items = data.get(section) or []
    if not isinstance(items, list) or not all(
        isinstance(f, dict) and set(f) == {"system", "code"} and all(str(v).strip() for v in f.values())
        for f in items
    ):
        raise ConfigError(f"{name}: {section}: expected a list of {{system, code}}")
    return frozenset((str(f["system"]), str(f["code"])) for f in items)
