"""The only module that touches durable-rules. It owns every hazard in durable-rules-limits.md.

It drives the C core (``durable_rules_engine``) directly, without ``durable.engine.Host``:
- no Host, so no timer threads, no wall-clock timers, no swallowed action exceptions, no action closures;
  actions are drained here, in the caller's thread, and every match is returned;
- facts, never events (an event is consumed by the first rule that matches; a fact is seen by all);
- a no-op sentinel rule, and one sentinel fact into every new session before its real traffic, because
  deleting a session that only ever received unmatched messages crashes the process (C1);
- session ids and fact ids are short, bounded and checked for 32-bit FNV-1a collisions (C2, hashing);
- one live session at a time, deleted after use, so the 1,024-session limit (C3) is never approached;
- message size is bounded (properties per fact, bytes per value) and non-JSON values are refused
  (``wire.py``, which also builds the JSON this module asserts, in the parent or here);
- rulesets are cached by content name; the process counts them and asks to be recycled long before the
  131,071-rulesets limit.
This module is only imported inside engine worker processes (see ``worker.py``), so a crash of the C
core kills a worker, never the program embedding mipr-rules.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from mipr_rules.engine.wire import (
    BATCH,
    MAX_ID_BYTES,
    MAX_PROPERTIES,
    MAX_VALUE_BYTES,
    SENTINEL_RULE,
    SENTINEL_TYPE,
    Wire,
    WireFormat,
    check_fact,
    check_id,
    sentinel,
    tested_fields,
)
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

MAX_RULESETS_PER_PROCESS = 100_000
"""Rulesets are never freed; the engine fails at 131,071 (error 112). Recycle the worker first."""

__all__ = [
    "BATCH", "MAX_ID_BYTES", "MAX_PROPERTIES", "MAX_RULESETS_PER_PROCESS", "MAX_VALUE_BYTES", "SENTINEL_RULE",
    "SENTINEL_TYPE", "Core", "check_fact", "check_id", "split_matches", "tested_fields",
]


class Core:
    """A process-local owner of compiled rulesets and their (single, transient) sessions."""

    def __init__(self) -> None:
        self._handles: dict[str, int] = {}
        self._formats: dict[str, WireFormat] = {}
        """Per ruleset, what its rules test: no other fact or field is sent to the engine."""

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
        wire_format = WireFormat(definition_json)
        definition[SENTINEL_RULE] = {"all": [{"m": {"type": SENTINEL_TYPE}}]}
        try:
            self._handles[name] = _core.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
        except _core.error as exc:
            raise EngineError(f"durable-rules rejected ruleset {name}: {exc}") from None
        self._formats[name] = wire_format

    def evaluate(self, name: str, sid: str, facts: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
        """Assert ``facts`` into a fresh session ``sid`` of ruleset ``name``; return (rule, fact id) matches.

        Facts must carry distinct ``id`` values whose FNV-1a hashes differ; the session is deleted
        before returning, whatever happens. The same as ``evaluate_wire`` of ``WireFormat.encode``.
        """
        return self.evaluate_wire(name, self._formats[name].encode(sid, facts))

    def evaluate_wire(self, name: str, wire: Wire) -> list[tuple[str, str]]:
        """Assert a job built by ``WireFormat.encode`` (of this ruleset's definition) into a fresh session."""
        check_id(wire.sid, "session id")
        handle = self._handles[name]
        matches: list[tuple[str, str]] = []
        try:
            self._assert(handle, sentinel(wire.sid), matches)
            for batch in wire.batches:
                self._assert(handle, batch, matches)
        finally:
            _core.delete_state(handle, wire.sid)
        return [(rule, fid) for rule, fid in matches if rule != SENTINEL_RULE]

    def _assert(self, handle: int, facts_json: str, matches: list[tuple[str, str]]) -> None:
        try:
            # Result code 1 ("not handled": some fact matched no rule) is normal for facts; the actions of
            # those that did match are still pending and are drained below, here, not by a timer thread.
            _core.assert_facts(handle, facts_json)
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
