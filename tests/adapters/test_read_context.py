"""Skipped records are counted per record type and bounded: a lenient read that loses a whole record
type, or more than ``--max-skipped`` of all records, fails naming the type, the count and the first
reason."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from mipr_rules.adapters.base import ReadContext, SkippedRecords, record_counts, recount
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY


def test_strict_mode_raises_at_the_first_problem() -> None:
    with pytest.raises(InputError, match=r"^people\.csv:3: admitted: expected date$"):
        ReadContext(key=TEST_KEY).problem("people.csv:3", "admitted: expected date", "people")


def test_skips_are_grouped_per_record_type_in_first_seen_order() -> None:
    context = ReadContext(lenient=True, key=TEST_KEY)
    context.problem("a.csv:2", "bad", "care_plans")
    context.problem("b.csv:4", "worse", "location")
    context.problem("a.csv:7", "bad too", "care_plans")
    assert context.summary() == (
        SkippedRecords("care_plans", 2, ("a.csv:2: bad", "a.csv:7: bad too")),
        SkippedRecords("locations", 1, ("b.csv:4: worse",)),
    )
    assert context.skipped == ["a.csv:2: bad", "b.csv:4: worse", "a.csv:7: bad too"]
    assert context.summary()[0].as_dict() == {
        "record_type": "care_plans",
        "count": 2,
        "reasons": ["a.csv:2: bad", "a.csv:7: bad too"],
    }


def test_records_of_a_location_are_counted_per_type(sample: Location) -> None:
    counts = record_counts(sample)
    assert counts["locations"] == 1 and counts["people"] == len(sample.people) == 40
    assert counts["care_plans"] == sum(len(p.care_plans) for p in sample.people)
    assert counts["training"] == sum(len(m.training) for m in sample.staff)
    # every collection of the model, at any depth, not only those the first adapters read
    assert counts["medicines"] == sum(len(p.medicines) for p in sample.people) > 0
    assert counts["checks"] == len(sample.checks) > 0 and counts["policies"] == len(sample.policies) > 0


def test_a_whole_record_type_skipped_fails(sample: Location) -> None:
    context = ReadContext(lenient=True, max_skipped=1.0, key=TEST_KEY)
    context.count(sample)
    context.problem("manager_absences.csv:2", "start: expected date", "manager_absences")
    assert not sample.manager_absences
    with pytest.raises(InputError) as info:
        context.check()
    assert str(info.value) == (
        "every manager_absences record was skipped (1); first: manager_absences.csv:2: start: expected date"
    )


def test_the_share_skipped_is_bounded(sample: Location) -> None:
    total = sum(record_counts(sample).values())
    context = ReadContext(lenient=True, key=TEST_KEY)
    context.count(sample)
    allowed = int(0.05 * total / 0.95)
    for line in range(allowed):
        context.problem(f"training.csv:{line + 2}", "completed: expected date", "training")
    context.check()
    context.problem("incidents.csv:9", "occurred: expected date", "incidents")
    with pytest.raises(InputError) as info:
        context.check()
    message = str(info.value)
    assert message.startswith(f"{allowed + 1} of {total + allowed + 1} records skipped, more than --max-skipped 5%")
    assert message.endswith(f"most in training ({allowed}); first: training.csv:2: completed: expected date")


def test_skips_of_unknown_types_only_count_towards_the_share(sample: Location) -> None:
    context = ReadContext(lenient=True, key=TEST_KEY)
    context.count(sample)
    context.problem("bundle.json entry[3]", "bad Flag", "Flag")
    context.check()


def test_read_counts_and_checks(sample_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for path in sample_csv.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    plans = folder / "care_plans.csv"
    lines = plans.read_text().splitlines()
    plans.write_text("\n".join([lines[0], *("X" + line for line in lines[1:])]) + "\n")
    context = ReadContext(lenient=True, max_skipped=1.0, key=TEST_KEY)
    with pytest.raises(InputError, match=r"^every care_plans record was skipped \(40\); first: .*care_plans.csv:2: "):
        context.read(FileAdapter(), str(folder))


def test_location_keeps_one_home_of_many_and_counts_the_others() -> None:
    import attrs as _attrs

    from mipr_rules.adapters.summary import ReadSummary
    from mipr_rules.samples import sample_location

    home = sample_location()
    other = _attrs.evolve(home, location_id="1-999999999", name="Other Home")

    class TwoHomes:
        name, version, description, accepts = "two", "1", "two homes", ("x",)

        def read(self, source: str, context: ReadContext) -> list[Location]:
            return [home, other]

    context = ReadContext(key=TEST_KEY, location="1-999999999")
    assert [loc.name for loc in context.read(TwoHomes(), "src")] == ["Other Home"]
    assert ReadSummary.of(context, "two").ignored == {"locations (not the --location asked for)": 1}
    with pytest.raises(InputError, match="no location 1-000000000 among the 2 read"):
        ReadContext(key=TEST_KEY, location="1-000000000").read(TwoHomes(), "src")


def test_recount_moves_the_counts_of_a_record_made_again(sample: Location) -> None:
    person = next(p for p in sample.people if p.care_plans and p.medicines)
    remade = [
        attrs.evolve(person, care_plans=person.care_plans[1:]),  # one fewer
        attrs.evolve(person, care_plans=(), medicines=person.medicines * 2),  # emptied, doubled
        attrs.evolve(person, care_plans=tuple(attrs.evolve(p) for p in person.care_plans)),  # equal, not the same
    ]
    for new in remade:
        counts = record_counts(sample)
        recount(person, new, counts)
        index = sample.people.index(person)
        assert counts == record_counts(
            attrs.evolve(sample, people=(*sample.people[:index], new, *sample.people[index + 1 :]))
        )
