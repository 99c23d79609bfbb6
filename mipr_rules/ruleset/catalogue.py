"""The catalogue of installed rulesets: pick one by id (and version) or by the as-of date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pluggy
from packaging.version import InvalidVersion, Version

from mipr_rules import plugins
from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.loader import load_ruleset
from mipr_rules.ruleset.schema import Ruleset


def _version_key(ruleset: Ruleset) -> Version:
    try:
        return Version(ruleset.version)
    except InvalidVersion:
        return Version("0")


class Catalogue:
    """Every ruleset the installed plugins contribute (built-ins first)."""

    def __init__(self, paths: list[Path]) -> None:
        self.rulesets: list[Ruleset] = []
        origin: dict[tuple[str, str], str] = {}
        for path in paths:
            files = (
                sorted(p for p in path.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
                if path.is_dir()
                else [path]
            )
            for file in files:
                ruleset = load_ruleset(file)
                key = (ruleset.id, ruleset.version)
                if key in origin:
                    raise RulesetError(
                        f"{file}: ruleset {ruleset.id} {ruleset.version} is also defined in {origin[key]}"
                    )
                origin[key] = str(file)
                self.rulesets.append(ruleset)

    @classmethod
    def installed(cls, pm: pluggy.PluginManager | None = None) -> Catalogue:
        """The catalogue of every installed ruleset source."""
        return cls(plugins.ruleset_paths(pm))

    def ids(self) -> list[str]:
        """Distinct ruleset ids."""
        return sorted({r.id for r in self.rulesets})

    def get(self, ruleset_id: str, as_of: dt.date | None = None, version: str | None = None) -> Ruleset:
        """The ruleset ``ruleset_id``: the given version, else the newest effective on ``as_of``."""
        candidates = [r for r in self.rulesets if r.id == ruleset_id]
        if not candidates:
            raise RulesetError(f"no ruleset {ruleset_id!r}; installed: {', '.join(self.ids()) or 'none'}")
        if version is not None:
            for ruleset in candidates:
                if ruleset.version == version:
                    return ruleset
            raise RulesetError(f"ruleset {ruleset_id!r} has no version {version}")
        if as_of is not None:
            effective = [r for r in candidates if r.applies_on(as_of)]
            if effective:
                return max(effective, key=_version_key)
        return max(candidates, key=_version_key)

    def for_kind(self, kind: str, as_of: dt.date) -> list[Ruleset]:
        """Rulesets of ``kind`` effective on ``as_of``."""
        return [r for r in self.rulesets if r.kind == kind and r.applies_on(as_of)]
