"""Location and Organization (with the CQC extensions) → the canonical ``Location``'s own fields."""

from __future__ import annotations

from typing import Any

from mipr_rules.errors import InputError
from mipr_rules.model import (
    KeyQuestionRating,
    ManagerAbsence,
    Provider,
    Rating,
    RatingDisplay,
    RegistrationCondition,
)
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue, RegistrationStatus
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, enum_value


def identifier(node: Node, system: str) -> str | None:
    """The value of the first identifier of ``system``."""
    for ident in node.children("identifier"):
        if ident.string("system") == system:
            return ident.string("value")
    return None


def first_identifier(node: Node, systems_: tuple[str, ...]) -> str | None:
    """The value of the identifier of the first of ``systems_`` the resource carries."""
    for system in systems_:
        value = identifier(node, system)
        if value is not None:
            return value
    return None


def find_home(reading: Reading, origin: str) -> Entry | None:
    """The one Location identified in one of ``reading.location_systems`` (``--location ID`` picks one of
    many); ``None`` if it was skipped as a bad record."""
    homes = [e for e in reading.entries if e.resource_type == "Location" and _home_id(reading, e)]
    wanted = reading.context.location
    if wanted is not None:
        homes = [entry for entry in homes if wanted in _all_ids(reading, entry)]
        if not homes:
            raise InputError(f"{origin}: no Location with the identifier given by --location")
    if len(homes) > 1:
        raise InputError(
            f"{origin}: holds {len(homes)} care Locations; choose one with --location ID (its CQC location id"
            " or ODS code)"
        )
    if not homes:
        raise InputError(
            f"{origin}: no Location with an identifier in any of {', '.join(reading.location_systems)}"
        )
    home = homes[0]
    if home.where not in reading.bad:
        for entry in reading.entries:
            if entry.resource_type == "Location" and entry is not home:
                reading.context.ignore("Location")
    return None if home.where in reading.bad else home


def _home_id(reading: Reading, entry: Entry) -> str | None:
    try:
        return first_identifier(Node(entry.resource), reading.location_systems)
    except RecordProblem:
        return None


def _all_ids(reading: Reading, entry: Entry) -> set[str]:
    try:
        node = Node(entry.resource)
        return {value for system in reading.location_systems if (value := identifier(node, system))}
    except RecordProblem:
        return set()


def provider_of(reading: Reading, home: Entry) -> tuple[Entry, Provider]:
    """The registered provider: the home's ``managingOrganization``, identified in ``provider_systems``."""
    node = Node(home.resource)
    org = reading.resolve(
        node.reference("managingOrganization"), "Organization", path=".managingOrganization"
    )
    org_node = Node(org.resource)
    provider_id = first_identifier(org_node, reading.provider_systems)
    if provider_id is None:
        raise RecordProblem(
            ".managingOrganization",
            f"the Organization has no identifier in any of {', '.join(reading.provider_systems)}",
        )
    return org, Provider(provider_id=provider_id, name=org_node.string("name"))


def location_fields(reading: Reading, home: Entry) -> dict[str, Any]:
    """The home's own fields (registration, ratings, conditions...), each part skipped alone if bad."""
    node = Node(home.resource)
    fields: dict[str, Any] = {
        "location_id": first_identifier(node, reading.location_systems),
        "name": node.need_string("name"),
        "service_types": tuple(node.codes("type", systems.CS_SERVICE_TYPE)),
        "registration_status": (
            RegistrationStatus.DEREGISTERED
            if node.string("status") == "inactive"
            else RegistrationStatus.REGISTERED
        ),
    }
    parts = (
        lambda: _registration(reading, node),
        lambda: _pir(node),
        lambda: {"rating_display": _display(node)},
        lambda: {"current_rating": _rating(node.extension(systems.EXT_CURRENT_RATING))},
        lambda: {"past_ratings": tuple(_rating(ext) for ext in node.extensions(systems.EXT_PAST_RATING))},
        lambda: {"conditions": tuple(_condition(ext) for ext in node.extensions(systems.EXT_CONDITION))},
        lambda: {
            "manager_absences": tuple(_absence(ext) for ext in node.extensions(systems.EXT_MANAGER_ABSENCE))
        },
    )
    for part in parts:
        fields.update(reading.attempt(home, part) or {})
    return fields


def _registration(reading: Reading, node: Node) -> dict[str, Any]:
    ext = node.extension(systems.EXT_REGISTRATION)
    if ext is None:
        return {}
    manager = ext.ext_reference("registeredManager")
    found: dict[str, Any] = {
        "care_home": ext.ext_boolean("careHome"),
        "registration_date": ext.ext_date("registrationDate"),
        "beds": ext.ext_integer("beds"),
        "registered_manager_required": ext.ext_boolean("registeredManagerRequired"),
        "registered_manager_id": reading.staff_of(manager, manager.path) if manager else None,
        "manager_recruitment_started": ext.ext_date("managerRecruitmentStarted"),
    }
    return {key: value for key, value in found.items() if value is not None}


def _pir(node: Node) -> dict[str, Any]:
    ext = node.extension(systems.EXT_PIR)
    if ext is None:
        return {}
    return {"pir_requested": ext.ext_date("requested"), "pir_returned": ext.ext_date("returned")}


def _display(node: Node) -> RatingDisplay | None:
    ext = node.extension(systems.EXT_RATING_DISPLAY)
    if ext is None:
        return None
    has_website = ext.ext_boolean("hasWebsite")
    return RatingDisplay(
        premises=ext.ext_date("premises"),
        website=ext.ext_date("website"),
        has_website=True if has_website is None else has_website,
    )


def _rating(ext: Node | None) -> Rating | None:
    if ext is None:
        return None
    overall = ext.ext_string("overall")
    questions = []
    for kq in ext.extensions("keyQuestion"):
        question = kq.ext_string("question", required=True)
        rating = kq.ext_string("rating", required=True)
        questions.append(
            KeyQuestionRating(
                key_question=enum_value(KeyQuestion, question, f"{kq.path}.extension[question]"),
                rating=enum_value(RatingValue, rating, f"{kq.path}.extension[rating]"),
            )
        )
    return Rating(
        overall=enum_value(RatingValue, overall, f"{ext.path}.extension[overall]") if overall else None,
        published=ext.need_ext_date("published"),
        key_questions=tuple(questions),
        report_id=ext.ext_string("reportId"),
    )


def _condition(ext: Node) -> RegistrationCondition:
    met = ext.ext_boolean("met")
    return RegistrationCondition(
        description=ext.ext_string("description", required=True) or "",
        met=True if met is None else met,
        reason=ext.ext_string("reason"),
    )


def _absence(ext: Node) -> ManagerAbsence:
    return ManagerAbsence(
        start=ext.need_ext_date("start"),
        expected_days=ext.ext_integer("expectedDays", required=True) or 0,
        planned=bool(ext.ext_boolean("planned", required=True)),
        notified=ext.ext_date("notified"),
    )
