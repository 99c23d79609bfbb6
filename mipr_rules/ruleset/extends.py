"""House rules: a ruleset file that ``extends:`` another and adds, overrides or disables rules.

::

    id: sunrise-house-rules
    version: 1.0.0
    title: Sunrise Care house rules
    extends: {ruleset: cqc-readiness, version: ">=1.0,<2"}   # or just: extends: cqc-readiness
    sources: [...]                # added to the extended ruleset's sources
    parameters:                   # new parameters, or new defaults (and sources) for inherited ones
      care_plan_review_days: {default: 21, source: house-policy}
    rules: [...]                  # added rules (ids must be new)
    overrides:                    # per inherited rule: severity, message, title, description, citation,
      supervision_overdue:        # and parameters (values used by this rule only)
        severity: high
        parameters: {supervision_interval_days: 60}
    disable:                      # inherited rules switched off, each with the reason
      - {rule: evidence_category_stale, reason: "Evidence is tracked in the provider's own audit system"}

The result is an ordinary ``Ruleset`` (validated and compiled like any other) that remembers what came
from where (``Ruleset.extends``, ``origins``, ``disabled``), which ``mipr rules show`` prints.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import attrs
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from mipr_rules.convert import unstructure
from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.schema import Ruleset

EXTENSION_KEYS = ("id", "version", "title", "description", "extends", "effective_from", "effective_to",
                  "sources", "parameters", "rules", "overrides", "disable")
"""Keys an extending ruleset file may have."""
OVERRIDABLE = ("severity", "message", "title", "description", "citation", "parameters")
"""What an ``overrides:`` entry may change in an inherited rule."""


@attrs.frozen
class Extension:
    """An ``extends:`` ruleset file, read but not yet resolved against the ruleset it extends."""

    data: dict[str, Any]
    """The file's data."""
    name: str
    """The file (for messages)."""
    base_id: str
    """Id of the extended ruleset."""
    versions: SpecifierSet
    """Versions of it the file accepts (empty: any)."""

    @property
    def id(self) -> str:
        """Id of the extending ruleset."""
        return str(self.data.get("id", ""))


def is_extension(data: Any) -> bool:
    """Whether parsed ruleset data declares ``extends:``."""
    return isinstance(data, dict) and "extends" in data


def read_extension(data: dict[str, Any], name: str) -> Extension:
    """Check an ``extends:`` file's shape (the rest is checked once it is merged)."""
    unknown = sorted(set(data) - set(EXTENSION_KEYS))
    if unknown:
        raise RulesetError(f"{name}: unknown key(s) {', '.join(map(str, unknown))} in an extending ruleset; "
                           f"expected {', '.join(EXTENSION_KEYS)}")
    for key in ("id", "version"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RulesetError(f"{name}: {key}: an extending ruleset needs its own {key} (a string)")
    extends = data["extends"]
    if isinstance(extends, str):
        base, _, spec = extends.strip().partition(" ")
    elif isinstance(extends, dict) and isinstance(extends.get("ruleset"), str) and set(extends) <= {
        "ruleset", "version"
    }:
        base, spec = extends["ruleset"], str(extends.get("version") or "")
    else:
        raise RulesetError(f"{name}: extends: expected a ruleset id, or {{ruleset: ID, version: '>=1.0,<2'}}")
    try:
        versions = SpecifierSet(spec.strip())
    except InvalidSpecifier:
        raise RulesetError(f"{name}: extends: {spec[:60]!r} is not a version range such as '>=1.0,<2'") from None
    if base == data["id"]:
        raise RulesetError(f"{name}: extends: a ruleset cannot extend itself; give the house rules their own id")
    return Extension(data, name, base, versions)


def pick_base(extension: Extension, candidates: list[Ruleset]) -> Ruleset:
    """The newest ruleset ``extension`` may extend among ``candidates`` (the versions of its base id)."""
    def version(ruleset: Ruleset) -> Version:
        try:
            return Version(ruleset.version)
        except InvalidVersion:
            return Version("0")

    fitting = [r for r in candidates if r.id == extension.base_id and extension.versions.contains(version(r), True)]
    if not fitting:
        have = ", ".join(sorted(r.version for r in candidates if r.id == extension.base_id)) or "none installed"
        raise RulesetError(f"{extension.name}: extends {extension.base_id} {extension.versions or 'any version'}: "
                           f"no such ruleset (versions: {have})")
    return max(fitting, key=version)


def _substitute(value: Any, name: str, replacement: Any) -> Any:
    if value == f"${name}":
        return replacement
    if isinstance(value, dict):
        return {k: _substitute(v, name, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, name, replacement) for v in value]
    return value


def apply_extension(
    base: Ruleset, extension: Extension, build: Callable[[dict[str, Any], str], Ruleset]
) -> Ruleset:
    """``base`` with ``extension`` applied; ``build`` validates merged data into a ruleset (the loader's)."""
    name, data = extension.name, extension.data
    merged: dict[str, Any] = copy.deepcopy(unstructure(base))
    for key in ("path", "extends", "origins", "disabled"):
        merged.pop(key, None)
    ref = f"{base.id} {base.version}"
    origins: dict[str, str] = {f"rule:{r.id}": ref for r in base.rules}
    origins.update({f"parameter:{p}": ref for p in base.parameters})
    for key in ("id", "version", "title", "description", "effective_from", "effective_to"):
        if key in data:
            merged[key] = data[key]
    merged["title"] = data.get("title", f"{data['id']} (extends {base.id})")
    known_sources = {s["id"] for s in merged["sources"]}
    for source in data.get("sources") or []:
        if isinstance(source, dict) and source.get("id") in known_sources:
            raise RulesetError(f"{name}: sources: {source['id']!r} is already a source of {ref}")
        merged["sources"].append(source)
    params = data.get("parameters") or {}
    if not isinstance(params, dict):
        raise RulesetError(f"{name}: parameters: expected a mapping of parameter names")
    for pname, given in params.items():
        if pname in merged["parameters"]:
            change = given if isinstance(given, dict) else {"default": given}
            merged["parameters"][pname] = {**merged["parameters"][pname], **change}
            origins[f"parameter:{pname}"] = f"{ref}, overridden: {', '.join(change)}"
        else:
            merged["parameters"][pname] = given
            origins[f"parameter:{pname}"] = "added"
    rules: dict[str, dict[str, Any]] = {r["id"]: r for r in merged["rules"]}
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise RulesetError(f"{name}: overrides: expected rule id → changes")
    for rule_id, change in overrides.items():
        if rule_id not in rules:
            raise RulesetError(f"{name}: overrides: {ref} has no rule {rule_id!r}")
        if not isinstance(change, dict) or not change or set(change) - set(OVERRIDABLE):
            raise RulesetError(f"{name}: overrides.{rule_id}: expected some of {', '.join(OVERRIDABLE)}")
        rule = rules[rule_id]
        for pname, value in (change.get("parameters") or {}).items():
            if pname not in merged["parameters"]:
                raise RulesetError(f"{name}: overrides.{rule_id}.parameters: no parameter {pname!r}")
            rule["when"] = _substitute(rule["when"], pname, value)
            rule["message"] = str(rule.get("message", "")).replace(f"{{{pname}}}", str(value))
        rule.update({k: v for k, v in change.items() if k != "parameters"})
        origins[f"rule:{rule_id}"] = f"{ref}, overridden: {', '.join(change)}"
    disabled: dict[str, str] = {}
    entries = data.get("disable") or []
    if not isinstance(entries, list):
        raise RulesetError(f"{name}: disable: expected a list of {{rule: ID, reason: WHY}}")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"rule", "reason"} or not str(entry["reason"]).strip():
            raise RulesetError(f"{name}: disable[{index}]: expected {{rule: ID, reason: WHY}} with a reason")
        if entry["rule"] not in rules:
            raise RulesetError(f"{name}: disable[{index}]: {ref} has no rule {entry['rule']!r}")
        disabled[str(entry["rule"])] = str(entry["reason"])
        del rules[entry["rule"]]
        origins.pop(f"rule:{entry['rule']}", None)
    for index, rule in enumerate(data.get("rules") or []):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if rule_id in rules or rule_id in disabled:
            raise RulesetError(f"{name}: rules[{index}]: {rule_id!r} is a rule of {ref}: change it under overrides")
        if isinstance(rule_id, str):
            origins[f"rule:{rule_id}"] = "added"
        rules[str(rule_id)] = rule
    merged["rules"] = list(rules.values())
    ruleset = build(merged, name)
    return attrs.evolve(ruleset, extends=ref, origins=origins, disabled=disabled)
