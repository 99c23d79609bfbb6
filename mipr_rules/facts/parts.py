"""Per-record measurement: a subject's facts as parts, each remeasured only when what it reads has changed.

A calculator may split its work into ``Part``s (a method ``parts(subject, context)``): each names what it
reads (``inputs``: the records and fields its facts depend on, compared with ``==``) and how to measure
it. Concatenating the parts' facts, in order, gives exactly ``calculate(subject, context)`` (the built-in
calculators implement ``calculate`` that way, so the two cannot differ). A calculator without ``parts``
is one part that reads the whole subject.

``PartCache`` keeps the facts of each part of one subject as of one context; measuring the subject again
remeasures only the parts whose inputs differ (a changed care plan: that person's facts; a changed
incident: the incident facts and the location fact that counts medication errors), and reuses the rest.
A source that hands back the same objects for unchanged records makes the comparison an identity check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


@runtime_checkable
class PartedCalculator(Protocol):
    """A fact calculator that can measure a subject part by part (``FactCalculator`` plus ``parts``)."""

    name: str

    def parts(self, subject: Any, context: FactContext) -> Iterator[Part]:
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
        for part in parts(subject, context):
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


@attrs.frozen
class PartCache:
    """The parts of one subject as of one context: its facts, their keys, and what each part read.

    ``remeasure`` gives the cache of the subject as it is now, measuring again only the parts whose inputs
    changed; this one is left as it was (so a caller can keep it when the new facts cannot be evaluated).
    It also says which facts came and went (``fresh``, ``dropped``), so that a caller can keep what it
    derives from the facts up to date in proportion to what changed.
    """

    key_of: Callable[[Fact], Any]
    """A fact's identity (kept beside each fact, so that unchanged parts are not keyed again)."""
    context: FactContext | None = None
    """The context the parts were measured in (another context remeasures everything)."""
    parts: Mapping[tuple[str, str, int], Measured] = attrs.field(factory=dict)
    """Part key (``parts_of``) → its facts, in measuring order."""
    facts: tuple[Fact, ...] = ()
    """Every fact of the subject, in measuring order."""
    keys: tuple[Any, ...] = ()
    """Their keys."""
    fresh: tuple[tuple[Any, Fact], ...] = ()
    """(key, fact) of the facts of the parts measured by the ``remeasure`` that made this cache."""
    remeasured: int = 0
    """How many parts that ``remeasure`` measured (the others were reused)."""
    counts: Mapping[Any, int] = attrs.field(factory=dict)
    """Key → how many of ``facts`` have it."""
    dropped: tuple[Any, ...] = ()
    """Keys of the facts of the cache this one was remeasured from that it no longer holds (parts gone or
    measured again), once per fact: with ``fresh``, the difference between the two caches' ``keys``."""

    def remeasure(self, calculators: Sequence[FactCalculator], subject: Any, context: FactContext) -> PartCache:
        """The cache of ``subject`` as of ``context``; raises what a calculator raises."""
        same = context is self.context or context == self.context
        known = self.parts if same else {}
        parts: dict[tuple[str, str, int], Measured] = {}
        facts: list[Fact] = []
        keys: list[Any] = []
        fresh: list[tuple[Any, Fact]] = []
        dropped: list[Any] = [] if same else list(self.keys)
        remeasured = 0
        for calc in calculators:
            name = calc.name
            split = getattr(calc, "parts", None)
            found = split(subject, context) if split is not None else (_whole(calc, subject, context),)
            seen: dict[str, int] = {}
            for part in found:
                n = seen.get(part.key, 0)
                seen[part.key] = n + 1
                key = (name, part.key, n)
                held = known.get(key)
                # Tuples compare their items by identity first: the same records are not compared field by field.
                if held is None or (held.inputs is not part.inputs and held.inputs != part.inputs):
                    if held is not None:
                        dropped.extend(held.keys)
                    measured = list(part.measure())
                    held = Measured(part.inputs, measured, [self.key_of(fact) for fact in measured])
                    fresh.extend(zip(held.keys, measured, strict=True))
                    remeasured += 1
                parts[key] = held
                facts.extend(held.facts)
                keys.extend(held.keys)
        if len(parts) != len(known) or remeasured:  # else every part was found in ``known``: none is gone
            for key in known.keys() - parts.keys():
                dropped.extend(known[key].keys)
        counts = dict(self.counts) if same else {}
        for gone in dropped if same else ():
            left = counts[gone] - 1
            if left:
                counts[gone] = left
            else:
                del counts[gone]
        for key, _ in fresh:
            counts[key] = counts.get(key, 0) + 1
        return PartCache(
            self.key_of, context, parts, tuple(facts), tuple(keys), tuple(fresh), remeasured, counts, tuple(dropped)
        )


def _whole(calc: FactCalculator, subject: Any, context: FactContext) -> Part:
    """The one part of a calculator without parts: it reads the whole subject."""
    return Part("", (subject,), lambda: calc.calculate(subject, context))


__all__ = ["Measured", "Part", "PartCache", "PartedCalculator", "parts_of"]
