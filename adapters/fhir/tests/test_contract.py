"""The adapter contract: the sample home as a FHIR Bundle reads as the canonical sample, bad records fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fhir_build import FIXTURES, SAMPLE_BUNDLE

from mipr_rules.testing.contract import AdapterContract
from mipr_rules_adapter_fhir import FhirAdapter


class TestFhirAdapterContract(AdapterContract):
    @pytest.fixture
    def adapter(self) -> FhirAdapter:
        return FhirAdapter()

    @pytest.fixture
    def sample_source(self) -> str:
        return str(SAMPLE_BUNDLE)

    @pytest.fixture
    def bad_source(self) -> str:
        return str(FIXTURES / "bad-record.bundle.json")


def test_the_readme_names_every_field_not_read_and_no_other() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Not read yet", 1)[1].split("\n## ", 1)[0]
    listed = section.split("does not read yet:", 1)[1].split(". The adapter declares", 1)[0]
    assert re.findall(r"`([\w.]+)`", listed) == list(FhirAdapter().unmapped)
