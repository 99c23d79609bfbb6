"""The rule-test file format (``<ruleset id>.tests.yaml``), as attrs classes structured by the core converter.

::

    ruleset: cqc-readiness          # the ruleset under test (its file beside this one, else the installed one)
    as_of: 2026-11-02               # default as-of date of every case
    base: {location_id: 1-T, name: Test Home, provider: {provider_id: 1-P}}   # merged under inline data
    cases:
      - name: care plan reviewed 29 days ago is overdue
        parameters: {care_plan_review_days: 28}
        given:
          inline: {people: [{person_id: R1, care_plans: [{plan_id: CP1, created: 2026-01-01,
                                                           last_reviewed: 2026-10-04}]}]}
        expect:
          - rule: care_plan_review_overdue
            subject: person:R1/care_plan:CP1
            facts: {days_since_review: 29}
        expect_not:
          - rule: care_plan_never_reviewed

The published JSON Schema is ``JSON_SCHEMA`` (``mipr rules test --schema`` prints it); the reference is
docs/commands/rules-test.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

RESULT_FIELDS = ("title", "severity", "message", "subject", "partition", "facts", "parameters", "emit",
                 "maps_to", "source", "citation")
"""Keys of a result that ``fields`` may match (partially)."""


@attrs.frozen
class Expectation:
    """A result that must (``expect``) or must not (``expect_not``) come out of a case."""

    rule: str
    """Id of the rule that fires."""
    subject: str | None = None
    """Subject of the fact it fires on, e.g. ``person:R1/care_plan:CP1``; ``*`` and ``?`` are wildcards."""
    partition: str | None = None
    """The location (or other partition) it fires in, when a case evaluates several."""
    facts: dict[str, Any] = attrs.field(factory=dict)
    """Fields of the matched fact, matched partially: only the fields given are compared."""
    fields: dict[str, Any] = attrs.field(factory=dict)
    """Fields of the result (``RESULT_FIELDS``: ``message``, ``severity``, ``emit``…), matched partially."""
    count: int | None = None
    """Exactly this many results match (``expect`` only); otherwise at least one."""


@attrs.frozen
class Given:
    """The input of a case: exactly one of ``inline``, ``fixture``, ``sample``, ``source`` or ``facts``."""

    inline: dict[str, Any] | None = None
    """The subject in the canonical model's own format (a ``Location`` for readiness), over the file's ``base``."""
    fixture: str | None = None
    """Path of an input file or folder, relative to the test file, read by ``adapter`` (default ``file``)."""
    adapter: str | None = None
    """Installed adapter that reads ``fixture`` or ``source``."""
    source: str | None = None
    """What ``adapter`` reads, as given (a URL, a database URL…); needs ``adapter``."""
    sample: str | None = None
    """A bundled sample home by name, e.g. ``sunrise-house``."""
    facts: tuple[dict[str, Any], ...] | None = None
    """Measured facts (``type``, ``subject`` and fields), bypassing the fact calculators."""
    type: str | None = None
    """Class of the ``inline`` or ``fixture`` subject, when the ruleset's facts come from several (e.g. a
    two-pass ruleset's ``Timeline`` and ``TriggeredDeadlines``)."""


@attrs.frozen
class RuleTestCase:
    """One test case."""

    name: str
    """Unique name in its file."""
    given: Given
    """The input."""
    expect: tuple[Expectation, ...] = ()
    """Results that must appear."""
    expect_not: tuple[Expectation, ...] = ()
    """Results that must not appear."""
    only_expected: bool = False
    """Fail if any result comes out that no ``expect`` entry matches (no ``expect``: nothing may fire)."""
    as_of: dt.date | None = None
    """As-of date (default: the file's)."""
    parameters: dict[str, Any] = attrs.field(factory=dict)
    """Parameter overrides, over the file's."""
    region: str | None = None
    """Working-day region (default: the file's, else ``england-and-wales``)."""
    description: str = ""
    """Why the case exists."""


@attrs.frozen
class RuleTestFile:
    """A file of test cases for one ruleset."""

    ruleset: str
    """Id of the ruleset under test."""
    cases: tuple[RuleTestCase, ...]
    """The cases."""
    version: str | None = None
    """A specific version of the ruleset (default: the newest effective on each case's as-of date)."""
    as_of: dt.date | None = None
    """Default as-of date of the cases."""
    region: str | None = None
    """Default working-day region."""
    parameters: dict[str, Any] = attrs.field(factory=dict)
    """Parameter overrides for every case."""
    base: dict[str, Any] | None = None
    """Inline data every ``given.inline`` of the file's type is merged over (the case's top-level keys
    replace the base's); an inline subject of another ``type`` gets no base."""
    type: str | None = None
    """Default class of inline and fixture subjects (``given.type`` overrides it)."""
    description: str = ""
    """What the file covers."""


_PARTIAL = {"type": "object", "description": "Fields compared partially: only the keys given must match."}


def _expectation(with_count: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "rule": {"type": "string", "description": "Id of the rule."},
        "subject": {"type": "string", "description": "Subject of the fact; * and ? are wildcards."},
        "partition": {"type": "string", "description": "Location (partition) key."},
        "facts": {**_PARTIAL, "description": "Fields of the matched fact (partial)."},
        "fields": {**_PARTIAL, "description": "Fields of the result (partial).",
                   "propertyNames": {"enum": list(RESULT_FIELDS)}},
    }
    if with_count:
        props["count"] = {"type": "integer", "minimum": 0, "description": "Exactly this many matching results."}
    return {"type": "object", "required": ["rule"], "additionalProperties": False, "properties": props}


JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://mipr-rules.invalid/schemas/rule-tests.schema.json",
    "title": "mipr-rules rule test file (<ruleset id>.tests.yaml)",
    "type": "object",
    "required": ["ruleset", "cases"],
    "additionalProperties": False,
    "properties": {
        "ruleset": {"type": "string", "description": "Id of the ruleset under test."},
        "version": {"type": "string", "description": "A specific version of the ruleset."},
        "as_of": {"type": "string", "format": "date", "description": "Default as-of date (YYYY-MM-DD)."},
        "region": {"type": "string", "enum": ["england-and-wales", "scotland", "northern-ireland"]},
        "parameters": {"type": "object", "description": "Parameter overrides for every case."},
        "base": {"type": "object", "description": "Inline data every case's given.inline is merged over."},
        "type": {"type": "string", "description": "Default class of inline and fixture subjects."},
        "description": {"type": "string"},
        "cases": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "given"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "as_of": {"type": "string", "format": "date"},
                    "region": {"type": "string", "enum": ["england-and-wales", "scotland", "northern-ireland"]},
                    "parameters": {"type": "object"},
                    "only_expected": {"type": "boolean"},
                    "given": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "inline": {"type": "object"},
                            "fixture": {"type": "string"},
                            "adapter": {"type": "string"},
                            "source": {"type": "string"},
                            "sample": {"type": "string"},
                            "type": {"type": "string", "description": "Class of the inline or fixture subject."},
                            "facts": {"type": "array", "items": {
                                "type": "object", "required": ["type", "subject"],
                                "properties": {"type": {"type": "string"}, "subject": {"type": "string"}},
                            }},
                        },
                        "oneOf": [
                            {"required": ["inline"]}, {"required": ["fixture"]}, {"required": ["source"]},
                            {"required": ["sample"]}, {"required": ["facts"]},
                        ],
                    },
                    "expect": {"type": "array", "items": _expectation(True)},
                    "expect_not": {"type": "array", "items": _expectation(False)},
                },
            },
        },
    },
}
"""JSON Schema (draft 2020-12) of a rule test file; ``mipr rules test --schema`` prints it."""
