"""Explanations: what a rule checks, why it fired on a fact, and why it did not.

Whether a condition held is always the engine's answer, from the condition probes of
``mipr_rules.engine.probes``; this module only puts the answers into words, with the fact's values and
the thresholds ("days_since_review = 27; threshold 28 (care_plan_review_days): 1 below").

Any command that evaluates a ruleset can explain its results::

    from mipr_rules.explain import explain

    for evaluation in evaluator.run(compiled, subjects, as_of):
        why = explain(compiled, evaluation.facts, evaluation.hits, evaluator=evaluator)
        why_not = explain(compiled, evaluation.facts, evaluation.hits, evaluator=evaluator,
                          why_not="care_plan_review_overdue")
        print("\\n".join(why.lines()), json.dumps(why_not.as_dict()))

``explain_option`` gives a command the ``--explain`` / ``--explain=why-not RULE_ID`` option and
``Explained(report, explanations)`` renders a report followed by its explanations in every output format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

import attrs

from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.probes import Probe, ProbeResults, ProbeRuleset, compile_probes, rule_probes, run_probes
from mipr_rules.errors import RulesetError
from mipr_rules.facts.base import Fact, FactType
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.conditions import parameters_used
from mipr_rules.ruleset.schema import Rule, Ruleset, Source
from mipr_rules.safe_text import plain

if TYPE_CHECKING:
    from rich.console import Console

    from mipr_rules.engine.evaluate import Evaluator


_OP_WORDS = {
    "eq": "is", "ne": "is not", "lt": "is less than", "lte": "is at most", "gt": "is more than",
    "gte": "is at least", "in": "is one of", "not_in": "is none of", "matches": "matches the pattern",
}
_ORDER_OPS = ("lt", "lte", "gt", "gte")


# --- words --------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _threshold(probe: Probe, ruleset: Ruleset | None) -> str:
    shown = _show(probe.value)
    if probe.parameter is None:
        return shown
    param = ruleset.parameters.get(probe.parameter) if ruleset else None
    unit = f" {param.unit.replace('_', ' ')}" if param and param.unit else ""
    if probe.value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # "1 day", "1 working day"
    return f"{shown}{unit} ({probe.parameter})"


def _comparison(probe: Probe, ruleset: Ruleset | None) -> str:
    """``is more than 28 days (care_plan_review_days)``."""
    if probe.op == "exists":
        return "is recorded" if probe.value else "is not recorded"
    return f"{_OP_WORDS.get(probe.op or '', probe.op or '')} {_threshold(probe, ruleset)}"


def condition_text(probe: Probe, children: Sequence[Probe], ruleset: Ruleset | None) -> str:
    """A condition in words, e.g. ``days since review is more than 28 days (care_plan_review_days)``."""
    if probe.group is not None:
        return "any of these holds" if probe.group == "any" else "all of these hold"
    if probe.field is None:  # one field, several comparisons
        field = next(iter(probe.condition))
        parts = [_comparison(c, ruleset) for c in children]
        return f"{field.replace('_', ' ')} {' and '.join(parts)}"
    return f"{probe.field.replace('_', ' ')} {_comparison(probe, ruleset)}"


def distance(probe: Probe, fact: Mapping[str, Any]) -> float | None:
    """How far the fact's value is from an ordering comparison's threshold (value minus threshold)."""
    actual = fact.get(probe.field) if probe.field else None
    if probe.op not in _ORDER_OPS or isinstance(actual, bool) or isinstance(probe.value, bool):
        return None
    if not isinstance(actual, (int, float)) or not isinstance(probe.value, (int, float)):
        return None
    return float(actual - probe.value)


def value_detail(probe: Probe, fact: Mapping[str, Any]) -> str:
    """The fact's value for a single comparison, and its distance to a threshold.

    E.g. ``days_since_review = 27; threshold 28: 1 below``.
    """
    if probe.field is None:
        return ""
    if probe.field not in fact:
        return f"{probe.field} not recorded"
    text = f"{probe.field} = {_show(fact[probe.field])}"
    diff = distance(probe, fact)
    if diff is None:
        return text
    relation = "equal" if diff == 0 else f"{abs(diff):g} {'above' if diff > 0 else 'below'}"
    return f"{text}; threshold {_show(probe.value)}: {relation}"


# --- explanations -------------------------------------------------------------------------------------


@attrs.frozen
class Check:
    """One condition of a rule, checked on one fact by the engine."""

    path: str
    """Where the condition is in the rule (``when[1]``, ``when[2].any[0]``…)."""
    text: str
    """The condition in words."""
    held: bool | None
    """Whether it held for the fact (``None`` when only described, not checked)."""
    detail: str = ""
    """The fact's value and the distance to the threshold."""
    distance: float | None = None
    """Value minus threshold, for an ordering comparison (``gt``, ``lte``…)."""
    children: tuple[Check, ...] = ()
    """The alternatives of a group, or the comparisons of a condition with several."""

    def lines(self, indent: str = "  ") -> list[str]:
        """The check as indented text lines (``✓`` held, ``✗`` did not, ``-`` not checked)."""
        mark = "-" if self.held is None else ("✓" if self.held else "✗")
        detail = f" — {self.detail}" if self.detail else ""
        out = [f"{indent}{mark} {self.text}{detail}"]
        for child in self.children:
            out += child.lines(indent + "    ")
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``path``, ``condition``, ``held``, ``detail``, ``children``."""
        return {"path": self.path, "condition": self.text, "held": self.held, "detail": self.detail,
                "distance": self.distance, "children": [c.as_dict() for c in self.children]}

    def shortfall(self) -> float:
        """How far from holding: the distance of a failed comparison, the nearest failed alternative of a group."""
        if self.held is not False:
            return 0.0
        if self.children:
            parts = [c.shortfall() for c in self.children if c.held is False]
            return min(parts) if parts else 0.0
        return abs(self.distance) if self.distance is not None else float("inf")


@attrs.frozen
class RuleOnFact:
    """One rule checked on one fact: whether it fired and each condition."""

    rule_id: str
    """The rule."""
    title: str
    """Its title."""
    subject: str
    """The fact's subject (a pseudonymous record key)."""
    fired: bool
    """Whether the rule fired on the fact (every top-level condition held)."""
    checks: tuple[Check, ...]
    """The rule's top-level conditions."""
    message: str | None = None
    """The result's message, when it fired."""

    @property
    def failed(self) -> list[Check]:
        """Top-level conditions that did not hold."""
        return [c for c in self.checks if c.held is False]

    def closeness(self) -> tuple[int, float]:
        """For sorting: fewer failed conditions first, then the smaller distance to the thresholds."""
        return len(self.failed), sum(c.shortfall() for c in self.failed)

    def lines(self) -> list[str]:
        """Text lines: a heading, then one line per condition."""
        if self.fired:
            head = f"{self.rule_id} fired on {self.subject}" + (f": {self.message}" if self.message else "")
        else:
            failed = len(self.failed)
            head = f"{self.rule_id} did not fire on {self.subject}: {failed} condition{'s' * (failed != 1)} failed"
        return [head] + [line for check in self.checks for line in check.lines()]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rule": self.rule_id, "title": self.title, "subject": self.subject, "fired": self.fired,
                "message": self.message, "conditions": [c.as_dict() for c in self.checks]}


@attrs.frozen
class Explanation:
    """Why results came out as they did for one partition (a location, a report…)."""

    mode: str
    """``why`` (each result, the facts and values that matched) or ``why-not`` (a rule that did not fire)."""
    ruleset_id: str
    """Ruleset id."""
    ruleset_version: str
    """Ruleset version."""
    partition: str = ""
    """The location or report explained."""
    items: tuple[RuleOnFact, ...] = ()
    """One entry per result (why) or per fact the rule did not fire on, closest first (why-not)."""
    rule_id: str | None = None
    """The rule asked about (why-not)."""
    fired_on: tuple[str, ...] = ()
    """Subjects the asked-about rule did fire on (why-not)."""
    omitted: int = 0
    """Facts left out beyond the limit (why-not)."""
    note: str = ""
    """A remark, e.g. that there was no fact of the rule's type."""

    def lines(self) -> list[str]:
        """Readable text lines."""
        where = f" for {self.partition}" if self.partition else ""
        if self.mode == "why":
            out = [f"Why{where} ({len(self.items)} result{'s' * (len(self.items) != 1)}):"]
        else:
            out = [f"Why not {self.rule_id}{where}:"]
            if self.fired_on:
                out.append(f"  it fired on {len(self.fired_on)} fact(s): {', '.join(self.fired_on[:5])}"
                           f"{' …' if len(self.fired_on) > 5 else ''}")
        if self.note:
            out.append(f"  {self.note}")
        for item in self.items:
            out += ["  " + line for line in item.lines()]
        if self.omitted:
            out.append(f"  … and {self.omitted} more fact(s) it did not fire on")
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON form (documented in docs/commands/rules-explain.md)."""
        return {"mode": self.mode, "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version},
                "partition": self.partition, "rule": self.rule_id, "fired_on": list(self.fired_on),
                "items": [i.as_dict() for i in self.items], "omitted": self.omitted, "note": self.note}


def checks_for(probes: ProbeRuleset, rule_id: str, fact: Fact | None,
               results: ProbeResults | None) -> tuple[Check, ...]:
    """The top-level checks of ``rule_id`` on ``fact`` (only described when ``fact`` is ``None``)."""
    ruleset = probes.compiled.ruleset
    mine = probes.for_rule(rule_id)
    return _checks([p for p in mine if p.top], mine, ruleset, fact, results)


def _checks(level: list[Probe], mine: list[Probe], ruleset: Ruleset, fact: Fact | None,
            results: ProbeResults | None) -> tuple[Check, ...]:
    out = []
    for probe in level:
        children = [p for p in mine if p.parent == probe.path]
        held = results.holds(probe, fact) if results is not None and fact is not None else None
        out.append(Check(
            path=probe.path, text=condition_text(probe, children, ruleset), held=held,
            detail=value_detail(probe, fact) if fact is not None else "",
            distance=distance(probe, fact) if fact is not None else None,
            children=_checks(children, mine, ruleset, fact, results),
        ))
    return tuple(out)


def rule_of(ruleset: Ruleset, rule_id: str) -> Rule:
    try:
        return ruleset.rule(rule_id)
    except KeyError:
        close = get_close_matches(rule_id, [r.id for r in ruleset.rules], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise RulesetError(f"ruleset {ruleset.id} has no rule {rule_id!r}{hint}") from None


def explain_results(results: ProbeResults, hits: Iterable[RuleHit], *, why_not: str | None = None,
                    subject: str | None = None, partition: str = "", limit: int | None = 5) -> Explanation:
    """Explain from probe results already run on the facts (see ``explain`` to run them)."""
    probes = results.probes
    ruleset = probes.compiled.ruleset
    hits = list(hits)
    by_subject: dict[tuple[str, str], Fact] = {(str(f.get("type")), str(f.get("subject"))): f for f in results.facts}
    if why_not is None:
        items = []
        for hit in hits:
            rule = rule_of(ruleset, hit.rule_id)
            fact = by_subject.get((rule.fact, hit.subject), hit.facts)
            items.append(RuleOnFact(rule.id, rule.title, hit.subject, True,
                                    checks_for(probes, rule.id, fact, results), hit.message))
        return Explanation("why", ruleset.id, ruleset.version, partition, tuple(items))
    rule = rule_of(ruleset, why_not)
    fired = sorted({h.subject for h in hits if h.rule_id == rule.id})
    candidates = [f for f in results.facts_of(rule.fact)
                  if str(f.get("subject")) not in fired and (subject is None or f.get("subject") == subject)]
    items = [RuleOnFact(rule.id, rule.title, str(f.get("subject")), False, checks_for(probes, rule.id, f, results))
             for f in candidates]
    items.sort(key=lambda item: (*item.closeness(), item.subject))
    note = ""
    if not results.facts_of(rule.fact):
        note = f"there was no {rule.fact} fact for the rule to look at"
    elif subject is not None and not candidates and subject not in fired:
        note = f"there was no {rule.fact} fact with subject {subject}"
    shown = items if limit is None else items[:limit]
    return Explanation("why-not", ruleset.id, ruleset.version, partition, tuple(shown), rule.id,
                       tuple(fired), len(items) - len(shown), note)


_PROBE_CACHE: dict[str, ProbeRuleset] = {}


def probes_for(compiled: CompiledRuleset) -> ProbeRuleset:
    """The probes of ``compiled`` (cached by its engine name, which covers its parameter values)."""
    if compiled.name not in _PROBE_CACHE:
        if len(_PROBE_CACHE) > 64:
            _PROBE_CACHE.clear()
        _PROBE_CACHE[compiled.name] = compile_probes(compiled)
    return _PROBE_CACHE[compiled.name]


def explain(compiled: CompiledRuleset, facts: Sequence[Fact], hits: Iterable[RuleHit], *, evaluator: Evaluator,
            why_not: str | None = None, subject: str | None = None, partition: str = "",
            limit: int | None = 5) -> Explanation:
    """Explain ``hits`` (why each fired) or, with ``why_not``, why that rule did not fire on ``facts``.

    ``facts`` are the facts of one partition as evaluated (``Evaluation.facts``); ``hits`` its results.
    The conditions are checked by the engine, in ``evaluator``'s workers, through condition probes.
    """
    hits = list(hits)
    probes = probes_for(compiled)
    if why_not is None:
        wanted = {(compiled.ruleset.rule(h.rule_id).fact, h.subject) for h in hits}
        facts = [f for f in facts if (f.get("type"), f.get("subject")) in wanted]
        known = {(f.get("type"), f.get("subject")) for f in facts}
        facts += [{**h.facts, "type": compiled.ruleset.rule(h.rule_id).fact, "subject": h.subject}
                  for h in hits if (compiled.ruleset.rule(h.rule_id).fact, h.subject) not in known]
    else:
        fact_type = rule_of(compiled.ruleset, why_not).fact
        facts = [f for f in facts if f.get("type") == fact_type]
    results = run_probes(evaluator.pool, probes, partition or "explain", facts)
    return explain_results(results, hits, why_not=why_not, subject=subject, partition=partition, limit=limit)


# --- what a rule checks ---------------------------------------------------------------------------------


@attrs.frozen
class RuleDescription:
    """What a rule checks, in words: ``mipr rules explain RULE_ID``."""

    ruleset: Ruleset
    """The ruleset."""
    rule: Rule
    """The rule."""
    parameters: Mapping[str, Any]
    """Parameter values in force (defaults with overrides)."""
    fact_type: FactType | None = None
    """The declared fact type the rule looks at, if a calculator declares it."""
    example: Mapping[str, Any] | None = None
    """A result from a test case: ``case``, ``file``, ``subject``, ``message``, ``facts``."""

    def conditions(self) -> tuple[Check, ...]:
        """The conditions, described (not checked)."""
        params = self.parameters
        probes = ProbeRuleset(compiled=_unbound(self.ruleset, params),
                              probes=tuple(p for p, _ in rule_probes(self.rule, params)), chunks=())
        return checks_for(probes, self.rule.id, None, None)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (documented in docs/commands/rules-explain.md)."""
        rule, ruleset = self.rule, self.ruleset
        source = ruleset.source(rule.source)
        return {
            "rule": rule.id, "title": rule.title, "severity": rule.severity,
            "ruleset": {"id": ruleset.id, "version": ruleset.version, "framework": ruleset.framework,
                        "path": ruleset.path},
            "fact": {"type": rule.fact, "description": self.fact_type.description if self.fact_type else None},
            "description": rule.description,
            "conditions": [c.as_dict() for c in self.conditions()],
            "parameters": [self._parameter(name) for name in parameters_used(rule, self.parameters)],
            "message": rule.message, "emit": dict(rule.emit),
            "maps_to": {k: v for k, v in attrs.asdict(rule.maps_to).items() if v is not None},
            "source": {**(source.as_dict() if source else Source(id=rule.source, title="").as_dict()),
                       "citation": rule.citation},
            "example": dict(self.example) if self.example else None,
        }

    def _parameter(self, name: str) -> dict[str, Any]:
        param = self.ruleset.parameters.get(name)
        value = self.parameters.get(name)
        return {"name": name, "value": value, "default": param.default if param else None,
                "overridden": bool(param) and value != param.default,  # type: ignore[union-attr]
                "unit": param.unit if param else None, "policy": param.policy if param else None,
                "description": param.description if param else None, "source": param.source if param else None}

    def lines(self) -> list[str]:
        """Readable text."""
        data, rule = self.as_dict(), self.rule
        out = [f"{rule.id} — {rule.title}",
               f"ruleset {self.ruleset.id} {self.ruleset.version} ({self.ruleset.framework}); severity {rule.severity}"]
        if rule.description:
            out += ["", rule.description.strip()]
        kind = f" ({data['fact']['description']})" if data["fact"]["description"] else ""
        out += ["", f"Fires on each {rule.fact} fact{kind} when all of these hold:"]
        for check in self.conditions():
            out += check.lines()
        if data["parameters"]:
            out += ["", "Parameters:"]
            for p in data["parameters"]:
                unit = f" {p['unit']}" if p["unit"] else ""
                note = f", default {_show(p['default'])}" if p["overridden"] else ""
                kind_ = "law" if p["policy"] is False else "policy"
                out.append(f"  {p['name']} = {_show(p['value'])}{unit} ({kind_}{note}) — {p['description']}")
        out += ["", f"Message: {rule.message or rule.title}"]
        maps = ", ".join(f"{k}: {v}" for k, v in data["maps_to"].items())
        if maps:
            out.append(f"Maps to: {maps}")
        src = data["source"]
        out.append(f"Source: {src['title'] or src['id']}" + (f" [{src['confidence']}]" if src["confidence"] else ""))
        if src["url"]:
            out.append(f"  {src['url']}")
        elif src["publisher"]:
            out.append("  " + ", ".join(x for x in (src["publisher"], src["date"]) if x))
        if src["section"]:
            out.append(f"  section: {src['section']}")
        if src["basis"]:
            out.append(f"  basis: {src['basis']}" + (f" — {src['note']}" if src["note"] else ""))
        if src["citation"]:
            out.append(f"  citation: {src['citation']}")
        if self.example:
            ex = self.example
            out += ["", f"Example (test case {ex['case']!r} in {ex['file']}):", f"  {ex['subject']}: {ex['message']}"]
            used = {p.field for p, _ in rule_probes(rule, self.parameters) if p.field}
            shown = {k: v for k, v in ex["facts"].items() if k in used} or ex["facts"]
            out.append("  facts: " + ", ".join(f"{k}={_show(v)}" for k, v in shown.items()
                                               if k not in ("type", "subject")))
        else:
            out += ["", "Example: no test case expects this rule to fire."]
        return out


def _unbound(ruleset: Ruleset, params: Mapping[str, Any]) -> CompiledRuleset:
    """A stand-in compiled ruleset for describing rules (never sent to the engine)."""
    return CompiledRuleset(ruleset=ruleset, parameters=params, name="", definition_json="{}", rule_by_key={})


# --- reports with explanations, and the --explain option ---------------------------------------------------


@attrs.frozen
class Explained:
    """A report followed by its explanations; renders in every output format (text, json, html…)."""

    report: Any
    """The command's report (with ``as_dict()`` and ``render_text(console)``)."""
    explanations: tuple[Explanation, ...]
    """One per partition."""

    def as_dict(self) -> dict[str, Any]:
        """The report's JSON with an ``explanations`` list added."""
        return {**self.report.as_dict(), "explanations": [e.as_dict() for e in self.explanations]}

    def render_text(self, console: Console) -> None:
        """The report's text, then the explanations."""
        self.report.render_text(console)
        for explanation in self.explanations:
            console.print()
            for line in explanation.lines():
                console.print(plain(line), markup=False, highlight=False, soft_wrap=True)


@attrs.frozen
class ExplainRequest:
    """What ``--explain`` asked for."""

    mode: str = "why"
    """``why`` or ``why-not``."""
    rule_id: str | None = None
    """The rule of ``why-not``."""


def parse_explain(value: str) -> ExplainRequest:
    """``why``, ``why-not RULE_ID``, ``why-not:RULE_ID`` or ``why-not=RULE_ID``; ``ValueError`` otherwise."""
    text = value.strip()
    if text == "why":
        return ExplainRequest()
    for sep in (" ", ":", "="):
        mode, found, rule_id = text.partition(sep)
        if found and mode == "why-not" and rule_id.strip():
            return ExplainRequest("why-not", rule_id.strip())
    if text == "why-not":
        raise ValueError("why-not needs a rule id: --explain=why-not RULE_ID")
    raise ValueError(f"{value!r}: expected why or why-not RULE_ID")
