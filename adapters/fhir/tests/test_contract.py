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


def test_fields_a_vendor_does_not_write_are_named_not_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    from mipr_rules.adapters.informs import source_gaps
    from mipr_rules.api import Session
    from mipr_rules.testing.contract import sample_as_of

    monkeypatch.setenv("MIPR_FHIR_UNMAPPED", "people.peep_reviewed, people.dols")
    adapter = FhirAdapter()
    assert source_gaps(adapter)["unmapped"] == ("people.peep_reviewed", "people.dols")
    with Session() as session:
        report = session.readiness(source=str(SAMPLE_BUNDLE), adapter="fhir", as_of=sample_as_of())
    left = {rule for group in report.not_evaluated for rule in group.rules}
    assert {"peep_missing", "dols_expired"} <= left
    assert not left & {alert.rule_id for alert in report.alerts()}


def test_a_field_named_unread_that_the_model_lacks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from mipr_rules.adapters.base import ReadContext
    from mipr_rules.errors import ConfigError
    from mipr_rules.testing import TEST_KEY

    monkeypatch.setenv("MIPR_FHIR_UNMAPPED", "people.peep_reviewd")
    with pytest.raises(ConfigError, match=r"UNMAPPED: 'people\.peep_reviewd' is not a field of the model"):
        list(FhirAdapter().read(str(SAMPLE_BUNDLE), ReadContext(key=TEST_KEY)))
