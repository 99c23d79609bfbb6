"""The fact reference: every fact type the installed calculators produce, with each field's type, unit and meaning.

``mipr rules facts`` prints it and ``docs/facts.md`` is generated from it. A calculator documents its fields
with ``FactType.docs``; a field it leaves undocumented gets a unit read from its name (``days_…``, ``hours_…``,
``…_percent``) and a meaning spelt out from its words, marked as derived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from mipr_rules.facts.base import FactCalculator, FactType
from mipr_rules.ruleset.schema import Ruleset

_UNITS = (
    (re.compile(r"(^|_)working_days(_|$)"), "working_days"),
    (re.compile(r"(^|_)days(_|$)"), "days"),
    (re.compile(r"(^|_)hours(_|$)"), "hours"),
    (re.compile(r"(^|_)months(_|$)"), "months"),
    (re.compile(r"(^|_)(percent|percentage)(_|$)"), "percent"),
)


@attrs.frozen
class FieldReference:
    """One field of a fact type."""

    name: str
    """Field name, as a rule's condition names it."""
    type: str
    """JSON type: ``integer``, ``number``, ``boolean``, ``string`` or ``date``."""
    unit: str | None
    """Unit of a number, if any."""
    meaning: str
    """What the value measures."""
    documented: bool
    """Whether the calculator documents it (``False``: unit and meaning derived from the name)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "type": self.type, "unit": self.unit, "meaning": self.meaning,
                "documented": self.documented}


@attrs.frozen
class FactReference:
    """One fact type: what it describes, which calculators produce it, and its fields."""

    name: str
    """The fact type a rule names in ``fact:``."""
    description: str
    """What one fact of this type describes."""
    calculators: tuple[str, ...]
    """Names of the fact calculators that produce it."""
    fields: tuple[FieldReference, ...]
    """Its fields, ``subject`` first."""

    def field(self, name: str) -> FieldReference | None:
        """The field called ``name``, if the fact type has one."""
        return next((f for f in self.fields if f.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``mipr rules facts --format json``)."""
        return {"fact": self.name, "description": self.description, "calculators": list(self.calculators),
                "fields": [f.as_dict() for f in self.fields]}


def derived_unit(name: str) -> str | None:
    """The unit a field's name states (``days_since_review`` → ``days``), if any."""
    return next((unit for pattern, unit in _UNITS if pattern.search(name)), None)


def derived_meaning(name: str, type_: str) -> str:
    """A meaning spelt out from a field's words, for fields a calculator does not document."""
    words = name.replace("_", " ")
    if type_ == "boolean":
        return f"Whether {words}"
    return words[:1].upper() + words[1:]


_SUBJECT = FieldReference("subject", "string", None, "Pseudonymous key of the record the fact measures", True)


def fact_reference(calculators: Iterable[FactCalculator]) -> list[FactReference]:
    """Every fact type of ``calculators``, merged by name (several calculators may add fields), sorted by name."""
    merged: dict[str, tuple[list[str], list[FactType]]] = {}
    for calc in calculators:
        for fact_type in calc.fact_types:
            names, types = merged.setdefault(fact_type.name, ([], []))
            if calc.name not in names:
                names.append(calc.name)
            types.append(fact_type)
    out = []
    for name in sorted(merged):
        names, types = merged[name]
        fields: dict[str, FieldReference] = {}
        for fact_type in types:
            docs = getattr(fact_type, "docs", {}) or {}
            for field, type_ in fact_type.fields.items():
                doc = docs.get(field)
                if doc is not None:
                    fields[field] = FieldReference(field, type_, doc.unit, doc.meaning, True)
                elif field not in fields:
                    fields[field] = FieldReference(
                        field, type_, derived_unit(field), derived_meaning(field, type_), False
                    )
        description = next((t.description for t in types if t.description), "")
        out.append(FactReference(name, description, tuple(names), (_SUBJECT, *fields.values())))
    return out


def _condition_fields(items: Any) -> Iterator[str]:
    for item in items if isinstance(items, (list, tuple)) else ():
        if isinstance(item, Mapping):
            for key, body in item.items():
                if key in ("any", "all"):
                    yield from _condition_fields(body)
                else:
                    yield str(key)


def tested_fields(rulesets: Iterable[Ruleset]) -> dict[str, set[str]]:
    """Fact type → every field the rules of ``rulesets`` test in their conditions."""
    out: dict[str, set[str]] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules:
            out.setdefault(rule.fact, set()).update(_condition_fields(rule.when))
    return out


def render_text(facts: Iterable[FactReference]) -> str:
    """The reference as terminal text: one block per fact type, one line per field."""
    lines: list[str] = []
    for fact in facts:
        lines.append(f"{fact.name}: {fact.description}")
        width = max(len(f.name) for f in fact.fields)
        for field in fact.fields:
            kind = field.type + (f", {field.unit}" if field.unit else "")
            derived = "" if field.documented else " (derived from the name)"
            lines.append(f"  {field.name:<{width}}  {kind:<20} {field.meaning}{derived}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_markdown(facts: Iterable[FactReference]) -> str:
    """The reference as the Markdown of ``docs/facts.md``."""
    out = [
        "# Fact reference",
        "",
        "<!-- Generated by `python tools/make_fact_docs.py` from the fact calculators; do not edit by hand."
        " tests/test_fact_reference.py fails when it is out of date. -->",
        "",
        "Every fact type the built-in fact calculators produce, and the fields a rule's `when:` conditions and"
        " `message` templates may use. `mipr rules facts [FACT]` prints the same from the installed calculators"
        " (plugins included). A field that is not known for a record is left out of the fact, never `null`:"
        " test for it with `{exists: false}`. Meanings marked *derived* are spelt out from the field's name.",
        "",
    ]
    for fact in facts:
        out += [f"## `{fact.name}`", "", fact.description + f" (calculator: {', '.join(fact.calculators)}).", ""]
        out += ["| field | type | unit | meaning |", "|---|---|---|---|"]
        for field in fact.fields:
            meaning = field.meaning.replace("|", "\\|") + ("" if field.documented else " *(derived)*")
            out.append(f"| `{field.name}` | {field.type} | {field.unit or ''} | {meaning} |")
        out.append("")
    return "\n".join(out)
