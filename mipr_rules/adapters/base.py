"""The adapter protocol and the read context adapters report problems through."""

from __future__ import annotations

import logging
import typing
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

import attrs

from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.model.paths import record_type
from mipr_rules.privacy import pseudonymise

log = logging.getLogger("mipr_rules.adapters")

DEFAULT_MAX_SKIPPED = 0.05
"""Share of all records a lenient read may skip before it fails (``--max-skipped``)."""

RECORD_TYPES = (
    "locations",
    "ratings",
    "people",
    "care_plans",
    "risk_assessments",
    "staff",
    "training",
    "supervisions",
    "incidents",
    "safeguarding",
    "complaints",
    "audits",
    "feedback",
    "evidence",
    "manager_absences",
    "conditions",
)
"""The record types of the canonical model, as adapters name them when they report a skipped record."""

_ALIASES = {"location": "locations", "registration_conditions": "conditions", "key_question_ratings": "ratings"}

OTHER = "records"
"""Record type of a skip an adapter did not attribute to one record type."""


@runtime_checkable
class Adapter(Protocol):
    """Reads one kind of care-record source into canonical ``Location`` objects."""

    @property
    def name(self) -> str:
        """Short name used on the command line: ``mipr readiness --adapter NAME``."""

    @property
    def version(self) -> str:
        """Version of the distribution that provides the adapter."""

    @property
    def description(self) -> str:
        """One line for ``mipr adapters``."""

    @property
    def accepts(self) -> tuple[str, ...]:
        """Human-readable list of the sources it accepts, e.g. ``("*.json", "https://… FHIR base URL")``."""

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """Yield every location found in ``source``; report bad records through ``context.problem``."""
        ...


def record_type_name(name: str) -> str:
    """The canonical name of a record type (``location`` → ``locations``); unknown names kept as given."""
    return _ALIASES.get(name, name)


def record_counts(location: Location) -> Counter[str]:
    """How many records of each canonical record type ``location`` holds (itself included).

    Every collection of the model counts, at any depth (``people`` → ``care_plans``, ``medicines``...),
    under its field name; ratings are the current one and the past ones.
    """
    counts: Counter[str] = Counter(locations=1)
    counts["ratings"] = (location.current_rating is not None) + len(location.past_ratings)
    _count_records(location, counts)
    return counts


def recount(old: Any, new: Any, counts: Counter[str]) -> None:
    """Move ``counts`` (``record_counts`` of a location) from ``old`` to ``new``, the same record made again
    (a reader that made one person again): only the collections that are not the very same tuple are counted."""
    taken: Counter[str] = Counter()
    for name, walk in _collections(type(new)):
        before, after = getattr(old, name), getattr(new, name)
        if before is not after:
            _count_collection(before, name, walk, taken)
            _count_collection(after, name, walk, counts)
    for name, count in taken.items():
        left = counts[name] - count
        if left:
            counts[name] = left
        else:
            del counts[name]  # as record_counts leaves out an empty collection


def _count_records(record: Any, counts: Counter[str]) -> None:
    for name, walk in _collections(type(record)):
        _count_collection(getattr(record, name), name, walk, counts)


def _count_collection(records: tuple[Any, ...], name: str, walk: bool, counts: Counter[str]) -> None:
    if records:
        counts[name] += len(records)
        if walk:
            for item in records:
                _count_records(item, counts)


_COLLECTIONS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _collections(cls: type) -> tuple[tuple[str, bool], ...]:
    """(field name, whose records hold collections too) of each collection of records ``cls`` holds
    (``Location.past_ratings`` left out: counted as ratings); worked out once per class."""
    known = _COLLECTIONS.get(cls)
    if known is None:
        found = []
        for field in attrs.fields(attrs.resolve_types(cls)):
            held = record_type(field.type)
            if typing.get_origin(field.type) is tuple and held is not None and field.name != "past_ratings":
                found.append((field.name, bool(_collections(held))))
        known = _COLLECTIONS[cls] = tuple(found)
    return known


@attrs.frozen
class Skip:
    """One skipped record: its record type, where it was and why (never its content)."""

    record_type: str
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


@attrs.frozen
class SkippedRecords:
    """The records of one record type a lenient read skipped: how many and why (``where: why`` lines)."""

    record_type: str
    count: int
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """``{record_type, count, reasons}`` as in the JSON reports."""
        return {"record_type": self.record_type, "count": self.count, "reasons": list(self.reasons)}


@attrs.define
class ReadContext:
    """Options of one read and the record of what was skipped.

    In strict mode (the default) the first bad record raises ``InputError`` naming the record and field.
    In lenient mode the record is skipped, logged without its values, and counted per record type;
    nothing is dropped silently, and ``check`` fails a read that skipped too much.
    """

    lenient: bool = False
    """Skip bad records (logged and counted) instead of failing."""
    full: bool = False
    """Yield every location even from a source read incrementally (a change cursor), whose cursor still moves
    on. ``mipr watch`` asks for it when the as-of date moved: time alone changes results."""
    key: bytes = attrs.field(kw_only=True, repr=False)
    """Pseudonymisation key for identifiers such as NHS numbers (required: there is no built-in key; use
    ``mipr_rules.privacy.default_pseudonym_key()`` for the one the ``mipr`` command uses by default)."""
    max_skipped: float = DEFAULT_MAX_SKIPPED
    """Largest share of all records (kept + skipped) a lenient read may skip."""
    skips: list[Skip] = attrs.field(factory=list)
    """Every skipped record, in the order reported."""
    kept: Counter[str] = attrs.field(factory=Counter)
    """Records read per record type (counted by ``count``/``read``)."""
    ignored: Counter[str] = attrs.field(factory=Counter)
    """Records read and not used, per source type (e.g. FHIR ``Flag``): counted by ``ignore``."""
    unsupported: list[str] = attrs.field(factory=list)
    """Source types the source could not give (``--lenient`` only), one ``type: why`` line each."""
    location: str | None = None
    """Read only this location (``--location ID``) from a source holding many; ``None`` reads them all.
    An adapter may select it itself (the ``fhir`` adapter matches any of the Location's identifiers);
    otherwise ``read`` keeps the location whose ``location_id`` it is and counts the others as ignored."""

    def ignore(self, source_type: str, count: int = 1) -> None:
        """Count ``count`` records of ``source_type`` that were read and not used (shown in the read summary)."""
        if count:
            self.ignored[source_type] += count

    def unsupported_type(self, source_type: str, why: str) -> None:
        """A whole source type the source does not give: raise in strict mode, else record and go on."""
        if not self.lenient:
            raise InputError(f"{source_type}: {why}")
        self.unsupported.append(f"{source_type}: {why}")
        log.warning("source type not read %s: %s", source_type, why)

    @property
    def skipped(self) -> list[str]:
        """One line per skipped record: where it was and why (never its content)."""
        return [str(skip) for skip in self.skips]

    def problem(self, where: str, why: str, record_type: str = OTHER) -> None:
        """Report a bad record of ``record_type``: raise in strict mode, log and count in lenient mode."""
        line = f"{where}: {why}"
        if not self.lenient:
            raise InputError(line)
        self.skips.append(Skip(record_type_name(record_type), where, why))
        log.warning("skipped record %s", line)

    def pseudonym(self, value: str, prefix: str = "P") -> str:
        """Pseudonymous id for an identifier under this read's key."""
        return pseudonymise(value, prefix, self.key)

    def count(self, location: Location) -> Location:
        """Count the records of a location that was read; returns it."""
        self.kept.update(record_counts(location))
        return location

    def summary(self) -> tuple[SkippedRecords, ...]:
        """Skipped records per record type, in the order the types were first skipped."""
        by_type: dict[str, list[str]] = {}
        for skip in self.skips:
            by_type.setdefault(skip.record_type, []).append(str(skip))
        return tuple(SkippedRecords(kind, len(lines), tuple(lines)) for kind, lines in by_type.items())

    def check(self) -> None:
        """Fail (``InputError``) if a whole record type, or more than ``max_skipped`` of all records, was skipped."""
        summary = self.summary()
        for group in summary:
            if group.record_type in RECORD_TYPES and not self.kept[group.record_type]:
                raise InputError(
                    f"every {group.record_type} record was skipped ({group.count}); first: {group.reasons[0]}"
                )
        skipped = sum(group.count for group in summary)
        total = sum(self.kept.values()) + skipped
        if skipped and skipped > self.max_skipped * total:
            worst = max(summary, key=lambda group: group.count)
            raise InputError(
                f"{skipped} of {total} records skipped, more than --max-skipped {self.max_skipped * 100:g}%; "
                f"most in {worst.record_type} ({worst.count}); first: {worst.reasons[0]}"
            )

    def read(self, adapter: Adapter, source: str) -> list[Location]:
        """Every location ``adapter`` reads from ``source``, counted and checked (see ``check``)."""
        return list(self.stream(adapter, source))

    def stream(self, adapter: Adapter, source: str) -> Iterator[Location]:
        """``read`` one location at a time, for memory that does not grow with the source.

        With ``location`` set, only that home is yielded and the others are counted as read and not used
        (a source holding one home is kept whatever its id). The bound on skipped records can only be checked
        once every record was seen: ``check`` runs when the iterator is exhausted and raises there, after the
        locations already yielded. A consumer must therefore hold back its verdict (``mipr readiness`` spools
        its output, see ``readiness_stream.py``) until the iterator ends, and ask ``summary`` only then.
        """
        kept = read = 0
        first_other: Location | None = None
        for location in adapter.read(source, self):
            read += 1
            if self.location is not None and location.location_id != self.location:
                if first_other is None:
                    first_other = location
                else:
                    self.ignore("locations (not the --location asked for)")
                continue
            kept += 1
            yield self.count(location)
        if first_other is not None:
            if read == 1:  # adapters that read one home only: keep it
                kept += 1
                yield self.count(first_other)
            else:
                self.ignore("locations (not the --location asked for)")
        if self.location is not None and not kept:
            raise InputError(f"{source}: no location {self.location} among the {read} read (--location)")
        self.check()
