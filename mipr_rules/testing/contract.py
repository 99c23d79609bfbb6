"""The adapter contract suite: any adapter, a vendor's own included, runs it against its fixtures.

The same sample care home (``mipr_rules/samples/sunrise-house``) is shipped in every supported format.
An adapter passes the contract when reading its rendering of that home yields exactly the canonical
model the built-in file adapter reads from ``location.json``, and when bad records fail loudly in strict
mode and are skipped, logged and counted in lenient mode.

Use it by subclassing in your adapter's tests::

    from mipr_rules.testing.contract import AdapterContract

    class TestMyAdapter(AdapterContract):
        @pytest.fixture
        def adapter(self): return MyAdapter()
        @pytest.fixture
        def sample_source(self): return str(FIXTURES / "sunrise-house.json")
        @pytest.fixture
        def bad_source(self): return str(FIXTURES / "bad-record.json")
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mipr_rules.adapters.base import Adapter, ReadContext
from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.samples import SAMPLE_HOME, sample_as_of, sample_location, sample_path
from mipr_rules.testing import TEST_KEY

__all__ = [
    "SAMPLE_HOME",
    "AdapterContract",
    "model_differences",
    "sample_as_of",
    "sample_location",
    "sample_path",
    "without_fields",
]

CONTRACT_KEY = TEST_KEY
"""The key the contract reads with; pseudonyms it makes are compared within one run only."""

def _order(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def _diff(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            out += _diff(expected.get(key), actual.get(key), f"{path}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}"]
        # Records may come back in any stable order (a vendor's keys need not sort like the sample's).
        expected, actual = sorted(expected, key=_order), sorted(actual, key=_order)
        pairs = enumerate(zip(expected, actual, strict=True))
        return [line for i, (e, a) in pairs for line in _diff(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def _drop(data: Any, path: list[str]) -> None:
    if isinstance(data, list):
        for item in data:
            _drop(item, path)
    elif isinstance(data, dict) and path:
        if len(path) == 1:
            data.pop(path[0], None)
        elif path[0] in data:
            _drop(data[path[0]], path[1:])


def without_fields(location: Location, unmapped: tuple[str, ...]) -> Location:
    """``location`` with the fields at ``unmapped`` (dotted paths such as ``people.medicines``) at their defaults.

    An adapter whose source has no place for a field of the model declares it unmapped; the contract then
    expects that field at the model's default (not read), everything else exactly as the canonical sample.
    """
    if not unmapped:
        return location
    from mipr_rules.convert import structure

    data = unstructure(location)
    for path in unmapped:
        _drop(data, path.split("."))
    return structure(data, Location, "the canonical sample")


def model_differences(expected: Location, actual: Location) -> list[str]:
    """Where two locations differ, as ``$.path: expected …, got …`` lines (empty when equal).

    Lists are compared as collections: the same records in another order are equal.
    """
    return _diff(unstructure(expected), unstructure(actual))


class AdapterContract:
    """Tests every adapter must pass. Provide fixtures ``adapter``, ``sample_source`` and ``bad_source``.

    ``UNMAPPED`` lists model fields (dotted paths, e.g. ``people.medicines``) the adapter's source has no
    place for: the contract expects them at the model's defaults. Document each in the adapter's README.
    """

    UNMAPPED: tuple[str, ...] = ()

    def test_adapter_is_described(self, adapter: Adapter) -> None:
        assert isinstance(adapter, Adapter)
        assert adapter.name and adapter.version and adapter.description and adapter.accepts

    def test_reads_the_sample_home_as_the_canonical_model(self, adapter: Adapter, sample_source: str) -> None:
        locations = list(adapter.read(sample_source, ReadContext(key=CONTRACT_KEY)))
        assert len(locations) == 1
        differences = model_differences(without_fields(sample_location(), self.UNMAPPED), locations[0])
        assert not differences, "\n".join(differences[:20])

    def test_same_readiness_alerts_as_the_canonical_sample(self, adapter: Adapter, sample_source: str) -> None:
        from mipr_rules.api import Session

        (location,) = adapter.read(sample_source, ReadContext(key=CONTRACT_KEY))
        as_of = sample_as_of()
        canonical = without_fields(sample_location(), self.UNMAPPED)
        with Session() as session:
            expected = session.readiness([canonical], as_of=as_of).alert_keys()
            assert session.readiness([location], as_of=as_of).alert_keys() == expected

    def test_bad_record_fails_in_strict_mode_naming_the_place(self, adapter: Adapter, bad_source: str) -> None:
        with pytest.raises(InputError) as info:
            list(adapter.read(bad_source, ReadContext(key=CONTRACT_KEY)))
        message = str(info.value)
        assert "\n" not in message and message.strip()

    def test_bad_record_is_skipped_and_counted_in_lenient_mode(self, adapter: Adapter, bad_source: str) -> None:
        context = ReadContext(lenient=True, key=CONTRACT_KEY)
        list(adapter.read(bad_source, context))
        assert len(context.skipped) >= 1


    def test_read_summary_accounts_for_every_record(self, adapter: Adapter, sample_source: str) -> None:
        from mipr_rules.adapters.base import record_counts
        from mipr_rules.adapters.summary import ReadSummary

        context = ReadContext(key=CONTRACT_KEY)
        (location,) = context.read(adapter, sample_source)
        summary = ReadSummary.of(context, adapter.name)
        assert summary.adapter == adapter.name
        assert summary.used == {kind: n for kind, n in record_counts(location).items() if n}
        for kind, used in summary.used.items():
            assert summary.read[kind] >= used
        assert summary.total_read == sum(summary.used.values()) + sum(summary.ignored.values())
        report = summary.as_dict()
        assert set(report) == {"adapter", "read", "used", "skipped", "ignored", "unsupported"}

    def test_read_summary_shows_lenient_skips_with_reasons(self, adapter: Adapter, bad_source: str) -> None:
        from mipr_rules.adapters.summary import ReadSummary

        context = ReadContext(lenient=True, key=CONTRACT_KEY, max_skipped=1.0)
        context.read(adapter, bad_source)
        summary = ReadSummary.of(context, adapter.name)
        assert summary.skipped and all(group.reasons for group in summary.skipped)
        assert sum(group.count for group in summary.skipped) == len(context.skips)
        assert any(line.startswith("skipped: ") for line in summary.lines())
