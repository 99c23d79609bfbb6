"""The only module that touches durable-rules. It owns every hazard in durable-rules-limits.md.

It drives the C core (``durable_rules_engine``) directly, without ``durable.engine.Host``:
- no Host, so no timer threads, no wall-clock timers, no swallowed action exceptions, no action closures;
  actions are drained here, in the caller's thread, and every match is returned;
- facts, never events (an event is consumed by the first rule that matches; a fact is seen by all);
- a no-op sentinel rule, and one sentinel fact into every new session before its real traffic, because
  deleting a session that only ever received unmatched messages crashes the process (C1);
- session ids and fact ids are short, bounded and checked for 32-bit FNV-1a collisions (C2, hashing);
- one live session at a time, deleted after use, so the 1,024-session limit (C3) is never approached;
- message size is bounded (properties per fact, bytes per value) and non-JSON values are refused;
- rulesets are cached by content name; the process counts them and asks to be recycled long before the
  131,071-rulesets limit.
This module is only imported inside engine worker processes (see ``worker.py``), so a crash of the C
core kills a worker, never the program embedding mipr-rules.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from mipr_rules.engine.ids import canonical_fact_ids, fnv1a_32
from mipr_rules.errors import EngineError

if sys.version_info >= (3, 13):  # pragma: no cover - guarded at install time by requires-python
    raise EngineError(
        "durable-rules 2.0.28 does not import on Python 3.13+ (undefined symbol PyEval_CallObject); "
        "use Python 3.10-3.12 (see README, 'Python versions')"
    )

# durable/engine.py calls datetime.utcfromtimestamp, deprecated on 3.12: under filterwarnings=error the
# action would silently not run. We never import durable.engine, but filter that one warning anyway.
warnings.filterwarnings("ignore", message=r".*utcfromtimestamp.*", category=DeprecationWarning)

try:
    import durable_rules_engine as _core
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise EngineError(f"durable-rules is not installed or did not build ({exc}); reinstall mipr-rules") from None

SENTINEL_TYPE = "__mipr_sentinel__"
SENTINEL_RULE = "__mipr_sentinel__"
MAX_ID_BYTES = 256
"""Longest session or fact id; ids of megabytes overflow the C stack (C2)."""
MAX_PROPERTIES = 200
"""Most properties per fact; the engine's hard limit is 253 flattened properties (error 302)."""
MAX_VALUE_BYTES = 64 * 1024
"""Largest string value in a fact; the engine's hard limit is 16 MiB (error 314)."""
MAX_RULESETS_PER_PROCESS = 100_000
"""Rulesets are never freed; the engine fails at 131,071 (error 112). Recycle the worker first."""
BATCH = 500
"""Facts asserted per call before pending actions are drained."""


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


def _plain(fact: dict[str, Any]) -> bool:
    """True when every value is one ``check_fact`` accepts without looking further (the usual case)."""
    if len(fact) > MAX_PROPERTIES:
        return False
    for value in fact.values():
        kind = type(value)
        if not (kind is bool or kind is int or (kind is str and len(value) <= MAX_VALUE_BYTES and value.isascii())):
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


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


class Core:
    """A process-local owner of compiled rulesets and their (single, transient) sessions."""

    def __init__(self) -> None:
        self._handles: dict[str, int] = {}
        self._fields: dict[str, frozenset[str]] = {}
        """Per ruleset, the fields its rules test: no other field is sent to the engine."""

    @property
    def ruleset_count(self) -> int:
        """Rulesets created in this process (never freed by the engine)."""
        return len(self._handles)

    def needs_recycling(self) -> bool:
        """True when this process should be replaced before the engine's ruleset limit."""
        return self.ruleset_count >= MAX_RULESETS_PER_PROCESS

    def load(self, name: str, definition_json: str) -> None:
        """Create the ruleset ``name`` from its JSON definition, once per process."""
        if name in self._handles:
            return
        if self.needs_recycling():
            raise EngineError("engine process reached its ruleset limit; it must be recycled")
        definition = json.loads(definition_json)
        fields = tested_fields(list(definition.values())) | {"type", "id"}
        definition[SENTINEL_RULE] = {"all": [{"m": {"type": SENTINEL_TYPE}}]}
        try:
            self._handles[name] = _core.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
        except _core.error as exc:
            raise EngineError(f"durable-rules rejected ruleset {name}: {exc}") from None
        self._fields[name] = frozenset(fields)

    def evaluate(self, name: str, sid: str, facts: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
        """Assert ``facts`` into a fresh session ``sid`` of ruleset ``name``; return (rule, fact id) matches.

        Facts must carry distinct ``id`` values whose FNV-1a hashes differ; the session is deleted
        before returning, whatever happens.
        """
        check_id(sid, "session id")
        handle = self._handles[name]
        keep = self._fields[name]
        ids = tuple(fact.get("id") for fact in facts)
        if ids != canonical_fact_ids(len(ids)):  # the usual ids (fact_ids) are known not to collide
            seen: dict[int, str] = {}
            for fid in ids:
                check_id(fid, "fact id")  # type: ignore[arg-type]
                digest = fnv1a_32(fid)  # type: ignore[arg-type]
                if digest in seen:
                    raise EngineError(f"fact ids {seen[digest]!r} and {fid!r} collide in the engine's hash")
                seen[digest] = fid  # type: ignore[assignment]
        payload = []
        for fact in facts:
            if not _plain(fact):
                subject = fact.get("subject")
                named = isinstance(subject, str) and 0 < len(subject) <= MAX_ID_BYTES
                check_fact(fact, f"fact {subject}" if named else f"fact {fact.get('id')}")
            # Only the fields some rule tests: less JSON to write and for the C core to parse.
            sent = {key: value for key, value in fact.items() if key in keep}
            sent["sid"] = sid
            payload.append(sent)
        matches: list[tuple[str, str]] = []
        try:
            self._assert(handle, [{"sid": sid, "id": "~sentinel", "type": SENTINEL_TYPE}], matches)
            for start in range(0, len(payload), BATCH):
                self._assert(handle, payload[start : start + BATCH], matches)
        finally:
            _core.delete_state(handle, sid)
        return [(rule, fid) for rule, fid in matches if rule != SENTINEL_RULE]

    def _assert(self, handle: int, facts: list[dict[str, Any]], matches: list[tuple[str, str]]) -> None:
        try:
            # Result code 1 ("not handled": some fact matched no rule) is normal for facts; the actions of
            # those that did match are still pending and are drained below, here, not by a timer thread.
            _core.assert_facts(handle, _ENCODER.encode(facts))
        except _core.error as exc:
            code = str(exc).rsplit(" ", 1)[-1]
            hint = {"303": "a fact matched more than 64 rules", "302": "a fact has too many properties"}
            raise EngineError(f"durable-rules error {code}: {hint.get(code, str(exc))}") from None
        self._drain(handle, matches)

    @staticmethod
    def _drain(handle: int, matches: list[tuple[str, str]]) -> None:
        while True:
            started = _core.start_action(handle)
            if not started:
                return
            _state, message, state_handle = started
            while message:
                for rule, bound in json.loads(message).items():
                    matches.append((rule, bound["m"]["id"]))
                message = _core.complete_and_start_action(handle, state_handle)


def split_matches(matches: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group (rule, fact id) pairs by rule."""
    grouped: dict[str, list[str]] = {}
    for rule, fid in matches:
        grouped.setdefault(rule, []).append(fid)
    return grouped
