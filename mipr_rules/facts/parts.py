"""Per-record measurement: a subject's facts as parts, each remeasured only when what it reads has changed.

A calculator may split its work into ``Part``s (a method ``parts(subject, context)``): each names what it
reads (``inputs``: the records and fields its facts depend on, compared with ``==``) and how to measure
it. Concatenating the parts' facts, in order, gives exactly ``calculate(subject, context)`` (the built-in
calculators implement ``calculate`` that way, so the two cannot differ). A calculator without ``parts``
is one part that reads the whole subject. Parts may come in blocks, so that unchanged ones are not even
made: ``Each`` (a part for each item of a collection, reading the item and a few shared values) and
``Group`` (parts that together read no more than the group's inputs).

``PartCache`` keeps the facts of each part of one subject as of one context; measuring the subject again
remeasures only the parts whose inputs differ (a reviewed care plan: that person's care-plan facts, an
``Each`` splitting each person into parts, whose own fact reads of their care plans only whether one is in
force; a changed incident: the incident facts and the location fact that counts medication errors), and
reuses the rest.
A source that hands back the same objects for unchanged records makes the comparison an identity check:
a block whose items or inputs are the very same objects is reused whole, and within an ``Each`` an item
that is the very same object keeps its part's facts (attrs records are frozen: same object, same fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import chain
from operator import is_
from typing import Any, NamedTuple, Protocol, runtime_checkable

import attrs

from mipr_rules.facts.base import Fact, FactCalculator, FactContext


class Part(NamedTuple):
    """One part of a subject's facts: what it reads and how it is measured (a tuple: cheap to make)."""

    key: str
    """Its name within the subject (``person:R07``, ``incidents``...); unique per subject and calculator."""
    inputs: tuple[Any, ...]
    """Everything its facts depend on besides the context (records, fields, counts), compared with ``==``."""
    measure: Callable[[], Iterable[Fact]]
    """Its facts, in order."""


class Each(NamedTuple):
    """A part of its own for each of ``items`` (each person in care...), in their order.

    The part of an item is keyed ``key_of(item)`` (``None``: it has none, e.g. a person discharged by the
    as-of date), reads ``(item, *shared)`` and is measured by ``measure(item, *shared)``: ``key_of`` and
    ``measure`` may read nothing else but the context (bind no record to them).
    """

    key: str
    """Its name within the subject (``people``), unique per subject and calculator among blocks."""
    items: tuple[Any, ...]
    """The records, each with a part of its own."""
    shared: tuple[Any, ...]
    """What every item's part reads besides its item (``care_home``...)."""
    key_of: Callable[[Any], str | None]
    """An item's part key, or ``None`` if it has no part."""
    measure: Callable[..., Iterable[Fact]]
    """``measure(item, *shared)``: the facts of an item's part."""
    split: Callable[..., Iterable[Part]] | None = None
    """``split(item, *shared)``: the same facts as parts of their own (each reading less than the whole item),
    so that a changed item remeasures only those whose inputs changed (``None``: one part per item)."""

    def parts(self) -> Iterator[Part]:
        """Its parts, in order."""
        for item in self.items:
            key = self.key_of(item)
            if key is not None:
                yield Part(key, (item, *self.shared), partial(self.measure, item, *self.shared))


class Group(NamedTuple):
    """Parts that together read no more than ``inputs``: while those are equal, none is made or compared."""

    key: str
    """Its name within the subject, unique per subject and calculator among blocks."""
    inputs: tuple[Any, ...]
    """Everything its parts read (each part's ``inputs`` drawn from these), compared with ``==``."""
    parts: Callable[[], Iterable[Part]]
    """Its parts, in order."""


Block = Part | Each | Group
"""What a calculator's ``parts`` yields."""


def expand(blocks: Iterable[Block]) -> Iterator[Part]:
    """The parts of ``blocks``, in order (an ``Each`` or a ``Group`` gives its parts)."""
    for block in blocks:
        if isinstance(block, Part):
            yield block
        else:
            yield from block.parts()


def measure_all(blocks: Iterable[Block]) -> Iterator[Fact]:
    """The facts of ``blocks``, in order: those of the parts of ``expand(blocks)``, without making each part."""
    for block in blocks:
        if isinstance(block, Each):
            for item in block.items:
                if block.key_of(item) is not None:
                    yield from block.measure(item, *block.shared)
        elif isinstance(block, Group):
            for part in block.parts():
                yield from part.measure()
        else:
            yield from block.measure()


@runtime_checkable
class PartedCalculator(Protocol):
    """A fact calculator that can measure a subject part by part (``FactCalculator`` plus ``parts``)."""

    name: str

    def parts(self, subject: Any, context: FactContext) -> Iterator[Block]:
        """The parts of ``subject`` as of ``context``, in the order ``calculate`` yields their facts."""
        ...


def parts_of(
    calculators: Sequence[FactCalculator], subject: Any, context: FactContext
) -> Iterator[tuple[tuple[str, str, int], Part]]:
    """Every part of ``subject`` across ``calculators`` (each serving its type), keyed (calculator, part, n):
    ``n`` counts earlier parts of the same key (a source may hold two records under one key)."""
    for calc in calculators:
        parts = getattr(calc, "parts", None)
        if parts is None:
            yield (calc.name, "", 0), _whole(calc, subject, context)
            continue
        seen: dict[str, int] = {}
        for part in expand(parts(subject, context)):
            n = seen.get(part.key, 0)
            seen[part.key] = n + 1
            yield (calc.name, part.key, n), part


@attrs.define
class Measured:
    """The facts of one part, as last measured."""

    inputs: tuple[Any, ...]
    """What the part read."""
    facts: list[Fact]
    """Its facts (never changed once measured: the engine is given copies)."""
    keys: list[Any]
    """Their keys (``PartCache.key_of`` of each)."""


@attrs.define
class MeasuredBlock:
    """The parts of an ``Each`` or a ``Group``, as last measured."""

    kind: type
    """``Each`` or ``Group``."""
    inputs: tuple[Any, ...]
    """The items of an ``Each``, the inputs of a ``Group``."""
    shared: tuple[Any, ...]
    """The shared inputs of an ``Each`` (``()`` for a ``Group``)."""
    parts: tuple[tuple[str, Measured | MeasuredBlock] | None, ...]
    """Key and facts of each part (of an ``Each``: of each item, in order, a block of its own if the ``Each``
    splits its items; ``None``: the item has none)."""

    @property
    def facts(self) -> list[Fact]:
        """Its parts' facts, in order."""
        return [fact for entry in self.parts if entry is not None for fact in entry[1].facts]

    @property
    def keys(self) -> list[Any]:
        """Their keys."""
        return [key for entry in self.parts if entry is not None for key in entry[1].keys]


@attrs.frozen
class PartCache:
    """The parts of one subject as of one context: its facts, their keys, and what each part read.

    ``remeasure`` gives the cache of the subject as it is now, measuring again only the parts whose inputs
    changed; this one is left as it was (so a caller can keep it when the new facts cannot be evaluated).
    It says which facts came and went (``fresh``, ``dropped``), so that what a caller derives from the facts
    can follow in proportion to what changed; the list of all of them is put together only when asked for.
    """

    key_of: Callable[[Fact], Any]
    """A fact's identity (kept beside each fact, so that unchanged parts are not keyed again)."""
    context: FactContext | None = None
    """The context the parts were measured in (another context remeasures everything)."""
    parts: Mapping[tuple[str, str, int], Measured | MeasuredBlock] = attrs.field(factory=dict)
    """(calculator, part or block key, n) → its facts, in measuring order."""
    fresh: tuple[tuple[Any, Fact], ...] = ()
    """(key, fact) of the facts of the parts measured by the ``remeasure`` that made this cache."""
    remeasured: int = 0
    """How many parts that ``remeasure`` measured (the others were reused)."""
    dropped: tuple[Any, ...] = ()
    """Keys of the facts of the cache this one was remeasured from that it no longer holds (parts gone or
    measured again), once per fact: with ``fresh``, the difference between the two caches' ``keys``."""

    @property
    def facts(self) -> tuple[Fact, ...]:
        """Every fact of the subject, in measuring order (put together on each call)."""
        return tuple(chain.from_iterable(held.facts for held in self.parts.values()))

    @property
    def keys(self) -> tuple[Any, ...]:
        """Their keys (put together on each call)."""
        return tuple(chain.from_iterable(held.keys for held in self.parts.values()))

    def remeasure(self, calculators: Sequence[FactCalculator], subject: Any, context: FactContext) -> PartCache:
        """The cache of ``subject`` as of ``context``; raises what a calculator raises."""
        return _Remeasure(self, context).run(calculators, subject)


class _Remeasure:
    """One ``PartCache.remeasure``: what it measured, reused and dropped."""

    def __init__(self, cache: PartCache, context: FactContext) -> None:
        self.cache, self.context = cache, context
        self.same = context is cache.context or context == cache.context
        self.fresh: list[tuple[Any, Fact]] = []
        self.dropped: list[Any] = [] if self.same else list(cache.keys)
        self.remeasured = 0

    def run(self, calculators: Sequence[FactCalculator], subject: Any) -> PartCache:
        known = self.cache.parts if self.same else {}
        parts: dict[tuple[str, str, int], Measured | MeasuredBlock] = {}
        for calc in calculators:
            split = getattr(calc, "parts", None)
            found: Iterable[Block] = (
                split(subject, self.context) if split is not None else (_whole(calc, subject, self.context),)
            )
            seen: dict[str, int] = {}
            for block in found:
                n = seen.get(block.key, 0)
                seen[block.key] = n + 1
                key = (calc.name, block.key, n)
                before = known.get(key)
                held: Measured | MeasuredBlock
                if isinstance(block, Part):
                    held = self.part(block, before if isinstance(before, Measured) else None)
                else:
                    last = before if isinstance(before, MeasuredBlock) and before.kind is type(block) else None
                    held = self.each(block, last) if isinstance(block, Each) else self.group(block, last)
                if before is not None and held is not before:
                    self.drop(before, held)
                parts[key] = held
        for key in known.keys() - parts.keys():
            self.dropped.extend(known[key].keys)
        return PartCache(
            self.cache.key_of, self.context, parts, tuple(self.fresh), self.remeasured, tuple(self.dropped)
        )

    def part(self, part: Part, before: Measured | None) -> Measured:
        """``before`` if ``part`` reads what it read (tuples compare their items by identity first), else measured."""
        if before is not None and (before.inputs is part.inputs or before.inputs == part.inputs):
            return before
        measured = list(part.measure())
        keys = []
        old_facts, old_keys = (before.facts, before.keys) if before is not None else ((), ())
        for i, fact in enumerate(measured):
            if i < len(old_facts) and fact == old_facts[i]:  # kept with its key: not keyed (hashed) again
                measured[i] = old_facts[i]
                keys.append(old_keys[i])
            else:
                keys.append(self.cache.key_of(fact))
        self.fresh.extend(zip(keys, measured, strict=True))
        self.remeasured += 1
        return Measured(part.inputs, measured, keys)

    def each(self, block: Each, before: MeasuredBlock | None) -> MeasuredBlock:
        """The parts of ``block``: an item that is the very same object as before keeps its part unmade."""
        items, shared = block.items, block.shared
        if before is None or not (before.shared is shared or before.shared == shared):
            old_items: tuple[Any, ...] = ()
            old: tuple[tuple[str, Measured | MeasuredBlock] | None, ...] = ()
        else:
            old_items, old = before.inputs, before.parts
            if len(old_items) == len(items) and all(map(is_, old_items, items)):
                return before
        entries: list[tuple[str, Measured | MeasuredBlock] | None] = []
        for i, item in enumerate(items):
            last = old[i] if i < len(old) else None
            if not (i < len(old_items) and old_items[i] is item):
                key = block.key_of(item)
                prior = last[1] if last is not None and last[0] == key else None
                if key is None:
                    last = None
                elif block.split is not None:  # its parts compare what they read: the item itself is not compared
                    group = Group(key, (item, *shared), partial(block.split, item, *shared))
                    last = (key, self.group(group, prior if isinstance(prior, MeasuredBlock) else None, compare=False))
                else:
                    part = Part(key, (item, *shared), partial(block.measure, item, *shared))
                    last = (key, self.part(part, prior if isinstance(prior, Measured) else None))
            entries.append(last)
        return MeasuredBlock(Each, items, shared, tuple(entries))

    def group(self, block: Group, before: MeasuredBlock | None, *, compare: bool = True) -> MeasuredBlock:
        """The parts of ``block``, none made if it reads what it read (``compare``; else each part compares)."""
        if compare and before is not None and (before.inputs is block.inputs or before.inputs == block.inputs):
            return before
        old = before.parts if before is not None else ()
        entries: list[tuple[str, Measured | MeasuredBlock] | None] = []
        for i, part in enumerate(block.parts()):
            last = old[i] if i < len(old) else None
            prior = last[1] if last is not None and last[0] == part.key else None
            entries.append((part.key, self.part(part, prior if isinstance(prior, Measured) else None)))
        return MeasuredBlock(Group, block.inputs, (), tuple(entries))

    def drop(self, before: Measured | MeasuredBlock, held: Measured | MeasuredBlock) -> None:
        """Count as dropped the facts of ``before`` (replaced by ``held``) that ``held`` does not carry over."""
        if isinstance(before, Measured) or isinstance(held, Measured):
            self.dropped.extend(before.keys)
            return
        kept = {id(entry[1]) for entry in held.parts if entry is not None}
        for i, entry in enumerate(before.parts):
            if entry is None or id(entry[1]) in kept:
                continue
            now = held.parts[i] if i < len(held.parts) else None
            if now is not None and isinstance(now[1], MeasuredBlock) and isinstance(entry[1], MeasuredBlock):
                # an item split into parts, made again: it can only carry over parts of the item that stood here
                self.drop(entry[1], now[1])
            else:
                self.dropped.extend(entry[1].keys)


def _whole(calc: FactCalculator, subject: Any, context: FactContext) -> Part:
    """The one part of a calculator without parts: it reads the whole subject."""
    return Part("", (subject,), lambda: calc.calculate(subject, context))


__all__ = [
    "Block",
    "Each",
    "Group",
    "Measured",
    "MeasuredBlock",
    "Part",
    "PartCache",
    "PartedCalculator",
    "expand",
    "measure_all",
    "parts_of",
]
