"""The wire format of an engine job: the JSON text durable-rules' C core takes, built once in the parent.

A worker's time should go to the C core. So the parent, which has the facts anyway, does everything else
once per job (``WireFormat.encode``): it checks the session and fact ids (C2, hash collisions) and every
value (``check_fact``: the engine would crash on, reject with an opaque code, or compare loosely what it
refuses), drops the facts of types no rule matches and the fields no rule tests (both worked out once per
ruleset from its definition, at compile time), adds the session id and encodes the rest as the JSON
arrays ``assert_facts`` parses, ``BATCH`` facts each. The worker passes these strings to the C core as
they are (``durable_core.Core.evaluate_wire``). ``Core.evaluate`` builds the same wire itself, so there
is one path either way. This module does not import durable-rules.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from mipr_rules.engine.ids import canonical_fact_ids, fnv1a_32
from mipr_rules.errors import EngineError

SENTINEL_TYPE = "__mipr_sentinel__"
SENTINEL_RULE = "__mipr_sentinel__"
MAX_ID_BYTES = 256
"""Longest session or fact id; ids of megabytes overflow the C stack (C2)."""
MAX_PROPERTIES = 200
"""Most properties per fact; the engine's hard limit is 253 flattened properties (error 302)."""
MAX_VALUE_BYTES = 64 * 1024
"""Largest string value in a fact; the engine's hard limit is 16 MiB (error 314)."""
BATCH = 500
"""Facts asserted per call before pending actions are drained."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def check_id(value: str, what: str) -> None:
    """Refuse ids that are empty, too long or not plain text."""
    if not isinstance(value, str) or not value:
        raise EngineError(f"{what} must be a non-empty string")
    if len(value) > MAX_ID_BYTES // 4 and len(value.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        raise EngineError(f"{what} is longer than {MAX_ID_BYTES} bytes")


def check_fact(fact: dict[str, Any], where: str) -> None:
    """Refuse facts the engine would crash on, reject with an opaque code, or compare loosely."""
    if len(fact) > MAX_PROPERTIES:
        raise EngineError(f"{where}: fact has {len(fact)} properties, more than {MAX_PROPERTIES}")
    for key, value in fact.items():
        if value is None or isinstance(value, (bool, int)):
            if value is None:
                raise EngineError(f"{where}: field {key} is null; omit unknown fields instead")
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                raise EngineError(f"{where}: field {key} is not a finite number")
        elif isinstance(value, str):
            if len(value) > MAX_VALUE_BYTES:
                raise EngineError(f"{where}: field {key} is longer than {MAX_VALUE_BYTES} characters")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise EngineError(f"{where}: field {key} holds invalid text (lone surrogate)") from None
        else:
            raise EngineError(f"{where}: field {key} is a {type(value).__name__}, expected a JSON scalar")


_PLAIN_TYPES = frozenset((bool, int))


def _plain(fact: dict[str, Any]) -> bool:
    """True when every value is one ``check_fact`` accepts without looking further (the usual case)."""
    if len(fact) > MAX_PROPERTIES:
        return False
    for value in fact.values():
        kind = type(value)
        if kind is str:
            if len(value) > MAX_VALUE_BYTES or not value.isascii():
                return False
        elif kind not in _PLAIN_TYPES:
            return False
    return True


def tested_fields(expression: Any) -> set[str]:
    """Every fact field a durable-rules expression, rule or ruleset definition tests."""
    found: set[str] = set()
    if isinstance(expression, dict):
        for key, value in expression.items():
            if key.startswith("$"):
                found |= tested_fields(value)
            elif key in ("all", "any") and isinstance(value, list):
                for pattern in value:  # [{"m": expression}]
                    for inner in pattern.values():
                        found |= tested_fields(inner)
            else:
                found.add(key)
    elif isinstance(expression, list):
        for item in expression:
            found |= tested_fields(item)
    return found


def _pattern_type(expression: Any) -> str | None:
    """The fact type a pattern requires (``{"type": T}`` alone or in a top-level ``$and``), else None."""
    if not isinstance(expression, dict) or len(expression) != 1:
        return None
    ((key, value),) = expression.items()
    if key == "type" and isinstance(value, str):
        return value
    if key == "$and" and isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and len(item) == 1 and isinstance(item.get("type"), str):
                return str(item["type"])
    return None


def _patterns(definition: dict[str, Any]) -> list[Any]:
    """Every pattern expression (the value under ``m``) of every rule of a definition."""
    found: list[Any] = []
    for rule in definition.values():
        for group in ("all", "any"):
            for pattern in rule.get(group, ()) if isinstance(rule, dict) else ():
                found.extend(pattern.values() if isinstance(pattern, dict) else [pattern])
    return found


class Wire(NamedTuple):
    """One job as the C core takes it: a session id and the JSON arrays of its facts (a named tuple, not an
    attrs class: the worker imports this module, and attrs would double its start-up)."""

    sid: str
    """The session the facts go to (in every fact's ``sid``)."""
    batches: tuple[str, ...]
    """JSON arrays of at most ``BATCH`` facts each, with only the fields rules test."""


class WireFormat:
    """What the rules of one compiled ruleset can test, worked out once, and the encoder of its jobs."""

    def __init__(self, definition_json: str) -> None:
        definition = json.loads(definition_json)
        everywhere = {"type", "id"}
        by_type: dict[str, set[str]] = {}
        typed = True
        for expression in _patterns(definition):
            fact_type = _pattern_type(expression)
            if fact_type is None:
                typed = False
                everywhere |= tested_fields(expression)
            else:
                by_type.setdefault(fact_type, set()).update(tested_fields(expression))
        self.typed = typed
        """Whether every pattern names its fact type (then facts of other types are not sent)."""
        self.fields: dict[str, frozenset[str]] = {t: frozenset(f | everywhere) for t, f in by_type.items()}
        """Fields sent, per fact type rules match."""
        self.other_fields = frozenset(everywhere)
        """Fields sent of facts of other types (when not every pattern names its type)."""
        self.all_fields = frozenset(tested_fields(list(definition.values())) | {"type", "id"})
        """Every field any rule tests."""

    def encode(self, sid: str, facts: Sequence[dict[str, Any]]) -> Wire:
        """The wire of ``facts`` for session ``sid``; an ``EngineError`` names what the engine cannot take.

        Facts must carry distinct ``id`` values whose FNV-1a hashes differ.
        """
        check_id(sid, "session id")
        ids = tuple(fact.get("id") for fact in facts)
        if ids != canonical_fact_ids(len(ids)):  # the usual ids (fact_ids) are known not to collide
            seen: dict[int, str] = {}
            for fid in ids:
                check_id(fid, "fact id")  # type: ignore[arg-type]
                digest = fnv1a_32(fid)  # type: ignore[arg-type]
                if digest in seen:
                    raise EngineError(f"fact ids {seen[digest]!r} and {fid!r} collide in the engine's hash")
                seen[digest] = fid  # type: ignore[assignment]
        fields, typed, other = self.fields, self.typed, self.other_fields
        payload = []
        for fact in facts:
            if not _plain(fact):
                subject = fact.get("subject")
                named = isinstance(subject, str) and 0 < len(subject) <= MAX_ID_BYTES
                check_fact(fact, f"fact {subject}" if named else f"fact {fact.get('id')}")
            keep = fields.get(fact.get("type"))  # type: ignore[arg-type]
            if keep is None:
                if typed:  # no rule matches a fact of this type: it cannot fire anything
                    continue
                keep = other
            sent = {key: value for key, value in fact.items() if key in keep}
            sent["sid"] = sid
            payload.append(sent)
        encode = _ENCODER.encode
        return Wire(sid, tuple(encode(payload[i : i + BATCH]) for i in range(0, len(payload), BATCH)))


def sentinel(sid: str) -> str:
    """The JSON of the no-op fact asserted first into every session (C1: see ``durable_core``)."""
    return _ENCODER.encode([{"sid": sid, "id": "~sentinel", "type": SENTINEL_TYPE}])
