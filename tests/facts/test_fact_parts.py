"""Per-record measurement (``mipr_rules.facts.parts``): after any one record of a home changes or goes, the
facts measured part by part (only the parts whose inputs changed) equal the home's facts measured in full.

Every record of every collection is changed in turn, the people's and staff's own records too: each date
moved to a few days around the as-of date (so windows, falls reviews and expiries flip) and the record removed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

import attrs
import pytest

from mipr_rules.facts.base import FactContext
from mipr_rules.facts.location_facts import LocationFacts
from mipr_rules.facts.parts import Block, Each, Group, Part, PartCache, expand, measure_all, parts_of
from mipr_rules.model import Location

SHIFTS = (-400, -29, 0)
"""Days from the as-of date a changed date is moved to."""
PEOPLE, STAFF = 7, 3
"""People and staff whose own records are changed (the sample's falls and medication errors are among them)."""


def _dated(record: Any, as_of: dt.date) -> Iterator[Any]:
    """Copies of ``record`` with one date (or date-time) field moved."""
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        for days in SHIFTS:
            if isinstance(value, dt.datetime):
                yield attrs.evolve(
                    record, **{field.name: dt.datetime.combine(as_of, value.time()) + dt.timedelta(days)}
                )
            elif isinstance(value, dt.date):
                yield attrs.evolve(record, **{field.name: as_of + dt.timedelta(days)})


def _variants(records: tuple[Any, ...], as_of: dt.date, nested: int) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The collection with one record changed or removed; for people and staff, one of their records too."""
    for i, record in enumerate(records):
        yield f"[{i}] removed", records[:i] + records[i + 1 :]
        for changed in _dated(record, as_of):
            yield f"[{i}] date moved", (*records[:i], changed, *records[i + 1 :])
        if i < nested:
            for name, inner in _collections(record):
                for what, variant in _variants(inner, as_of, 0):
                    changed = attrs.evolve(record, **{name: variant})
                    yield f"[{i}].{name}{what}", (*records[:i], changed, *records[i + 1 :])


def _collections(record: Any) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, tuple) and value and attrs.has(type(value[0])):
            yield field.name, value


@pytest.mark.parametrize("days", [0, 3])
def test_measuring_part_by_part_equals_measuring_in_full(sample: Location, as_of: dt.date, days: int) -> None:
    calc = LocationFacts()
    context = FactContext(as_of=as_of + dt.timedelta(days))
    first = PartCache(repr).remeasure([calc], sample, context)
    assert list(first.facts) == list(calc.calculate(sample, context))
    tried = 0
    for name, collection in _collections(sample):
        nested = PEOPLE if name == "people" else STAFF if name == "staff" else 0
        for what, variant in _variants(collection, context.as_of, nested):
            changed = attrs.evolve(sample, **{name: variant})
            again = first.remeasure([calc], changed, context)
            assert list(again.facts) == list(calc.calculate(changed, context)), f"{name}{what}"
            assert {repr(f) for _, f in again.fresh} >= set(map(repr, again.facts)) - set(map(repr, first.facts))
            _assert_keys_follow(first, again)
            tried += 1
    assert tried > 1000
    manager = attrs.evolve(sample, registered_manager_id=None)
    assert list(first.remeasure([calc], manager, context).facts) == list(calc.calculate(manager, context))


def _assert_keys_follow(first: PartCache, again: PartCache) -> None:
    """``dropped`` and ``fresh`` take ``first``'s keys to ``again``'s; each fact's key is its own (a fact
    measured again equal to the one before keeps that one's key, not keyed again)."""
    assert list(again.keys) == [again.key_of(fact) for fact in again.facts]
    moved = Counter(first.keys)
    moved.subtract(again.dropped)
    moved.update(key for key, _ in again.fresh)
    assert +moved == Counter(again.keys)
    assert min(moved.values(), default=0) >= 0  # nothing dropped that was not held


def test_dropped_and_fresh_keys_follow_every_change(sample: Location, as_of: dt.date) -> None:
    """Parts gone, parts measured again, a person twice (two parts of one key), another date: all counted."""
    calc = LocationFacts()
    context = FactContext(as_of=as_of)
    twice = attrs.evolve(sample, people=(*sample.people, sample.people[0]))
    first = PartCache(repr).remeasure([calc], twice, context)
    assert first.dropped == ()
    for changed in (
        sample,  # the second part of the person's key gone
        attrs.evolve(twice, people=(attrs.evolve(sample.people[0], care_plans=()), *twice.people[1:])),
        attrs.evolve(twice, people=twice.people[1:], incidents=()),
        attrs.evolve(twice, people=(attrs.evolve(sample.people[0], person_id="R99"), *twice.people[1:])),  # as many
        twice,
    ):
        _assert_keys_follow(first, first.remeasure([calc], changed, context))
    later = first.remeasure([calc], twice, FactContext(as_of=as_of + dt.timedelta(1)))
    assert Counter(later.dropped) == Counter(first.keys)
    _assert_keys_follow(first, later)


def test_unchanged_records_are_not_measured_again(sample: Location, as_of: dt.date) -> None:
    calc = LocationFacts()
    context = FactContext(as_of=as_of)
    first = PartCache(repr).remeasure([calc], sample, context)
    in_care = sum(1 for p in sample.people if p.discharged is None or p.discharged > as_of)
    # every part once; a person in care is four: their own fact, their records, care plans, risk assessments
    assert first.remeasured == len(list(parts_of([calc], sample, context))) + 3 * in_care
    person = sample.people[0]
    plan = attrs.evolve(person.care_plans[0], last_reviewed=as_of)
    changed = attrs.evolve(
        sample, people=(attrs.evolve(person, care_plans=(plan, *person.care_plans[1:])), *sample.people[1:])
    )
    again = first.remeasure([calc], changed, context)
    assert again.remeasured == 1  # that person's care plans: not their own fact (a review is not read), no one else
    pid = person.person_id
    assert {f["subject"] for _, f in again.fresh} == {f"person:{pid}/care_plan:{p.plan_id}" for p in person.care_plans}
    assert list(again.facts) == list(calc.calculate(changed, context))
    _assert_keys_follow(first, again)
    assert first.remeasure([calc], changed, FactContext(as_of=as_of + dt.timedelta(1))).remeasured == first.remeasured


@attrs.frozen
class _Item:
    name: str
    value: int
    gone: bool = False


@attrs.frozen
class _Subject:
    items: tuple[_Item, ...]
    shared: int
    others: tuple[int, ...]


@attrs.define
class _Toy:
    """A calculator of one ``Each`` (an item's fact: its value plus ``shared``) and one ``Group`` (one part per
    other value), counting what it is asked to make."""

    name: str = "toy"
    made: list[str] = attrs.field(factory=list)

    def parts(self, subject: _Subject, context: FactContext) -> Iterator[Block]:
        yield Each("items", subject.items, (subject.shared,), self._key, self._measure)
        yield Group("others", (subject.others,), partial(self._others, subject.others))

    def calculate(self, subject: _Subject, context: FactContext) -> Iterator[dict[str, Any]]:
        for part in expand(self.parts(subject, context)):
            yield from part.measure()

    def _key(self, item: _Item) -> str | None:
        self.made.append(item.name)
        return None if item.gone else f"item:{item.name}"

    @staticmethod
    def _measure(item: _Item, shared: int) -> Iterator[dict[str, Any]]:
        yield {"type": "item", "subject": f"item:{item.name}", "total": item.value + shared}

    def _others(self, others: tuple[int, ...]) -> Iterator[Part]:
        self.made.append("others")
        for i, value in enumerate(others):
            yield Part(f"other:{i}", (value,), partial(lambda v: [{"type": "other", "value": v}], value))


def test_blocks_are_reused_by_identity_and_remade_where_they_changed(as_of: dt.date) -> None:
    """An ``Each`` makes parts only for items that are not the very same objects as before (an equal copy is
    compared, not measured); a changed ``shared`` value remakes all; a ``Group`` is made only when its inputs
    differ, and then measures only its parts whose inputs differ."""
    toy, context = _Toy(), FactContext(as_of=as_of)
    items = (_Item("a", 1), _Item("b", 2), _Item("a", 3), _Item("c", 4, gone=True))
    start = _Subject(items, 10, (5, 6))
    first = PartCache(repr).remeasure([toy], start, context)
    cases: list[tuple[_Subject, list[str], int]] = [
        (attrs.evolve(start, items=tuple(items), others=tuple(start.others)), [], 0),  # new tuples, same objects
        (attrs.evolve(start, items=(items[0], attrs.evolve(items[1]), *items[2:])), ["b"], 0),  # an equal copy
        (attrs.evolve(start, items=(items[0], items[1], _Item("a", 30), items[3])), ["a"], 1),  # the second "a"
        (attrs.evolve(start, items=(*items[:3], _Item("c", 4))), ["c"], 1),  # no part, then one
        (attrs.evolve(start, items=items[1:]), ["b", "a", "c"], 2),  # moved up: compared by key, where it differs
        (attrs.evolve(start, shared=11), ["a", "b", "a", "c"], 3),
        (attrs.evolve(start, others=(5, 7)), ["others"], 1),
        (attrs.evolve(start, others=(5,)), ["others"], 0),
    ]
    for subject, made, remeasured in cases:
        toy.made.clear()
        again = first.remeasure([toy], subject, context)
        assert (toy.made, again.remeasured) == (made, remeasured), subject
        assert list(again.facts) == list(toy.calculate(subject, context)), subject
        _assert_keys_follow(first, again)
        assert first.remeasure([toy], start, context).facts == first.facts  # the cache it came from is untouched


@attrs.frozen
class _Whole:
    name: str
    a: tuple[int, ...]
    b: tuple[int, ...]


@attrs.define
class _Split:
    """A calculator of one ``Each`` whose items are split into two parts (``a`` and ``b``), counting them."""

    name: str = "split"
    made: list[str] = attrs.field(factory=list)

    def parts(self, subject: tuple[_Whole, ...], context: FactContext) -> Iterator[Block]:
        yield Each("wholes", subject, (), lambda w: f"whole:{w.name}", self._measure, self._split)

    def calculate(self, subject: tuple[_Whole, ...], context: FactContext) -> Iterator[dict[str, Any]]:
        return measure_all(self.parts(subject, context))

    def _measure(self, whole: _Whole) -> Iterator[dict[str, Any]]:
        for part in self._split(whole, count=False):
            yield from part.measure()

    def _split(self, whole: _Whole, count: bool = True) -> Iterator[Part]:
        for field in ("a", "b"):
            values = getattr(whole, field)

            def facts(values: tuple[int, ...] = values, field: str = field) -> Iterator[dict[str, Any]]:
                if count:
                    self.made.append(f"{whole.name}.{field}")
                for i, v in enumerate(values):
                    yield {"type": field, "subject": f"{whole.name}/{field}:{i}", "value": v}

            yield Part(field, (whole.name, values), facts)


def test_an_item_split_into_parts_remeasures_only_the_parts_that_changed(as_of: dt.date) -> None:
    calc, context = _Split(), FactContext(as_of=as_of)
    start = (_Whole("x", (1, 2), (3,)), _Whole("y", (4,), (5, 6)))
    first = PartCache(repr).remeasure([calc], start, context)
    assert calc.made == ["x.a", "x.b", "y.a", "y.b"] and first.remeasured == 4
    cases: list[tuple[tuple[_Whole, ...], list[str]]] = [
        ((attrs.evolve(start[0], b=(3, 7)), start[1]), ["x.b"]),  # a new item: only its changed part
        ((start[0], attrs.evolve(start[1], a=(4,))), []),  # an equal copy: compared, not measured
        ((attrs.evolve(start[0], name="z"), start[1]), ["z.a", "z.b"]),  # both parts read the name
        ((start[1],), ["y.a", "y.b"]),  # moved up: compared with what stood there before
        ((start[0],), []),  # one gone
        ((*start, _Whole("w", (), (8,))), ["w.a", "w.b"]),  # one more
    ]
    for subject, made in cases:
        calc.made.clear()
        again = first.remeasure([calc], subject, context)
        assert (calc.made, again.remeasured) == (made, len(made)), subject
        assert list(again.facts) == list(calc.calculate(subject, context)), subject
        _assert_keys_follow(first, again)
        _assert_keys_follow(again, again.remeasure([calc], start, context))
