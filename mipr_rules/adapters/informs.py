"""Which rules a source can inform: the records and fields behind each fact, and a ruleset cut down to them.

An adapter that reads only part of the canonical model declares what it leaves out:

* ``informs``: the record types it supplies (the ``cqc`` adapter: registration and ratings, no care records);
* ``unmapped``: model fields (dotted paths, e.g. ``people.peep_reviewed``, ``checks``) its source has no
  place for, so they keep the model's defaults (the same declaration the adapter contract checks).

A rule whose facts come from what the source does not supply would only report the absence of records
nobody sent ("no PEEP for anyone", "fire alarm never tested") or stay silent where it should speak, so it
is not evaluated; the report says which rule groups were left out and why, before any result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from mipr_rules.ruleset.schema import Rule, Ruleset

FACT_RECORDS: Mapping[str, tuple[str, ...]] = {
    "location": ("locations",),
    "care_plan": ("people", "care_plans"),
    "risk_assessment": ("people", "risk_assessments"),
    "training": ("staff", "training"),
    "staff": ("staff",),
    "supervision": ("staff", "supervisions"),
    "incident": ("incidents",),
    "safeguarding": ("safeguarding",),
    "complaint": ("complaints",),
    "audit": ("audits",),
    "feedback": ("feedback",),
    "evidence_category": ("evidence",),
    "manager_absence": ("manager_absences",),
    "registration_condition": ("conditions",),
    "person": ("people",),
    "medicine": ("people", "medicines"),
    "mar_exception": ("people", "mar_exceptions"),
    "capacity_assessment": ("people", "capacity_assessments"),
    "dols": ("people", "dols"),
    "staffing": ("staffing_reviews",),
    "check": ("checks",),
    "policy": ("policies",),
}
"""Record types each fact type of the readiness ruleset is measured from."""

FIELD_RECORDS: Mapping[str, str] = {
    "medication_errors_in_window": "incidents",
    "days_since_person_feedback": "feedback",
    "days_since_staff_feedback": "feedback",
    "days_since_partner_feedback": "feedback",
    "rated": "ratings",
    "days_since_rating_published": "ratings",
    "manager_recruitment_started": "manager_absences",
    "days_since_manager_recruitment_started": "manager_absences",
    "pir_requested": "pir_requests",
    "pir_returned": "pir_requests",
    "days_since_pir_request": "pir_requests",
    "people": "people",
    "staff": "staff",
}
"""Fields of the ``location`` fact measured from records other than the location itself."""


@attrs.frozen
class NotEvaluated:
    """A group of rules (one fact type) left out because the source does not inform their facts."""

    group: str
    """The fact type the rules look at, e.g. ``audit``."""
    rules: tuple[str, ...]
    """Ids of the rules not evaluated."""
    why: str
    """Why, e.g. ``the cqc adapter supplies no audits records``."""

    def as_dict(self) -> dict[str, Any]:
        """``{group, rules, why}`` as in the JSON reports (key ``not_evaluated``)."""
        return {"group": self.group, "rules": list(self.rules), "why": self.why}


ALL = ("*",)
"""Every field of the fact: the facts themselves are made from the model field."""

MODEL_FIELDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "rating_display": {
        "location": ("rating_displayed_premises", "rating_displayed_website", "has_website", "days_to_premises_display")
    },
    "checks": {"check": ALL},
    "policies": {"policy": ALL},
    "staffing_reviews": {"staffing": ALL},
    "people.medicines": {"medicine": ALL, "person": ("has_medicines",)},
    "people.mar_exceptions": {"mar_exception": ALL},
    "people.capacity_assessments": {"capacity_assessment": ALL},
    "people.dols": {"dols": ALL},
    "people.weights": {"person": ("weight_loss_percent", "rescreened_since_weight_loss")},
    "people.nutrition_screened": {
        "person": ("nutrition_screened", "days_since_nutrition_screening", "rescreened_since_weight_loss")
    },
    "people.peep_reviewed": {"person": ("has_peep", "days_since_peep_review")},
    "people.medicines_reconciled": {"person": ("medicines_reconciled",)},
    "people.medication_reviewed": {"person": ("medication_reviewed", "days_since_medication_review")},
    "people.communication_needs_recorded": {"person": ("communication_needs_recorded",)},
    "people.communication_support_needed": {"person": ("communication_support_needed",)},
    "people.communication_support_in_place": {"person": ("communication_support_in_place",)},
    "people.about_me_recorded": {"person": ("about_me_recorded",)},
    "people.care_preferences_recorded": {"person": ("care_preferences_recorded",)},
    "people.advance_care_plan_reviewed": {
        "person": ("has_advance_care_plan", "days_since_advance_care_plan_review")
    },
    "people.hospital_passport_reviewed": {
        "person": ("has_hospital_passport", "days_since_hospital_passport_review")
    },
    "people.care_plans.person_involved": {"care_plan": ("person_involved",)},
    "staff.recruitment": {
        "staff": (
            "recruitment_recorded",
            "employment_history_complete",
            "employment_gaps_explained",
            "references",
            "right_to_work_checked",
            "health_declaration",
        )
    },
    "staff.new_to_care": {"staff": ("new_to_care",)},
    "incidents.notifiable_safety_incident": {"incident": ("notifiable_safety_incident",)},
    "incidents.candour_notified": {"incident": ("candour_notified",)},
    "feedback.action_required": {"feedback": ALL},
    "feedback.actioned": {"feedback": ("actioned",)},
}
"""Model fields (dotted paths) → fact type → the fields of that fact measured from them (``ALL``: its facts
exist only through them). ``tests/adapters/test_informs.py`` checks it against the calculators: every fact
field that moves when the model field is dropped is listed."""


def _fields(condition: Any) -> Iterator[str]:
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            if key in ("any", "all", "not"):
                yield from _fields(value)
            else:
                yield str(key)
    elif isinstance(condition, (list, tuple)):
        for item in condition:
            yield from _fields(item)


def rule_needs(rule: Rule) -> tuple[str, ...]:
    """The record types ``rule``'s facts are measured from (the fact type's own name when it is unknown)."""
    needs = list(FACT_RECORDS.get(rule.fact, (rule.fact,)))
    for field in _fields(rule.when):
        record_type = FIELD_RECORDS.get(field)
        if record_type is not None and record_type not in needs:
            needs.append(record_type)
    return tuple(needs)


def source_gaps(adapter: Any, source: str | None = None) -> dict[str, Any]:
    """What ``adapter`` declares it leaves out, as keywords of ``run_readiness``: ``informs`` and ``unmapped``.

    An adapter whose gaps depend on the source (the ``sql`` adapter's mapping file may leave tables and
    columns out) answers ``unmapped_in(source)``; the others declare ``unmapped`` once.
    """
    per_source = getattr(adapter, "unmapped_in", None)
    unmapped = per_source(source) if per_source is not None and source is not None else getattr(adapter, "unmapped", ())
    return {"informs": getattr(adapter, "informs", None), "unmapped": tuple(unmapped)}


def reads_path(rule: Rule, path: str) -> bool:
    """Whether ``rule`` looks at what is measured from the model field ``path`` (``MODEL_FIELDS``).

    A path the table does not know (a vendor's mapping leaving a column out) is taken to feed every fact
    measured from its record type, loud rather than precise: ``people.discharged`` leaves out every rule on
    people's records, ``care_home`` every rule on the location's own fields.
    """
    facts = MODEL_FIELDS.get(path)
    if facts is None:
        return _record_type_of(path) in rule_needs(rule)
    fields = facts.get(rule.fact)
    if fields is None:
        return False
    return fields == ALL or not set(fields).isdisjoint(_fields(rule.when))


_TOP_LEVEL_RECORDS = {"current_rating": "ratings", "past_ratings": "ratings"}
"""Location fields holding records of a record type named otherwise."""
_RECORD_TYPES = frozenset(record for records in FACT_RECORDS.values() for record in records) | frozenset(
    FIELD_RECORDS.values()
)
"""Every record type a fact is measured from."""


def _record_type_of(path: str) -> str:
    """The record type a model path belongs to: its collection (``people.x`` → ``people``), else the location."""
    head = path.split(".")[0]
    return _TOP_LEVEL_RECORDS.get(head, head if head in _RECORD_TYPES else "locations")


def restrict(
    ruleset: Ruleset, informs: Iterable[str] | None, adapter: str, unmapped: Iterable[str] = ()
) -> tuple[Ruleset, tuple[NotEvaluated, ...]]:
    """``ruleset`` without the rules whose facts the source cannot inform, and those rules by group.

    ``informs``: the record types supplied (``None``: all of them); ``unmapped``: model fields not read.
    Nothing left out: ``ruleset`` itself.
    """
    supplied = None if informs is None else set(informs)
    unmapped = tuple(unmapped)
    kept: list[Rule] = []
    left: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for rule in ruleset.rules:
        missing = [need for need in rule_needs(rule) if supplied is not None and need not in supplied]
        unread = [path for path in unmapped if reads_path(rule, path)]
        if not missing and not unread:
            kept.append(rule)
            continue
        rules, records, fields = left.setdefault(rule.fact, ([], [], []))
        rules.append(rule.id)
        records.extend(m for m in missing if m not in records)
        fields.extend(f for f in unread if f not in fields)
    if not left:
        return ruleset, ()
    groups = tuple(
        NotEvaluated(group, tuple(rules), _why(adapter, records, fields))
        for group, (rules, records, fields) in left.items()
    )
    return attrs.evolve(ruleset, rules=tuple(kept)), groups


def restrict_to_source(ruleset: Ruleset, adapter: Any, source: str) -> tuple[Ruleset, tuple[NotEvaluated, ...]]:
    """``restrict`` by what ``adapter`` declares it leaves out of ``source`` (``source_gaps``)."""
    gaps = source_gaps(adapter, source)
    return restrict(ruleset, gaps["informs"], adapter.name, gaps["unmapped"])


def _why(adapter: str, records: list[str], fields: list[str]) -> str:
    parts = []
    if records:
        parts.append(f"supplies no {', '.join(records)} records")
    if fields:
        parts.append(f"does not read {', '.join(fields)}")
    return f"the {adapter} adapter {' and '.join(parts)}"
