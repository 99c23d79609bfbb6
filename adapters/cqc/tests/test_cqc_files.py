"""The cqc adapter reading files, arrays and folders of CQC location records; its plugin registration."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pluggy
import pytest

from mipr_rules import hookspecs, plugins
from mipr_rules.adapters.base import Adapter, ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model.vocabulary import RatingValue, RegistrationStatus
from mipr_rules.privacy import pseudonymise
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_cqc import CqcAdapter

FIXTURES = Path(__file__).parent / "fixtures"
LOCATIONS = FIXTURES / "locations"


def read(source: Path | str, context: ReadContext | None = None) -> list[str]:
    """Names of the locations read from ``source``."""
    return [loc.name for loc in CqcAdapter().read(str(source), context or ReadContext(key=TEST_KEY))]


def test_is_an_adapter_named_cqc() -> None:
    adapter = CqcAdapter()
    assert isinstance(adapter, Adapter)
    assert adapter.name == "cqc" and adapter.version and adapter.description and adapter.accepts


def test_installed_distribution_registers_the_adapter_through_its_entry_point() -> None:
    pm = pluggy.PluginManager("mipr_rules")
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints(plugins.ENTRY_POINT_GROUP)

    assert pm.get_plugin("mipr_rules_adapter_cqc") is not None
    assert isinstance(plugins.adapter("cqc", pm), CqcAdapter)


def test_reads_one_record() -> None:
    (location,) = CqcAdapter().read(str(LOCATIONS / "lucerne-house.json"), ReadContext(key=TEST_KEY))
    assert location.location_id == "1-125856395"
    assert location.current_rating is not None and location.current_rating.overall is RatingValue.OUTSTANDING


def test_reads_a_json_array(tmp_path: Path) -> None:
    records = [json.loads((LOCATIONS / f"{n}.json").read_text()) for n in ("deregistered", "never-rated")]
    (tmp_path / "export.json").write_text(json.dumps(records))

    assert read(tmp_path / "export.json") == ["The Old Rectory Care Home", "Meadowbank Lodge"]


def test_reads_a_saved_list_of_records_under_locations(tmp_path: Path) -> None:
    record = json.loads((LOCATIONS / "never-rated.json").read_text())
    (tmp_path / "saved.json").write_text(json.dumps({"total": 1, "locations": [record]}))

    assert read(tmp_path / "saved.json") == ["Meadowbank Lodge"]


def test_reads_a_folder_in_file_name_order_skipping_the_bad_record_when_lenient() -> None:
    context = ReadContext(lenient=True, key=TEST_KEY)

    names = read(LOCATIONS, context)

    assert names == [
        "The Old Rectory Care Home",
        "Brightpath Home Care - Norwich",
        "Lucerne House",
        "Meadowbank Lodge",
        "Meadow View Care Home",
    ]
    assert context.skipped == [
        f"{LOCATIONS / 'bad-rating.json'}: expected one of 'Outstanding', 'Good', 'Requires improvement',"
        " 'Inadequate' @ $.currentRatings.overall.rating"
    ]


def test_folder_fails_on_the_bad_record_when_strict() -> None:
    with pytest.raises(InputError, match=r"bad-rating\.json: expected one of .* @ \$\.currentRatings"):
        read(LOCATIONS)


def test_bad_element_of_an_array_is_named_by_index() -> None:
    with pytest.raises(InputError) as info:
        read(FIXTURES / "bad-records.json")
    assert str(info.value).endswith(
        "bad-records.json: expected one of 'Outstanding', 'Good', "
        "'Requires improvement', 'Inadequate' @ $[1].currentRatings.overall.rating"
    )

    context = ReadContext(lenient=True, key=TEST_KEY)
    assert read(FIXTURES / "bad-records.json", context) == ["Meadowbank Lodge"]
    assert len(context.skipped) == 1


def test_skipped_records_are_logged_without_their_values(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mipr_rules.adapters"):
        read(FIXTURES / "bad-records.json", ReadContext(lenient=True, key=TEST_KEY))
    assert "$[1].currentRatings.overall.rating" in caplog.text
    assert "Very good" not in caplog.text  # the offending value is never shown


def test_invalid_json_is_one_line_with_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"locationId": "1-1",\n  "name": }')
    with pytest.raises(InputError) as info:
        read(broken)
    assert str(info.value) == f"{broken}:2:11: invalid JSON: Expecting value"

    context = ReadContext(lenient=True, key=TEST_KEY)
    assert read(broken, context) == []
    assert context.skipped == [f"{broken}:2:11: invalid JSON: Expecting value"]


@pytest.mark.parametrize("lenient", [False, True])
def test_a_missing_source_fails_even_when_lenient(tmp_path: Path, lenient: bool) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read(tmp_path / "nowhere.json", ReadContext(lenient=lenient, key=TEST_KEY))


def test_an_empty_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"folder holds no \*\.json files"):
        read(tmp_path)


def test_registered_manager_is_pseudonymised_under_the_read_key() -> None:
    record = json.loads((LOCATIONS / "lucerne-house.json").read_text())
    source = str(LOCATIONS / "lucerne-house.json")
    (first,) = CqcAdapter().read(source, ReadContext(key=b"provider one"))
    (second,) = CqcAdapter().read(source, ReadContext(key=b"provider two"))

    assert first.registered_manager_id == pseudonymise("[redacted] [redacted]", "S", b"provider one")
    assert first.registered_manager_id != second.registered_manager_id
    assert record["regulatedActivities"][0]["contacts"][0]["personRoles"] == ["Registered Manager"]


def test_read_with_facts_gives_the_cqc_extras() -> None:
    ((location, facts),) = CqcAdapter().read_with_facts(
        str(LOCATIONS / "homecare-requires-improvement.json"), ReadContext(key=TEST_KEY)
    )
    assert location.registration_status is RegistrationStatus.REGISTERED and not location.care_home
    assert facts.location_id == location.location_id
    assert facts.registered_manager_absent == dt.date(2024, 11, 30)
    assert facts.report_published == dt.date(2024, 10, 9)
