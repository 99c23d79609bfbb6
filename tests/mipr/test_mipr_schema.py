"""report.schema.json: the bundled YAML examples validate, and it agrees with the reader."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
import yaml

from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError
from mipr_rules.mipr import read_report
from mipr_rules.mipr.samples import SAMPLES, sample_path
from mipr_rules.mipr.structure import structure_report


def _schema() -> dict[str, Any]:
    text = (resources.files("mipr_rules.mipr") / "report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validator() -> jsonschema.Draft202012Validator:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _as_json(data: Any) -> Any:
    """YAML data as JSON would hold it: dates become their ISO strings."""
    return json.loads(json.dumps(data, default=str))


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_bundled_yaml_examples_validate(key: str) -> None:
    data = yaml.safe_load(sample_path(key).read_text(encoding="utf-8"))
    errors = [f"{e.json_path}: {e.message}" for e in _validator().iter_errors(_as_json(data))]
    assert not errors, errors


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_the_model_written_back_validates(key: str) -> None:
    errors = [e.message for e in _validator().iter_errors(unstructure(read_report(sample_path(key))))]
    assert not errors, errors


def _good() -> dict[str, Any]:
    data: dict[str, Any] = _as_json(yaml.safe_load(sample_path("good").read_text(encoding="utf-8")))
    return data


BAD = [
    lambda d: d["findings"][0].update(score=5),
    lambda d: d["findings"][0].update(score="Requires Improvement"),
    lambda d: d["findings"][0].update(statement="S9"),
    lambda d: d["findings"][0]["evidence"][0].update(source="interview"),
    lambda d: d["findings"][0].update(extra=1),
    lambda d: d["risks"][0].update(kind="likely"),
    lambda d: d["recommendations"][0].update(timescale="soon"),
    lambda d: d["recommendations"][0].pop("action"),
    lambda d: d["proposed_ratings"]["key_questions"].update({"Well Led": "Good"}),
    lambda d: d.update(visit_dates=[]),
    lambda d: d.update(visit_dates=["11/03/2025"]),
    lambda d: d.update(publication_consent="yes"),
]


@pytest.mark.parametrize("change", BAD)
def test_schema_and_reader_reject_the_same_mistakes(change: Any) -> None:
    data = copy.deepcopy(_good())
    change(data)
    assert list(_validator().iter_errors(data)), "schema accepted it"
    with pytest.raises(InputError):
        structure_report(data, "report.json")
