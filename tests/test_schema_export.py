"""The published location JSON Schema matches the model, and the sample home validates against it."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from mipr_rules.schema_export import location_schema
from mipr_rules.testing.contract import sample_path


def _published() -> dict[str, object]:
    return json.loads((resources.files("mipr_rules") / "schemas" / "location.schema.json").read_text())


def test_published_schema_is_generated_from_the_model() -> None:
    assert _published() == location_schema(), "run: python tools/make_sample.py"


def test_sample_home_validates_against_the_published_schema() -> None:
    jsonschema.validate(json.loads(sample_path().read_text()), _published())


def test_schema_rejects_a_string_boolean_like_the_reader_does() -> None:
    data = json.loads(sample_path().read_text())
    data["care_home"] = "false"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _published())
