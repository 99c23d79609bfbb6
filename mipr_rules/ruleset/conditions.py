"""The condition language of rules: operators, fields, parameter binding and type checks.

Each rule's ``when`` compiles here to the expression durable-rules matches (pure data; nothing here imports
the engine, so loading a ruleset never does). ``mipr_rules.engine.compile`` packages the expressions.

Conditions (docs/rulesets.md)::

    when:
      - days_since_review: {gt: $care_plan_review_days}   # $name is a parameter
      - active: true                                      # shorthand for eq
      - any:                                              # alternatives
          - status: {in: [open, escalated]}
          - notified: {exists: false}

Every rule compiles to exactly one pattern (``type == rule.fact`` and its conditions): durable-rules'
join rules crash the process (#381), so the language has no joins. The shapes that crash or hang
durable-rules are refused here, at load time, with the rule named.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.schema import Rule, Ruleset

OPERATORS = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "matches"}
_DURABLE_OP = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
MAX_RULES = 480
"""Most rules in one ruleset: 513 rules whose first test is equality on one property hang the engine."""
MAX_MATCHES_PER_FACT = 64
"""Most rule branches that can match one fact type: a fact matching more raises error 303."""
MAX_NESTING = 8
"""Deepest nesting of ``any:``/``all:`` groups in one rule's conditions."""
MAX_PATTERN_LENGTH = 200
"""Longest ``matches`` pattern, in characters."""
MAX_PATTERN_REPEATS = 20
"""Most repetition operators (``*``, ``+``, ``?``) in one ``matches`` pattern: the engine's DFA grows with
each, and ``.*`` repeated 150 times kills the process."""
MAX_PATTERN_GROUPS = 10
"""Most parenthesised groups in one ``matches`` pattern (150 nested groups kill the process)."""
MAX_NUMBER = 10**15
"""Largest magnitude of a number in a condition (the engine compares doubles)."""
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_BAD_REGEX = re.compile(r"\\[dDwWsSbB]")


def _error(where: str, message: str) -> RulesetError:
    """A ``RulesetError`` at ``where`` (a path inside one rule, e.g. ``when[0].days.gt``)."""
    return RulesetError(f"{where}: {message}", where=where)


def bind_value(raw: Any, params: Mapping[str, Any], where: str) -> Any:
    if isinstance(raw, str) and raw.startswith("$"):
        if raw.startswith("$$"):
            return raw[1:]
        name = raw[1:]
        if name not in params:
            raise _error(where, f"unknown parameter {name[:100]!r}")
        return params[name]
    return raw


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise _error(where, f"numbers must be finite and at most {MAX_NUMBER:g} in size")
        return value
    if isinstance(value, (bool, str)):
        return value
    raise _error(where, f"expected a number, text or true/false, got {type(value).__name__}")


def pattern_problem(pattern: str) -> str | None:
    """Why a ``matches`` pattern is refused by the grammar limits (see the constants), or ``None``."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern longer than {MAX_PATTERN_LENGTH} characters"
    if _BAD_REGEX.search(pattern):
        return "durable-rules regexes use Lua-style classes (%d, %a, %s); this pattern would never match"
    unescaped = re.sub(r"[%\\].", "", pattern)
    repeats = sum(unescaped.count(c) for c in "*+?")
    if repeats > MAX_PATTERN_REPEATS:
        return f"{repeats} repetition operators; at most {MAX_PATTERN_REPEATS} (more can crash the engine)"
    groups = unescaped.count("(")
    if groups > MAX_PATTERN_GROUPS:
        return f"{groups} groups; at most {MAX_PATTERN_GROUPS} (more can crash the engine)"
    if groups != unescaped.count(")"):
        return "unbalanced parentheses"
    if any(len(n) > 3 or int(n) > MAX_PATTERN_REPEATS for n in re.findall(r"\{(\d+)", unescaped)):
        return f"counted repetition above {MAX_PATTERN_REPEATS}"
    if _nested_repetition(unescaped):
        return "a repeated group that itself repeats, e.g. (a*)*: the engine's regex compiler hangs on these"
    return None


def _nested_repetition(pattern: str) -> bool:
    """Whether a group containing ``*``, ``+``, ``?`` or ``{`` is itself followed by one of them."""
    inner: list[bool] = []  # per open group: whether it holds a repetition
    for index, char in enumerate(pattern):
        if char == "(":
            inner.append(False)
        elif char == ")" and inner:
            repeated = inner.pop()
            follows = pattern[index + 1:index + 2]
            if repeated and follows in ("*", "+", "?", "{"):
                return True
            if inner:
                inner[-1] = inner[-1] or repeated
        elif char in "*+?{" and inner:
            inner[-1] = True
    return False


def _did_you_mean(name: str, known: Any) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_field(field: str, fields: Mapping[str, str] | None, where: str) -> None:
    if fields is not None and field not in fields:
        raise _error(where, f"the fact has no field {field!r}{_did_you_mean(field, fields)}")


def _check_type(field: str, value: Any, fields: Mapping[str, str] | None, where: str) -> None:
    """Refuse comparisons durable-rules would make loosely (``true`` matches ``1``, ``"1"`` matches ``1``)."""
    _check_field(field, fields, where)
    if fields is None:
        return
    kind = fields[field]
    ok = {
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, (int, float)) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "date": isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None,
    }.get(kind, True)
    if not ok:
        raise _error(where, f"field {field!r} is {kind}, compared with {type(value).__name__} {value!r}")


def _atom(
    field: str, op: str, raw: Any, params: Mapping[str, Any], fields: Mapping[str, str] | None, where: str
) -> dict[str, Any]:
    if op not in OPERATORS:
        raise _error(where, f"unknown operator {op[:40]!r}; expected one of {', '.join(sorted(OPERATORS))}")
    value = bind_value(raw, params, where)
    if op == "exists":
        if not isinstance(value, bool):
            raise _error(where, "exists takes true or false")
        _check_field(field, fields, where)
        return {"$ex" if value else "$nex": {field: 1}}
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise _error(where, f"{op} takes a non-empty list")
        items = [_scalar(bind_value(v, params, where), where) for v in value]
        for item in items:
            _check_type(field, item, fields, where)
        if op == "in":
            return {"$or": [{field: item} for item in items]} if len(items) > 1 else {field: items[0]}
        return {"$and": [{"$neq": {field: item}} for item in items]} if len(items) > 1 else {"$neq": {field: items[0]}}
    value = _scalar(value, where)
    _check_type(field, value, fields, where)
    if op == "matches":
        if not isinstance(value, str):
            raise _error(where, "matches takes a pattern")
        problem = pattern_problem(value)
        if problem:
            raise _error(where, f"{problem}")
        return {"$mt": {field: value}}
    if op == "eq":
        return {field: value}
    return {_DURABLE_OP[op]: {field: value}}


def branch_count(expr: dict[str, Any]) -> int:
    """How many alternative paths (``$or`` leaves) an expression has: a proxy for matches per fact."""
    if "$or" in expr:
        return sum(branch_count(e) for e in expr["$or"])
    if "$and" in expr:
        total = 1
        for e in expr["$and"]:
            total *= branch_count(e)
        return total
    return 1


def compile_conditions(
    items: Any, params: Mapping[str, Any], fields: Mapping[str, str] | None, where: str, depth: int = 0
) -> list[dict[str, Any]]:
    """Compile a ``when`` list (all must hold) to durable-rules expressions."""
    if depth > MAX_NESTING:
        raise _error(where.split(".any")[0].split(".all")[0], f"any/all groups nested more than {MAX_NESTING} deep")
    if not isinstance(items, (list, tuple)) or not items:
        raise _error(where, "expected a non-empty list of conditions")
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping) or len(item) != 1:
            raise _error(here, "each condition is a mapping with one key (a field, any or all)")
        ((key, body),) = item.items()
        if key in ("any", "all"):
            parts = compile_conditions(body, params, fields, f"{here}.{key}", depth + 1)
            out.append({"$or" if key == "any" else "$and": parts} if len(parts) > 1 else parts[0])
            continue
        if not isinstance(key, str) or not _FIELD.match(key) or key in ("sid", "id"):
            shown = repr(key) if len(repr(key)) <= 60 else "this key"
            raise _error(here, f"{shown} is not a usable field name")
        if isinstance(body, Mapping):
            if not body:
                raise _error(f"{here}.{key}", "empty condition")
            out += [_atom(key, str(op), raw, params, fields, f"{here}.{key}.{op}") for op, raw in body.items()]
        else:
            out.append(_atom(key, "eq", body, params, fields, f"{here}.{key}"))
    return out


def compile_rule(
    ruleset: Ruleset, rule: Rule, params: Mapping[str, Any], fact_fields: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """The single-pattern durable-rules expression for ``rule``.

    A ``RulesetError`` names the ruleset and rule in its message and carries ``rule_id`` and ``where``, the JSON
    path inside the ruleset (``$.rules[3].when[0].days.gt``), so that a loader can add the line.
    """
    index = next((i for i, r in enumerate(ruleset.rules) if r is rule), None)
    base = f"$.rules[{index}]" if index is not None else "$"
    prefix = f"{ruleset.path or ruleset.id}: rule {rule.id}"
    fields = None
    if fact_fields is not None:
        if rule.fact not in fact_fields:
            hint = _did_you_mean(rule.fact, fact_fields)
            raise RulesetError(f"{prefix}: fact: unknown fact type {rule.fact!r}{hint}", where=f"{base}.fact",
                               rule_id=rule.id)
        fields = fact_fields[rule.fact]
    try:
        parts = compile_conditions(rule.when, params, fields, "when")
    except RulesetError as exc:
        raise RulesetError(f"{prefix}: {exc}", where=f"{base}.{exc.where or 'when'}", rule_id=rule.id) from None
    # The type test comes first, so no rule is ever absence-only (an absence-only rule re-fires forever).
    return {"$and": [{"type": rule.fact}, *parts]}


def rule_expressions(
    ruleset: Ruleset, params: Mapping[str, Any], fact_fields: Mapping[str, Mapping[str, str]] | None = None
) -> list[tuple[Rule, dict[str, Any]]]:
    """Every rule with its expression; refuses shapes that crash or hang durable-rules (too many rules, too many
    branches on one fact type). What loading checks, and what the engine's compiler packages."""
    if len(ruleset.rules) > MAX_RULES:
        raise RulesetError(f"{ruleset.path or ruleset.id}: {len(ruleset.rules)} rules, more than {MAX_RULES}",
                           where="$.rules")
    out = []
    per_fact: Counter[str] = Counter()
    for rule in ruleset.rules:
        expr = compile_rule(ruleset, rule, params, fact_fields)
        per_fact[rule.fact] += branch_count(expr)
        out.append((rule, expr))
    for fact_type, count in per_fact.items():
        if count > MAX_MATCHES_PER_FACT:
            raise RulesetError(
                f"{ruleset.path or ruleset.id}: {count} rule branches on fact type {fact_type!r}; durable-rules "
                f"fails when one fact matches more than {MAX_MATCHES_PER_FACT} (split the ruleset)", where="$.rules"
            )
    return out


def check_conditions(ruleset: Ruleset) -> None:
    """Check that every rule's condition compiles with the parameters' defaults (what loading a ruleset runs)."""
    rule_expressions(ruleset, ruleset.defaults())


def parameters_used(rule: Rule, params: Mapping[str, Any]) -> list[str]:
    """The parameters ``rule`` uses, in order of appearance: ``$name`` in its conditions and ``{name}`` in its message
    (only names that are parameters of ``params``). The one answer for hits (``RuleHit.parameters``) and for
    explanations; what a rule emits is shown with the hit itself."""
    names: list[str] = []
    _parameter_names(rule.when, names)
    names += [f for _, f, _, _ in string.Formatter().parse(rule.message) if f]  # loading refuses a malformed one
    return [name for name in dict.fromkeys(names) if name in params]


def _parameter_names(node: Any, names: list[str]) -> None:
    """Append to ``names`` the ``$name`` references in a condition tree, in order (a function of the module: a
    nested one calling itself is a reference cycle, left for the cyclic collector on every call)."""
    if isinstance(node, str):
        if node.startswith("$") and not node.startswith("$$"):
            names.append(node[1:])
    elif isinstance(node, Mapping):
        for value in node.values():
            _parameter_names(value, names)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _parameter_names(value, names)
