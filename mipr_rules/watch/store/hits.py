"""What recording works out from a hit once per hit object, not once per report: its key and stored columns.

A follower's reports hold every alert of each changed location, but the incremental evaluator hands over the
very same ``RuleHit`` objects for the facts that did not change; so the columns of a hit (its facts as JSON,
its detail document) are worked out when the object is first seen and kept while it is one of its location's
current hits. The rows these are compared with are read in the check's transaction, or are those the
same store object's last check of the location left, while the location's revision says nobody wrote it since
(``left``).

This holds because a hit is a value: ``RuleHit`` (and the ``MapsTo`` and ``Source`` it cites) are frozen and
nothing changes their facts in place; a hit whose facts or message change is a new object.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mipr_rules.readiness import LocationReadiness
    from mipr_rules.results import RuleHit

VALUE_COLUMNS = ("ruleset_version", "severity", "title", "message", "facts", "detail")
"""The columns of an alert that a check rewrites when they change (besides ``last_seen``)."""
DETAIL_KEYS = (
    "key_question",
    "quality_statement",
    "quality_statement_name",
    "evidence_category",
    "regulation",
    "limiter",
    "source",
)
"""Fields of ``alert_dict`` kept with each alert besides its identity, severity, title, message and facts."""
MAX_HITS = 200_000
"""Most hits kept (with their columns) across locations; the locations recorded longest ago are let go first."""
MAX_DETAILS = 4096
"""Most detail documents kept (one per rule and evidence category of each ruleset object seen)."""


def values_digest(values: tuple[str, ...]) -> str:
    """The ``digest`` column of an alert with these ``VALUE_COLUMNS`` (a check compares open alerts by it)."""
    text = "".join(f"{len(value)}:{value}" for value in values)  # each value's length first: unambiguous
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Known:
    """A hit with its key, its stored columns (``VALUE_COLUMNS`` order) and their digest."""

    __slots__ = ("digest", "hit", "key", "values")

    def __init__(self, hit: RuleHit, values: tuple[str, ...]) -> None:
        self.hit = hit
        """Held, so that ``id(hit)`` names this hit for as long as it is cached."""
        self.key = (hit.ruleset_id, hit.rule_id, hit.subject)
        """(ruleset id, rule id, subject): the identity of the alert within its location."""
        self.values = values
        self.digest = values_digest(values)


class _Location:
    """The hits of one location's last recorded result."""

    __slots__ = ("alerts", "by_id", "unique")

    def __init__(self, alerts: tuple[RuleHit, ...], by_id: dict[int, Known], unique: list[Known]) -> None:
        self.alerts = alerts
        self.by_id = by_id
        self.unique = unique
        """The first hit of each key, in the result's order (a later hit of the same alert is ignored)."""


class HitColumns:
    """The stored columns of hits, worked out once per hit object (bounded: ``MAX_HITS``)."""

    def __init__(self, limit: int = MAX_HITS) -> None:
        from mipr_rules.saf import statement_name

        self._name = statement_name
        self._limit = limit
        self._locations: dict[str, _Location] = {}
        self._size = 0
        self._details: dict[tuple[int, int, Any], tuple[object, object, str]] = {}
        """Detail documents by the identity of the ``maps_to`` and ``source`` they are made of (held)."""

    def __len__(self) -> int:
        """How many hits are kept."""
        return self._size

    def current(self, loc: LocationReadiness) -> list[Known]:
        """The alerts of ``loc`` (one per key, the first), their columns worked out for hits not seen before.

        The location's kept hits become exactly these (a hit that is no longer one of them is let go).
        """
        kept = self._locations.pop(loc.location_id, None)
        if kept is not None:
            self._size -= len(kept.by_id)
            if kept.alerts is loc.alerts:
                self._keep(loc.location_id, kept)
                return kept.unique
        old = kept.by_id if kept is not None else {}
        by_id: dict[int, Known] = {}
        unique: list[Known] = []
        keys: set[tuple[str, str, str]] = set()
        for hit in loc.alerts:
            known = old.get(id(hit))
            if known is None or known.hit is not hit:
                known = Known(hit, self._values(hit))
            by_id[id(hit)] = known
            if known.key not in keys:
                keys.add(known.key)
                unique.append(known)
        if by_id:
            self._keep(loc.location_id, _Location(loc.alerts, by_id, unique))
        return unique

    def _keep(self, location_id: str, kept: _Location) -> None:
        self._locations[location_id] = kept  # last in order: the most recently recorded
        self._size += len(kept.by_id)
        while self._size > self._limit and self._locations:
            oldest = next(iter(self._locations))
            self._size -= len(self._locations.pop(oldest).by_id)

    def _detail(self, hit: RuleHit) -> str:
        """The detail document of a hit: the same for every hit of one rule (its ``maps_to`` and ``source``)."""
        key = (id(hit.maps_to), id(hit.source), hit.emit.get("evidence_category"))
        made = self._details.get(key)
        if made is not None and made[0] is hit.maps_to and made[1] is hit.source:
            return made[2]
        data = hit.as_dict(only=[k for k in DETAIL_KEYS if k != "quality_statement_name"])
        data["quality_statement_name"] = self._name(data["quality_statement"])
        detail = json.dumps({k: data[k] for k in DETAIL_KEYS}, ensure_ascii=False, default=str)
        if len(self._details) >= MAX_DETAILS:
            self._details.clear()
        self._details[key] = (hit.maps_to, hit.source, detail)
        return detail

    def _values(self, hit: RuleHit) -> tuple[str, ...]:
        return (
            hit.ruleset_version,
            hit.severity,
            hit.title,
            hit.message,
            json.dumps(hit.facts, ensure_ascii=False, sort_keys=True, default=str),
            self._detail(hit),
        )
