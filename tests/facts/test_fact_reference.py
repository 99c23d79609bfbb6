"""The fact reference: ``mipr rules facts`` and docs/facts.md document every field a shipped rule tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from mipr_rules import plugins
from mipr_rules.facts.location_facts import FACT_TYPES
from mipr_rules.facts.reference import fact_reference, render_markdown
from mipr_rules.facts.reference import tested_fields as fields_tested_by
from mipr_rules.ruleset.catalogue import Catalogue

Mipr = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]


def _reference() -> dict[str, object]:
    calculators = plugins.fact_calculators(plugins.make_plugin_manager(load_entry_points=False)).values()
    return {f.name: f for f in fact_reference(calculators)}


def test_docs_facts_md_is_generated_from_the_calculators_and_current() -> None:
    calculators = plugins.fact_calculators(plugins.make_plugin_manager(load_entry_points=False)).values()
    expected = render_markdown(fact_reference(calculators))
    assert (ROOT / "docs" / "facts.md").read_text(encoding="utf-8") == expected, (
        "docs/facts.md is out of date: run python tools/make_fact_docs.py"
    )


def test_every_field_a_shipped_rule_tests_is_in_the_reference_with_a_type_and_meaning() -> None:
    reference = _reference()
    tested = fields_tested_by(Catalogue.installed().rulesets)
    missing, undocumented = [], []
    for fact, fields in tested.items():
        entry = reference.get(fact)
        assert entry is not None, f"fact type {fact} is not in the reference"
        for name in sorted(fields):
            field = entry.field(name)  # type: ignore[attr-defined]
            if field is None or not field.type or not field.meaning:
                missing.append(f"{fact}.{name}")
            elif not field.documented and not fact.startswith("mipr_"):
                undocumented.append(f"{fact}.{name}")
    assert missing == [] and undocumented == []


def test_every_readiness_fact_field_has_its_own_unit_and_meaning() -> None:
    for fact_type in FACT_TYPES:
        assert set(fact_type.docs) == set(fact_type.fields), fact_type.name
        for name, doc in fact_type.docs.items():
            assert doc.meaning and doc.meaning[0].isupper(), f"{fact_type.name}.{name}"
            if name.startswith(("days_", "hours_", "working_days_")) or name.endswith("_days"):
                assert doc.unit in ("days", "hours", "working_days"), f"{fact_type.name}.{name}: {doc.unit}"


def test_mipr_rules_facts_lists_fields_with_types_units_and_meanings(mipr: Mipr) -> None:
    done = mipr("rules", "facts")
    assert done.returncode == 0, done.stderr
    assert "dols: A Deprivation of Liberty Safeguards application or authorisation" in done.stdout
    assert any(
        line.split()[:3] == ["days_until_expiry", "integer,", "days"] for line in done.stdout.splitlines()
    ), done.stdout
    one = mipr("rules", "facts", "staffing", "--format", "json")
    assert one.returncode == 0, one.stderr
    (staffing,) = json.loads(one.stdout)
    assert staffing["fact"] == "staffing" and staffing["calculators"] == ["location"]
    fields = {f["name"]: f for f in staffing["fields"]}
    assert fields["shortfall_percent"] == {
        "name": "shortfall_percent", "type": "number", "unit": "percent", "documented": True,
        "meaning": fields["shortfall_percent"]["meaning"],
    }
    assert set(fields) == {"subject", "reviewed", "days_since_review", "shortfall_percent"}


def test_an_unknown_fact_type_is_a_usage_error_with_a_suggestion(mipr: Mipr) -> None:
    done = mipr("rules", "facts", "persn")
    assert done.returncode == 2
    assert "no fact type 'persn'; did you mean 'person'?" in done.stderr
    assert "Traceback" not in done.stderr
