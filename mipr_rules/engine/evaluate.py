"""Evaluate compiled rulesets over subjects: measure facts, run them in the engine, explain the hits."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import pluggy

from mipr_rules import plugins
from mipr_rules.engine.compile import CompiledRuleset, compile_ruleset
from mipr_rules.engine.ids import fact_ids
from mipr_rules.engine.wire import WireFormat
from mipr_rules.engine.worker import EnginePool, Job, default_processes
from mipr_rules.errors import EngineError, MiprRulesError
from mipr_rules.facts.base import Fact, FactCalculator, FactContext
from mipr_rules.facts.deferred import serves
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.conditions import parameters_used
from mipr_rules.ruleset.schema import Rule, Ruleset, Source
from mipr_rules.workdays import DEFAULT_REGION, calendar


@attrs.frozen
class Evaluation:
    """The outcome of evaluating one subject (a location, a report…) against one ruleset."""

    key: str
    """Partition key of the subject."""
    hits: tuple[RuleHit, ...] = ()
    """Every rule that fired, on every fact it fired on."""
    facts: tuple[Fact, ...] = ()
    """The facts that were asserted."""
    error: MiprRulesError | None = None
    """Set when the subject could not be evaluated (nothing else is lost)."""


PACK_FACTS = 1_000
"""Most facts per engine job when ``Evaluator.run_facts`` packs several subjects into one."""


def _packs(items: Iterable[tuple[str, list[Fact]]]) -> Iterator[list[tuple[str, list[Fact]]]]:
    """``items`` in packs of up to ``PACK_FACTS`` facts (a subject with more is a pack of its own)."""
    pack: list[tuple[str, list[Fact]]] = []
    count = 0
    for key, facts in items:
        if pack and count + len(facts) > PACK_FACTS:
            yield pack
            pack, count = [], 0
        pack.append((key, facts))
        count += len(facts)
    if pack:
        yield pack


class _Template(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "(none)"


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders; unknown names read ``(none)``."""
    try:
        return template.format_map(values if isinstance(values, _Template) else _Template(values))
    except (ValueError, IndexError) as exc:
        raise EngineError(f"message template {template!r} is malformed: {exc}") from None


def _rule_parameters(rule: Rule, params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: params[name] for name in sorted(parameters_used(rule, params))}


_SESSIONS = itertools.count()
"""Session ids of this process's jobs (``j0``, ``j1``…): each job's session is its own."""


@functools.lru_cache(maxsize=64)
def wire_format(definition_json: str) -> WireFormat:
    """The wire format of a compiled ruleset (what its rules test), worked out once per definition."""
    return WireFormat(definition_json)


class Evaluator:
    """Runs rulesets in supervised engine workers. Use as a context manager, or call ``close()``."""

    def __init__(
        self, pm: pluggy.PluginManager | None = None, processes: int | None = None, timeout: float = 120.0
    ) -> None:
        self.pm = pm or plugins.plugin_manager()
        self.calculators: dict[str, FactCalculator] = plugins.fact_calculators(self.pm)
        self.pool = EnginePool(processes or default_processes(), timeout=timeout)

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the engine workers."""
        self.pool.close()

    def fact_fields(self, subject_type: type | None = None) -> dict[str, dict[str, str]]:
        """Declared fields of every fact type (of calculators for ``subject_type``, if given)."""
        out: dict[str, dict[str, str]] = {}
        for calc in self.calculators.values():
            if subject_type is None or serves(calc, subject_type):
                for fact_type in calc.fact_types:
                    out.setdefault(fact_type.name, {"type": "string", "subject": "string"}).update(fact_type.fields)
        return out

    def compile(
        self, ruleset: Ruleset, overrides: Mapping[str, Any] | None = None, subject_type: type | None = None
    ) -> CompiledRuleset:
        """Compile ``ruleset`` with provider overrides, checking conditions against the declared facts."""
        return compile_ruleset(ruleset, overrides, self.fact_fields(subject_type))

    def facts(self, subject: Any, context: FactContext) -> list[Fact]:
        """Every fact the installed calculators measure for ``subject``."""
        found: list[Fact] = []
        subject_type = type(subject)
        for calc in self.calculators.values():
            if serves(calc, subject_type):
                found.extend(calc.calculate(subject, context))
        return found

    def run(
        self,
        compiled: CompiledRuleset,
        subjects: Iterable[tuple[str, Any]],
        as_of: dt.date,
        region: str = DEFAULT_REGION,
    ) -> Iterator[Evaluation]:
        """Evaluate each ``(key, subject)``; yields one ``Evaluation`` per subject, in input order."""
        context = FactContext(as_of=as_of, parameters=compiled.parameters, calendar=calendar(region))
        prepared: dict[str, list[Fact]] = {}
        order: list[str] = []
        errors: dict[str, MiprRulesError] = {}
        wire = wire_format(compiled.definition_json)

        def jobs() -> Iterator[Job]:
            for key, subject in subjects:
                if key in prepared or key in errors:
                    raise EngineError(f"{key}: evaluated twice in one run")
                order.append(key)
                try:
                    facts = self.facts(subject, context)
                    for fid, fact in zip(fact_ids(len(facts)), facts, strict=True):
                        fact["id"] = fid
                except MiprRulesError as exc:
                    errors[key] = exc
                    continue
                try:  # the worker passes this JSON to the C core as it is
                    encoded = wire.encode(f"j{next(_SESSIONS)}", facts)
                except EngineError as exc:  # what the worker would have said
                    errors[key] = EngineError(f"{key}: {exc}")
                    continue
                prepared[key] = facts
                yield Job(key, compiled.name, compiled.definition_json, [], encoded)

        explain = _Explain(compiled)
        done: dict[str, Evaluation] = {}
        emitted = 0
        for result in self.pool.run(jobs()):
            facts = prepared.pop(result.key)
            if result.error is not None:
                done[result.key] = Evaluation(result.key, error=result.error)
            else:
                done[result.key] = Evaluation(
                    result.key, self._hits(compiled, result.key, facts, result.matches, as_of, explain), tuple(facts)
                )
            while emitted < len(order) and (order[emitted] in done or order[emitted] in errors):
                key = order[emitted]
                yield done.pop(key) if key in done else Evaluation(key, error=errors.pop(key))
                emitted += 1
        for key in order[emitted:]:
            yield done.pop(key) if key in done else Evaluation(key, error=errors.pop(key))

    def run_one(
        self, compiled: CompiledRuleset, key: str, subject: Any, as_of: dt.date, region: str = DEFAULT_REGION
    ) -> tuple[RuleHit, ...]:
        """Evaluate one subject and return its hits; raise the error if it could not be evaluated."""
        (evaluation,) = self.run(compiled, [(key, subject)], as_of, region)
        if evaluation.error is not None:
            raise evaluation.error
        return evaluation.hits

    def run_facts(
        self, compiled: CompiledRuleset, items: Iterable[tuple[str, list[Fact]]], as_of: dt.date
    ) -> Iterator[Evaluation]:
        """Evaluate facts already measured, one ``(key, facts)`` per subject; yields in completion order.

        The incremental evaluator (``mipr_rules.watch.incremental``) sends only the facts that changed:
        every rule matches one fact, so the hits of the others are those they had. Subjects go to the engine
        in packs of up to ``PACK_FACTS`` facts, one job each (a job costs a round trip to a worker whatever
        its size; a change brings a few facts of each of many subjects); a pack the engine fails on is sent
        again one subject a job, so that only the subject that caused it is reported not evaluated.
        """
        seen: set[str] = set()

        def checked() -> Iterator[tuple[str, list[Fact]]]:
            for key, facts in items:
                if key in seen:
                    raise EngineError(f"{key}: evaluated twice in one run")
                seen.add(key)
                yield key, facts

        failed: list[tuple[str, list[Fact]]] = []
        for pack, error, evaluations in self._run_packs(compiled, _packs(checked()), as_of):
            if error is not None and len(pack) > 1:
                failed.extend(pack)
                continue
            yield from evaluations
        if failed:
            for _, _, evaluations in self._run_packs(compiled, ([item] for item in failed), as_of):
                yield from evaluations

    def _run_packs(
        self, compiled: CompiledRuleset, packs: Iterable[list[tuple[str, list[Fact]]]], as_of: dt.date
    ) -> Iterator[tuple[list[tuple[str, list[Fact]]], MiprRulesError | None, list[Evaluation]]]:
        """Each pack as one job: (the pack, the job's error, the evaluation of each of its subjects)."""
        prepared: dict[str, tuple[list[tuple[str, list[Fact]]], list[tuple[str, list[Fact]]]]] = {}

        def jobs() -> Iterator[Job]:
            for number, pack in enumerate(packs):
                ids = iter(fact_ids(sum(len(facts) for _, facts in pack)))
                copies = []
                for key, facts in pack:
                    copied = [dict(fact) for fact in facts]
                    for fact in copied:
                        fact["id"] = next(ids)
                    copies.append((key, copied))
                name = pack[0][0] if len(pack) == 1 else f"{pack[0][0]} and {len(pack) - 1} more #{number}"
                prepared[name] = (pack, copies)
                yield Job(name, compiled.name, compiled.definition_json, [f for _, copied in copies for f in copied])

        explain = _Explain(compiled)
        for result in self.pool.run(jobs()):
            pack, copies = prepared.pop(result.key)
            if result.error is not None:
                yield pack, result.error, [Evaluation(key, error=result.error) for key, _ in pack]
                continue
            owner = {fact["id"]: index for index, (_, copied) in enumerate(copies) for fact in copied}
            matches: list[list[tuple[str, str]]] = [[] for _ in copies]
            for match in result.matches:
                matches[owner[match[1]]].append(match)
            yield (
                pack,
                None,
                [
                    Evaluation(key, self._hits(compiled, key, copied, found, as_of, explain), tuple(copied))
                    for (key, copied), found in zip(copies, matches, strict=True)
                ],
            )

    @staticmethod
    def _hits(
        compiled: CompiledRuleset,
        key: str,
        facts: list[Fact],
        matches: list[tuple[str, str]],
        as_of: dt.date,
        explain: _Explain | None = None,
    ) -> tuple[RuleHit, ...]:
        if not matches:
            return ()
        explain = explain or _Explain(compiled)
        by_id = {fact["id"]: fact for fact in facts}
        ruleset = compiled.ruleset
        hits = []
        # A rule whose ``any:`` alternatives both hold matches the same fact once per alternative.
        for rule_key, fact_id in dict.fromkeys(matches):
            rule = compiled.rule_by_key[rule_key]
            fact = {k: v for k, v in by_id[fact_id].items() if k != "id" and k != "sid"}
            values = _Template(compiled.parameters)
            values.update(fact)
            message = render(rule.message or rule.title, values)
            source, parameters = explain.of(rule_key)
            hits.append(
                RuleHit(
                    ruleset_id=ruleset.id,
                    ruleset_version=ruleset.version,
                    rule_id=rule.id,
                    title=rule.title,
                    severity=rule.severity,
                    subject=str(fact.get("subject", "")),
                    message=message,
                    maps_to=rule.maps_to,
                    source=source,
                    facts=fact,
                    parameters=parameters,
                    partition=key,
                    as_of=as_of,
                    emit={k: render(v, values) if isinstance(v, str) else v for k, v in rule.emit.items()},
                    citation=rule.citation,
                )
            )
        return tuple(sorted(hits, key=lambda h: h.sort_key))


class _Explain:
    """The source and parameters of each rule's hits, worked out once per run instead of once per hit."""

    def __init__(self, compiled: CompiledRuleset) -> None:
        self.compiled = compiled
        self._known: dict[str, tuple[Source, dict[str, Any]]] = {}

    def of(self, rule_key: str) -> tuple[Source, dict[str, Any]]:
        """(source, parameters used) of the rule ``rule_key``."""
        known = self._known.get(rule_key)
        if known is None:
            rule, ruleset = self.compiled.rule_by_key[rule_key], self.compiled.ruleset
            source = ruleset.source(rule.source) or Source(id=rule.source, title=rule.source)
            known = self._known[rule_key] = (source, _rule_parameters(rule, self.compiled.parameters))
        return known
