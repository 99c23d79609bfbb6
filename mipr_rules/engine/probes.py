"""Condition probes: every condition of every rule compiled as an engine rule of its own.

Explanations ("which condition failed, and by how much") and ``mipr rules test --coverage`` ("which
conditions were never false") need to know, per fact, which conditions held. There is no Python
evaluator of rule logic to ask: the engine itself evaluates them. ``compile_probes`` turns each condition
of a compiled ruleset into a probe rule (the fact-type test and that one condition, compiled by the same
``compile_conditions``), in separate "explain" rulesets; ``run_probes`` runs them on the same facts in the
same supervised engine workers. A top-level condition held for a fact exactly when its probe fired on it,
so a rule fires on a fact exactly when all its top-level probes fire.

Probe paths name a condition as ``mipr rules lint`` and the loader do: ``when[1]`` (the second top-level
condition), ``when[2].any[0]`` (the first alternative of an ``any`` group), ``when[1].days_until_expiry.gte``
(one comparison of a condition with several).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from mipr_rules.engine.compile import (
    MAX_MATCHES_PER_FACT,
    MAX_RULES,
    CompiledRuleset,
    bind_value,
    branch_count,
    compile_conditions,
)
from mipr_rules.engine.ids import fact_ids
from mipr_rules.engine.worker import EnginePool, Job
from mipr_rules.errors import EngineError
from mipr_rules.facts.base import Fact
from mipr_rules.ruleset.schema import Rule

GROUPS = ("any", "all")


@attrs.frozen
class Probe:
    """One condition of one rule, compiled as an engine rule of its own."""

    key: str
    """Engine rule key of the probe (``p0``, ``p1``…), unique in its probe ruleset."""
    rule_id: str
    """The rule the condition belongs to."""
    fact: str
    """The rule's fact type."""
    path: str
    """Where the condition is in the rule, e.g. ``when[2].any[0]``."""
    condition: Mapping[str, Any]
    """The condition as written: ``{field: {op: value}}``, ``{field: value}`` or ``{any: [...]}``."""
    top: bool
    """A condition of the rule's own list: the rule fires on a fact when every top probe holds for it."""
    parent: str | None = None
    """Path of the enclosing condition (a group, or a condition with several comparisons)."""
    field: str | None = None
    """The field compared, for a single comparison."""
    op: str | None = None
    """The operator of a single comparison (``eq`` for the ``field: value`` shorthand)."""
    value: Any = None
    """The value compared with, parameters bound."""
    parameter: str | None = None
    """The parameter the value comes from (``$name``), if any."""

    @property
    def group(self) -> str | None:
        """``any`` or ``all`` when the condition is a group."""
        key = next(iter(self.condition))
        return key if key in GROUPS else None


@attrs.frozen
class ProbeRuleset:
    """The probes of a compiled ruleset, split into engine rulesets small enough to run safely."""

    compiled: CompiledRuleset
    """The ruleset whose conditions are probed (with its parameter values)."""
    probes: tuple[Probe, ...]
    """Every probe, in rule order then condition order."""
    chunks: tuple[tuple[str, str], ...]
    """(engine-side name, durable-rules definition) of each probe ruleset."""

    def for_rule(self, rule_id: str) -> list[Probe]:
        """The probes of one rule, in condition order."""
        return [p for p in self.probes if p.rule_id == rule_id]


@attrs.frozen
class ProbeResults:
    """Which probe held for which fact."""

    probes: ProbeRuleset
    """The probes that were run."""
    facts: tuple[Fact, ...]
    """The facts they were run on (with their engine ids)."""
    held: Mapping[str, frozenset[str]]
    """Probe key → ids of the facts it held for."""

    def holds(self, probe: Probe, fact: Fact) -> bool:
        """Whether the engine found ``probe``'s condition true for ``fact``."""
        return fact.get("type") == probe.fact and fact.get("id") in self.held.get(probe.key, frozenset())

    def facts_of(self, fact_type: str) -> list[Fact]:
        """The facts of one type."""
        return [f for f in self.facts if f.get("type") == fact_type]


def _walk(items: Sequence[Any], prefix: str, top: bool, parent: str | None) -> Iterator[tuple[Any, ...]]:
    """(path, condition, top, parent, field, op, raw) of every condition and sub-condition."""
    for index, item in enumerate(items):
        path = f"{prefix}[{index}]"
        ((key, body),) = item.items()
        if key in GROUPS:
            yield path, item, top, parent, None, None, None
            yield from _walk(body, f"{path}.{key}", False, path)
        elif isinstance(body, Mapping) and len(body) > 1:
            yield path, item, top, parent, None, None, None
            for op, raw in body.items():
                yield f"{path}.{key}.{op}", {key: {op: raw}}, False, path, key, str(op), raw
        elif isinstance(body, Mapping):
            ((op, raw),) = body.items()
            yield path, item, top, parent, key, str(op), raw
        else:
            yield path, item, top, parent, key, "eq", body


def rule_probes(rule: Rule, params: Mapping[str, Any], first_key: int = 0) -> list[tuple[Probe, dict[str, Any]]]:
    """The probes of ``rule`` with their durable-rules expressions."""
    out = []
    for n, (path, condition, top, parent, field, op, raw) in enumerate(_walk(rule.when, "when", True, None)):
        where = f"rule {rule.id}: probe {path}"
        expr = {"$and": [{"type": rule.fact}, *compile_conditions([condition], params, None, where)]}
        parameter = raw[1:] if isinstance(raw, str) and raw.startswith("$") and not raw.startswith("$$") else None
        value = None
        if field is not None:
            value = bind_value(raw, params, where)
            if isinstance(value, list):
                value = [bind_value(v, params, where) for v in value]
        probe = Probe(key=f"p{first_key + n}", rule_id=rule.id, fact=rule.fact, path=path, condition=condition,
                      top=top, parent=parent, field=field, op=op, value=value, parameter=parameter)
        out.append((probe, expr))
    return out


def compile_probes(compiled: CompiledRuleset) -> ProbeRuleset:
    """Compile every condition of ``compiled`` as a probe; split so no probe ruleset hangs or overflows."""
    ruleset, params = compiled.ruleset, compiled.parameters
    probes: list[Probe] = []
    chunks: list[dict[str, Any]] = [{}]
    load: Counter[str] = Counter()
    for rule in ruleset.rules:
        for probe, expr in rule_probes(rule, params, len(probes)):
            width = branch_count(expr)
            if chunks[-1] and (load[probe.fact] + width > MAX_MATCHES_PER_FACT or len(chunks[-1]) >= MAX_RULES):
                chunks.append({})
                load.clear()
            load[probe.fact] += width
            chunks[-1][probe.key] = {"all": [{"m": expr}]}
            probes.append(probe)
    named = []
    for index, definition in enumerate(c for c in chunks if c):
        definition_json = json.dumps(definition, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(definition_json.encode()).hexdigest()[:16]
        named.append((f"{ruleset.id}@{ruleset.version}~probes{index}#{digest}", definition_json))
    return ProbeRuleset(compiled=compiled, probes=tuple(probes), chunks=tuple(named))


def with_ids(facts: Sequence[Fact]) -> list[Fact]:
    """``facts`` as the engine needs them: each with a collision-free ``id`` (existing ids are kept)."""
    if facts and all("id" in f for f in facts):
        return [dict(f) for f in facts]
    return [{**f, "id": fid} for f, fid in zip(facts, fact_ids(len(facts)), strict=True)]


def run_probes(pool: EnginePool, probes: ProbeRuleset, key: str, facts: Sequence[Fact]) -> ProbeResults:
    """Run every probe on ``facts`` (one partition, named ``key`` in errors) in the engine workers."""
    prepared = with_ids(facts)
    held: dict[str, set[str]] = {p.key: set() for p in probes.probes}
    if prepared and probes.chunks:
        jobs = [Job(f"{key}~probes{n}", name, definition, prepared)
                for n, (name, definition) in enumerate(probes.chunks)]
        for result in pool.run(jobs):
            if result.error is not None:
                raise EngineError(f"explaining {key}: {result.error}")
            for probe_key, fact_id in result.matches:
                held[probe_key].add(fact_id)
    return ProbeResults(probes, tuple(prepared), {k: frozenset(v) for k, v in held.items()})
