"""Load and validate ruleset files, reporting errors as ``file:line: message``."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path
from typing import Any

import yaml

from mipr_rules.convert import converter, error_messages
from mipr_rules.errors import RulesetError
from mipr_rules.loading import NoAliasSafeLoader, parse_yaml, read_text
from mipr_rules.ruleset.schema import PARAMETER_TYPES, SEVERITIES, Ruleset

_PATH_PART = re.compile(r"\.([A-Za-z0-9_$-]+)|\[(\d+)\]")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def line_of(root: yaml.Node | None, path: str) -> int | None:
    """1-based line of the node at JSON path ``$.rules[3].when`` in a composed YAML tree."""
    node, line = root, (root.start_mark.line + 1) if root is not None else None
    for key, index in _PATH_PART.findall(path.split(" @ ")[-1].lstrip("$")):
        if isinstance(node, yaml.MappingNode) and key:
            match = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and index:
            if int(index) >= len(node.value):
                break
            node = node.value[int(index)]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _fail(name: str, root: yaml.Node | None, path: str, message: str) -> RulesetError:
    line = line_of(root, path)
    return RulesetError(f"{name}:{line}: {message}" if line else f"{name}: {message}")


def _check(ruleset: Ruleset, name: str, root: yaml.Node | None) -> None:
    """Semantic checks the types alone cannot express."""
    if not _ID.match(ruleset.id):
        raise _fail(name, root, "$.id", f"ruleset id {ruleset.id!r} must be lower-case letters, digits, '-', '_'")
    if ruleset.effective_to and ruleset.effective_to < ruleset.effective_from:
        raise _fail(name, root, "$.effective_to", "effective_to is before effective_from")
    source_ids = [s.id for s in ruleset.sources]
    if len(set(source_ids)) != len(source_ids):
        raise _fail(name, root, "$.sources", "duplicate source ids")
    for pname, param in ruleset.parameters.items():
        here = f"$.parameters.{pname}"
        if param.type not in PARAMETER_TYPES:
            raise _fail(name, root, here, f"parameter {pname}: type must be one of {', '.join(PARAMETER_TYPES)}")
        check_parameter_value(
            param.type,
            param.default,
            param.minimum,
            param.maximum,
            lambda msg, here=here, pname=pname: _fail(name, root, here, f"parameter {pname}: {msg}"),
        )
        if param.source and param.source not in source_ids:
            raise _fail(name, root, here, f"parameter {pname}: unknown source {param.source!r}")
    seen: set[str] = set()
    for index, rule in enumerate(ruleset.rules):
        here = f"$.rules[{index}]"
        if rule.id in seen:
            raise _fail(name, root, here, f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
        if not _ID.match(rule.id):
            raise _fail(name, root, here, f"rule id {rule.id!r} must be lower-case letters, digits, '-', '_'")
        if rule.severity not in SEVERITIES:
            raise _fail(
                name, root, f"{here}.severity", f"rule {rule.id}: severity must be one of {', '.join(SEVERITIES)}"
            )
        try:
            list(string.Formatter().parse(rule.message))
        except ValueError as exc:
            raise _fail(name, root, f"{here}.message", f"rule {rule.id}: malformed message template: {exc}") from None
        if rule.source not in source_ids:
            raise _fail(name, root, f"{here}.source", f"rule {rule.id}: unknown source {rule.source!r}")


def check_parameter_value(kind: str, value: Any, minimum: float | None, maximum: float | None, fail: Any) -> None:
    """Raise ``fail(message)`` unless ``value`` is a valid ``kind`` within bounds."""
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
        "date": isinstance(value, (str, dt.date)),
        "list": isinstance(value, list),
        "mapping": isinstance(value, dict),
    }[kind]
    if not ok:
        raise fail(f"expected {kind}, got {type(value).__name__}")
    if kind in ("integer", "number"):
        if minimum is not None and value < minimum:
            raise fail(f"{value} is below the minimum {minimum:g}")
        if maximum is not None and value > maximum:
            raise fail(f"{value} is above the maximum {maximum:g}")


def parse_ruleset(text: str, name: str) -> Ruleset:
    """Parse and validate ruleset text (``name`` is used in messages)."""
    data = parse_yaml(text, name, RulesetError)
    try:
        root = yaml.compose(text, Loader=NoAliasSafeLoader)
    except yaml.YAMLError:  # already reported by parse_yaml
        root = None
    if not isinstance(data, dict):
        raise RulesetError(f"{name}:1: a ruleset is a mapping with id, version, rules…")
    try:
        ruleset = converter.structure(data, Ruleset)
    except Exception as exc:
        first = error_messages(exc)[0]
        message, _, path = first.partition(" @ ")
        raise _fail(name, root, path or "$", f"{message} @ {path}" if path else message) from None
    ruleset = converter.structure({**data, "path": name}, Ruleset)
    _check(ruleset, name, root)
    from mipr_rules.engine.compile import compile_ruleset

    try:
        compile_ruleset(ruleset)
    except RulesetError as exc:
        text_ = str(exc)
        match = re.search(r"rule (\S+): (when\S*|fact)", text_)
        if match:
            index = next(i for i, r in enumerate(ruleset.rules) if r.id == match.group(1))
            sub = (
                match.group(2).replace("when", f"$.rules[{index}].when", 1)
                if match.group(2) != "fact"
                else f"$.rules[{index}].fact"
            )
            line = line_of(root, sub)
            raise RulesetError(text_.replace(f"{name}:", f"{name}:{line}:", 1) if line else text_) from None
        raise
    return ruleset


def load_ruleset(path: Path | str) -> Ruleset:
    """Load one ruleset file."""
    path = Path(path)
    return parse_ruleset(read_text(path, RulesetError), str(path))
