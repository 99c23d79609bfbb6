"""The entities an SQL source maps onto: one per table of the reference schema, fields taken from the model.

Each entity is a kind of row (a care plan, a DBS check...). Its fields are the attributes of the canonical
model class it builds, minus the nested collections other entities fill, plus the link fields that place a
row in its location (``location_id``) and under its parent (``person_id``, ``staff_id``, ``rating_id``).
"""

from __future__ import annotations

import datetime as dt
import types
from enum import Enum
from typing import Any, Union, get_args, get_origin

import attrs

from mipr_rules.model import (
    Audit,
    CapacityAssessment,
    CarePlan,
    Complaint,
    DbsCheck,
    DolsAuthorisation,
    EvidenceItem,
    Feedback,
    Incident,
    KeyQuestionRating,
    Location,
    ManagerAbsence,
    MarException,
    Medicine,
    Person,
    PolicyDocument,
    Rating,
    RatingDisplay,
    RecruitmentChecks,
    RegistrationCondition,
    RiskAssessment,
    SafeguardingConcern,
    SafetyCheck,
    StaffingReview,
    StaffMember,
    Supervision,
    TrainingRecord,
    WeightRecord,
)
from mipr_rules.model.paths import record_type

NOT_MAPPED: dict[type, frozenset[str]] = {}
"""Model fields the reference schema has no column or table for: not read, so they keep the model's defaults
(``UNMAPPED_PATHS``). Empty: the reference schema holds the whole model."""

_PATH_OF: dict[type, str] = {
    Location: "",
    Person: "people.",
    CarePlan: "people.care_plans.",
    StaffMember: "staff.",
    Incident: "incidents.",
    Feedback: "feedback.",
}

UNMAPPED_PATHS: tuple[str, ...] = tuple(
    sorted(_PATH_OF[model] + name for model, names in NOT_MAPPED.items() for name in names)
)
"""``NOT_MAPPED`` as dotted model paths: the adapter's ``unmapped`` (the adapter contract expects them at the
model's defaults; readiness leaves out the rules that look at them)."""

SCALARS: tuple[type, ...] = (str, int, float, bool, dt.date, dt.datetime)
"""Field types a column can hold (plus the model's enums, stored as their text value)."""

RENAMED_COLUMNS = {
    ("staff", "left"): "left_on",
    ("ratings", "current"): "is_current",
    ("recruitment_checks", "references"): "references_received",
}
"""Reference-schema columns not named after their field (``left``, ``current`` and ``references`` are SQL
keywords)."""

IDENTITY_GROUPS = {
    "person": (
        ("people", "person_id"),
        ("care_plans", "person_id"),
        ("risk_assessments", "person_id"),
        ("medicines", "person_id"),
        ("mar_exceptions", "person_id"),
        ("capacity_assessments", "person_id"),
        ("dols_authorisations", "person_id"),
        ("weights", "person_id"),
        ("incidents", "person_id"),
        ("safeguarding", "person_id"),
    ),
    "staff": (
        ("staff", "staff_id"),
        ("dbs_checks", "staff_id"),
        ("training", "staff_id"),
        ("supervisions", "staff_id"),
        ("recruitment_checks", "staff_id"),
        ("locations", "registered_manager_id"),
    ),
}
"""Fields holding the same kind of identifier: pseudonymised all alike or not at all."""

PSEUDONYM_PREFIXES = {"person": "P", "staff": "S"}
"""Default prefix of pseudonyms per identity group (``P-…`` people, ``S-…`` staff)."""


@attrs.frozen
class FieldDef:
    """One field of an entity."""

    name: str
    """Field name: the model attribute's name, or a link field's name."""
    type: Any
    """Value type: ``str``, ``int``, ``float``, ``bool``, ``datetime.date``, ``datetime.datetime`` or a model
    enum."""
    optional: bool
    """Whether ``None`` (a NULL column) is an allowed value."""
    required: bool
    """Whether a mapping must map it (the model gives it no default)."""
    column: str
    """Its column in the reference schema."""
    link: bool = False
    """Whether it places the row (its location, parent, current flag) instead of filling a model attribute."""
    default: Any = None
    """The model's default, used when the column is NULL and the field is not optional."""

    @property
    def kind(self) -> str:
        """The value type as a user reads it in a message: ``date``, ``date-time``, ``text``..."""
        if isinstance(self.type, type) and issubclass(self.type, Enum):
            return "value"
        return {
            str: "text",
            int: "integer",
            float: "number",
            bool: "true/false",
            dt.date: "date",
            dt.datetime: "date-time",
        }[self.type]


@attrs.frozen
class EntityDef:
    """A kind of row: its reference table, the model class it builds, its fields and its parent."""

    name: str
    """Entity name, also the reference table's name."""
    model: type | None
    """The model class each row becomes (``None`` for service types, which are plain text)."""
    fields: tuple[FieldDef, ...]
    """Its fields, link fields first."""
    parent: str | None = None
    """The entity a row belongs to besides its location (``people`` for care plans)."""
    parent_link: str | None = None
    """The field naming that parent row (``person_id``)."""
    description: str = ""
    """What the table holds, for the documentation."""

    def field(self, name: str) -> FieldDef:
        """The field called ``name`` (``KeyError`` if it has none)."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of its fields, in order."""
        return tuple(field.name for field in self.fields)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(type, optional)`` of a resolved annotation such as ``datetime.date | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _model_fields(entity: str, model: type, exclude: frozenset[str] = frozenset()) -> list[FieldDef]:
    out = []
    for attribute in attrs.fields(attrs.resolve_types(model)):
        if attribute.name in exclude or attribute.name in NOT_MAPPED.get(model, frozenset()):
            continue
        value_type, optional = _unwrap(attribute.type)
        if not (value_type in SCALARS or (isinstance(value_type, type) and issubclass(value_type, Enum))):
            raise TypeError(f"{model.__name__}.{attribute.name} is not a column type; exclude it")
        out.append(
            FieldDef(
                name=attribute.name,
                type=value_type,
                optional=optional,
                required=attribute.default is attrs.NOTHING,
                column=RENAMED_COLUMNS.get((entity, attribute.name), attribute.name),
                default=None if attribute.default is attrs.NOTHING else attribute.default,
            )
        )
    return out


def _link(name: str, value_type: type = str, optional: bool = False, required: bool = True) -> FieldDef:
    return FieldDef(name=name, type=value_type, optional=optional, required=required, column=name, link=True)


def _entity(
    name: str,
    model: type | None,
    *,
    links: tuple[FieldDef, ...] = (),
    exclude: frozenset[str] = frozenset(),
    extra: tuple[FieldDef, ...] = (),
    parent: str | None = None,
    parent_link: str | None = None,
    description: str = "",
) -> EntityDef:
    fields = [_link("location_id"), *links]
    if model is not None:
        fields += _model_fields(name, model, exclude)
    fields += extra
    return EntityDef(name, model, tuple(fields), parent, parent_link, description)


_LOCATION_COLLECTIONS = frozenset(
    {
        "provider",
        "service_types",
        "manager_absences",
        "current_rating",
        "past_ratings",
        "rating_display",
        "conditions",
        "people",
        "staff",
        "incidents",
        "safeguarding",
        "complaints",
        "audits",
        "feedback",
        "evidence",
        "staffing_reviews",
        "checks",
        "policies",
    }
)

ENTITIES: dict[str, EntityDef] = {
    entity.name: entity
    for entity in (
        EntityDef(
            "locations",
            Location,
            (
                *_model_fields("locations", Location, _LOCATION_COLLECTIONS),
                _link("provider_id"),
                _link("provider_name", optional=True, required=False),
            ),
            description="One row per CQC location (care home or agency), with its provider.",
        ),
        _entity(
            "service_types",
            None,
            extra=(_link("service_type"),),
            description="CQC service types of a location, one row each.",
        ),
        _entity(
            "rating_displays",
            RatingDisplay,
            description="How a location displays its rating (at most one row).",
        ),
        _entity(
            "ratings",
            Rating,
            exclude=frozenset({"key_questions"}),
            extra=(FieldDef("current", bool, optional=True, required=False, column="is_current", link=True),),
            description="Published CQC ratings; the current one is flagged (else the newest is current).",
        ),
        _entity(
            "key_question_ratings",
            KeyQuestionRating,
            links=(_link("rating_id"),),
            parent="ratings",
            parent_link="rating_id",
            description="Key question ratings of a published rating (rating_id: the ratings row's key).",
        ),
        _entity("manager_absences", ManagerAbsence, description="Absences of the registered manager."),
        _entity("registration_conditions", RegistrationCondition, description="Conditions of registration."),
        _entity(
            "people",
            Person,
            exclude=frozenset(
                {
                    "care_plans",
                    "risk_assessments",
                    "medicines",
                    "mar_exceptions",
                    "capacity_assessments",
                    "dols",
                    "weights",
                }
            ),
            description="People using the service, by pseudonymous id.",
        ),
        _entity(
            "care_plans",
            CarePlan,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Care plans, linked to their person.",
        ),
        _entity(
            "risk_assessments",
            RiskAssessment,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Risk assessments, linked to their person.",
        ),
        _entity(
            "medicines",
            Medicine,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Prescription lines (how each is given), linked to their person.",
        ),
        _entity(
            "mar_exceptions",
            MarException,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Gaps and errors on a person's medicines administration record.",
        ),
        _entity(
            "capacity_assessments",
            CapacityAssessment,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Mental capacity assessments, one per decision, linked to their person.",
        ),
        _entity(
            "dols_authorisations",
            DolsAuthorisation,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="DoLS applications and authorisations, linked to their person.",
        ),
        _entity(
            "weights",
            WeightRecord,
            links=(_link("person_id"),),
            parent="people",
            parent_link="person_id",
            description="Recorded weights, linked to their person.",
        ),
        _entity(
            "staff",
            StaffMember,
            exclude=frozenset({"dbs", "training", "supervisions", "recruitment"}),
            description="Staff, by pseudonymous id.",
        ),
        _entity(
            "dbs_checks",
            DbsCheck,
            links=(_link("staff_id"),),
            parent="staff",
            parent_link="staff_id",
            description="DBS checks; the most recently issued one per worker is used.",
        ),
        _entity(
            "training",
            TrainingRecord,
            links=(_link("staff_id"),),
            parent="staff",
            parent_link="staff_id",
            description="Completed training.",
        ),
        _entity(
            "supervisions",
            Supervision,
            links=(_link("staff_id"),),
            parent="staff",
            parent_link="staff_id",
            description="Supervisions and appraisals.",
        ),
        _entity(
            "recruitment_checks",
            RecruitmentChecks,
            links=(_link("staff_id"),),
            parent="staff",
            parent_link="staff_id",
            description="Recruitment checks beyond DBS and the right to work; at most one row per worker.",
        ),
        _entity("incidents", Incident, description="Incidents and their CQC notifications."),
        _entity("safeguarding", SafeguardingConcern, description="Safeguarding concerns and referrals."),
        _entity("complaints", Complaint, description="Complaints and their handling."),
        _entity("audits", Audit, description="Internal audits."),
        _entity("feedback", Feedback, description="Feedback from people, relatives, staff and partners."),
        _entity(
            "evidence", EvidenceItem, description="Other evidence, tagged with its SAF evidence category."
        ),
        _entity(
            "staffing_reviews",
            StaffingReview,
            description="Staffing levels reviewed against a dependency tool.",
        ),
        _entity(
            "safety_checks",
            SafetyCheck,
            description="Routine safety checks (fire alarm tests and drills, controlled drugs, call bells).",
        ),
        _entity(
            "policies", PolicyDocument, description="Governance documents and when each was last reviewed."
        ),
    )
}
"""Every entity, in the order a location is assembled (parents before children)."""


def model_paths(name: str) -> tuple[str, ...]:
    """Dotted model paths the rows of entity ``name`` fill: ``care_plans`` → ``people.care_plans``,
    ``ratings`` → ``current_rating`` and ``past_ratings``; ``("",)`` for ``locations`` (itself)."""
    entity = ENTITIES[name]
    if entity.model is Location:
        return ("",)
    if entity.model is None:
        return ("service_types",)
    owners: list[tuple[str, Any]] = (
        [("", Location)]
        if entity.parent is None
        else [(f"{path}.", ENTITIES[entity.parent].model) for path in model_paths(entity.parent)]
    )
    return tuple(
        prefix + attribute.name
        for prefix, owner in owners
        for attribute in attrs.fields(attrs.resolve_types(owner))
        if record_type(attribute.type) is entity.model
    )


def identity_group(entity: str, field: str) -> str | None:
    """``person`` or ``staff`` if the field holds that kind of identifier."""
    for group, members in IDENTITY_GROUPS.items():
        if (entity, field) in members:
            return group
    return None
