"""The catalogue of installed rulesets: pick one by id (and version) or by the as-of date."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pluggy
from packaging.version import InvalidVersion, Version

from mipr_rules import plugins
from mipr_rules.errors import RulesetError
from mipr_rules.loading import read_text
from mipr_rules.ruleset.extends import Extension, apply_extension, is_extension, pick_base, read_extension
from mipr_rules.ruleset.loader import load_ruleset, read_yaml, ruleset_from_data
from mipr_rules.ruleset.schema import Ruleset

_EXTENDS = re.compile(r"^extends\s*:", re.M)


def _extension(file: Path) -> Extension | None:
    """The file read as an extending ruleset, or None when it is an ordinary one."""
    text = read_text(file, RulesetError)
    if not _EXTENDS.search(text):  # most files: not parsed twice
        return None
    data, _ = read_yaml(text, str(file))
    return read_extension(data, str(file)) if is_extension(data) else None


def _version_key(ruleset: Ruleset) -> Version:
    try:
        return Version(ruleset.version)
    except InvalidVersion:
        return Version("0")


class Catalogue:
    """Every ruleset the installed plugins contribute (built-ins first)."""

    def __init__(self, paths: list[Path], base: Catalogue | None = None) -> None:
        """Load every ruleset file in ``paths``; files that ``extends:`` a ruleset are resolved against the
        others, else against ``base`` (default: the installed rulesets, loaded only when needed)."""
        self.rulesets: list[Ruleset] = []
        origin: dict[tuple[str, str], str] = {}
        pending: list[Extension] = []
        for path in paths:
            if not path.exists():
                raise RulesetError(f"{path}: no such ruleset file or folder")
            files = (
                sorted(p for p in path.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
                if path.is_dir()
                else [path]
            )
            for file in files:
                extension = _extension(file)
                if extension is not None:
                    pending.append(extension)
                    continue
                self._add(load_ruleset(file), str(file), origin)
        if pending:
            self._resolve(pending, origin, base)

    def _add(self, ruleset: Ruleset, file: str, origin: dict[tuple[str, str], str]) -> None:
        key = (ruleset.id, ruleset.version)
        if key in origin:
            raise RulesetError(f"{file}: ruleset {ruleset.id} {ruleset.version} is also defined in {origin[key]}")
        origin[key] = file
        self.rulesets.append(ruleset)

    def _resolve(self, pending: list[Extension], origin: dict[tuple[str, str], str], base: Catalogue | None) -> None:
        """Resolve extending files, bases first (an extension may extend another)."""
        while pending:
            ready = [e for e in pending if not any(o.id == e.base_id for o in pending if o is not e)]
            if not ready:
                raise RulesetError(f"{pending[0].name}: extends: circular ({', '.join(e.id for e in pending)})")
            for extension in ready:
                pending.remove(extension)
                candidates = [r for r in self.rulesets if r.id == extension.base_id]
                if not candidates:
                    base = base if base is not None else Catalogue.installed()
                    candidates = [r for r in base.rulesets if r.id == extension.base_id]
                ruleset = apply_extension(
                    pick_base(extension, candidates), extension, lambda data, name: ruleset_from_data(data, None, name)
                )
                self._add(ruleset, extension.name, origin)

    @classmethod
    def installed(cls, pm: pluggy.PluginManager | None = None) -> Catalogue:
        """The catalogue of every installed ruleset source."""
        return cls(plugins.ruleset_paths(pm), base=cls([]))

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
