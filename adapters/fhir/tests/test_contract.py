"""The adapter contract: the sample home as a FHIR Bundle reads as the canonical sample, bad records fail."""

from __future__ import annotations

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
