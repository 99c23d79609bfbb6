"""Load and validate ruleset files, reporting errors as ``file:line: message``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from mipr_rules.convert import converter, first_error
from mipr_rules.errors import RulesetError
from mipr_rules.loading import NoAliasSafeLoader, load_document, read_text
from mipr_rules.ruleset.conditions import check_conditions
from mipr_rules.ruleset.parameters import SCALAR_TYPES, check_parameter, check_parameter_value
from mipr_rules.ruleset.schema import PARAMETER_TYPES, Ruleset
from mipr_rules.ruleset.templates import template_problem
from mipr_rules.severity import SEVERITIES

__all__ = ["check_parameter_value", "line_of", "load_ruleset", "parse_ruleset", "read_yaml", "ruleset_from_data"]

_PATH_PART = re.compile(r"\.([A-Za-z0-9_$-]+)|\[(\d+)\]")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
MAX_NESTING = 40
"""Deepest nesting of mappings and lists in a ruleset file."""
MAX_ID = 100
"""Longest ruleset, rule or source id (and version, framework, kind), in characters."""


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


def _shown(value: str) -> str:
    return repr(value) if len(value) <= MAX_ID else f"of {len(value)} characters"


def _fail(name: str, root: yaml.Node | None, path: str, message: str) -> RulesetError:
    line = line_of(root, path)
    return RulesetError(f"{name}:{line}: {message}" if line else f"{name}: {message}", where=path, line=line)


def _check(ruleset: Ruleset, name: str, root: yaml.Node | None) -> None:
    """Semantic checks the types alone cannot express."""
    if not _ID.match(ruleset.id) or len(ruleset.id) > MAX_ID:
        raise _fail(name, root, "$.id", f"ruleset id {_shown(ruleset.id)} must be lower-case letters, digits, '-', "
                                        f"'_', at most {MAX_ID} long")
    for field in ("version", "framework", "kind"):
        if len(getattr(ruleset, field)) > MAX_ID:
            raise _fail(name, root, f"$.{field}", f"{field} longer than {MAX_ID} characters")
    if ruleset.effective_to and ruleset.effective_to < ruleset.effective_from:
        raise _fail(name, root, "$.effective_to", "effective_to is before effective_from")
    source_ids = [s.id for s in ruleset.sources]
    if any(len(s) > MAX_ID for s in source_ids):
        raise _fail(name, root, "$.sources", f"source ids longer than {MAX_ID} characters")
    if len(set(source_ids)) != len(source_ids):
        raise _fail(name, root, "$.sources", "duplicate source ids")
    for pname, param in ruleset.parameters.items():
        here = f"$.parameters.{pname}"
        if not _NAME.match(pname):
            raise _fail(name, root, "$.parameters", "parameter names are letters, digits and '_', at most 100 long")
        if param.type not in PARAMETER_TYPES:
            raise _fail(name, root, here, f"parameter {pname}: type must be one of {', '.join(PARAMETER_TYPES)}")
        if param.items is not None and (param.type not in ("list", "mapping") or param.items not in SCALAR_TYPES):
            raise _fail(name, root, here, f"parameter {pname}: items (the type of a list's items or a mapping's "
                                          f"values) must be one of {', '.join(SCALAR_TYPES)}")
        check_parameter(param, param.default, lambda m, h=here, p=pname: _fail(name, root, h, f"parameter {p}: {m}"))
        if param.minimum is not None and param.maximum is not None and param.minimum > param.maximum:
            raise _fail(name, root, here, f"parameter {pname}: minimum is above maximum")
        if param.source and param.source not in source_ids:
            raise _fail(name, root, here, f"parameter {pname}: unknown source {param.source[:MAX_ID]!r}")
    seen: set[str] = set()
    for index, rule in enumerate(ruleset.rules):
        here = f"$.rules[{index}]"
        if rule.id in seen:
            raise _fail(name, root, here, f"duplicate rule id {rule.id[:MAX_ID]!r}")
        seen.add(rule.id)
        if not _ID.match(rule.id) or len(rule.id) > MAX_ID:
            raise _fail(name, root, here, f"rule id {_shown(rule.id)} must be lower-case letters, digits, '-', '_', "
                                          f"at most {MAX_ID} long")
        if rule.severity not in SEVERITIES:
            raise _fail(
                name, root, f"{here}.severity", f"rule {rule.id}: severity must be one of {', '.join(SEVERITIES)}"
            )
        templates = [("message", rule.message)] + [(f"emit.{k}", v) for k, v in rule.emit.items() if isinstance(v, str)]
        for field, template in templates:
            problem = template_problem(template)
            if problem:
                raise _fail(name, root, f"{here}.{field}", f"rule {rule.id}: {field}: {problem}")
        if rule.source not in source_ids:
            raise _fail(name, root, f"{here}.source", f"rule {rule.id}: unknown source {rule.source[:MAX_ID]!r}")


class _RulesetLoader(NoAliasSafeLoader):
    """The safe, alias-free loader, refusing nesting deeper than ``MAX_NESTING`` before Python's recursion
    limit is near."""

    max_depth = MAX_NESTING


def read_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The data of ruleset text and its node tree (for line numbers), parsed once; errors name the line."""
    try:
        data, root = load_document(text, _RulesetLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise RulesetError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RulesetError(f"{name}: invalid YAML: {str(exc)[:200]}") from None
    except RecursionError:
        raise RulesetError(f"{name}: invalid YAML: nested too deeply") from None
    return data, root


def parse_ruleset(text: str, name: str) -> Ruleset:
    """Parse and validate ruleset text (``name`` is used in messages)."""
    data, root = read_yaml(text, name)
    return ruleset_from_data(data, root, name)


def ruleset_from_data(data: Any, root: yaml.Node | None, name: str) -> Ruleset:
    """Validate parsed ruleset data (``read_yaml``'s) and compile it with its defaults."""
    if not isinstance(data, dict):
        raise RulesetError(f"{name}:1: a ruleset is a mapping with id, version, rules…")
    try:
        ruleset = converter.structure(data, Ruleset)
    except Exception as exc:
        message, path = first_error(exc)
        raise _fail(name, root, path, f"{message} @ {path}") from None
    ruleset = converter.structure({**data, "path": name}, Ruleset)
    _check(ruleset, name, root)
    try:
        check_conditions(ruleset)
    except RulesetError as exc:
        line = line_of(root, exc.where) if exc.where else None
        text = str(exc)
        if line and text.startswith(f"{name}:"):
            text = text.replace(f"{name}:", f"{name}:{line}:", 1)
        raise RulesetError(text, where=exc.where, rule_id=exc.rule_id, line=line) from None
    return ruleset


_LOADED: dict[tuple[str, str], Ruleset] = {}
"""Rulesets already loaded in this process, by file name and a digest of the text (rulesets are immutable)."""


def load_ruleset(path: Path | str) -> Ruleset:
    """Load one ruleset file (parsed again only when its text changed since it was last loaded)."""
    path = Path(path)
    text = read_text(path, RulesetError)
    key = (str(path), hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    if key not in _LOADED:
        if len(_LOADED) >= 64:
            _LOADED.clear()
        _LOADED[key] = parse_ruleset(text, str(path))
    return _LOADED[key]
