"""The catalogue of installed rulesets: pick one by id (and version) or by the as-of date.

The catalogue indexes every file by its header (``index.py``) and parses, validates and compiles a ruleset
only when it is picked (``get``, ``for_kind``) or every one is asked for (``rulesets``), so a command pays
for the rulesets it uses. A file whose header cannot be read on its own is parsed whole up front, and a
broken one then stops the catalogue, naming it. A file that ``extends:`` another ruleset (house rules,
``extends.py``) is resolved up front against the others, else against the installed rulesets.
"""

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
from mipr_rules.ruleset.index import RulesetHeader, header_of, read_header
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


def _version_key(ruleset: Ruleset | RulesetHeader) -> Version:
    try:
        return Version(ruleset.version)
    except InvalidVersion:
        return Version("0")


class Catalogue:
    """Every ruleset the installed plugins contribute (built-ins first)."""

    def __init__(self, paths: list[Path], base: Catalogue | None = None) -> None:
        """Index every ruleset file in ``paths``; files that ``extends:`` a ruleset are resolved against the
        others, else against ``base`` (default: the installed rulesets, read only when needed)."""
        self.headers: list[RulesetHeader] = []
        """Every ruleset file's header, in catalogue order."""
        self._resolved: dict[Path, Ruleset] = {}
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
                self._add(read_header(file) or header_of(load_ruleset(file), file), origin)
        if pending:
            self._resolve(pending, origin, base)

    def _add(self, header: RulesetHeader, origin: dict[tuple[str, str], str]) -> None:
        key = (header.id, header.version)
        if key in origin:
            raise RulesetError(f"{header.path}: ruleset {header.id} {header.version} is also defined in {origin[key]}")
        origin[key] = str(header.path)
        self.headers.append(header)

    def _resolve(self, pending: list[Extension], origin: dict[tuple[str, str], str], base: Catalogue | None) -> None:
        """Resolve extending files, bases first (an extension may extend another)."""
        while pending:
            ready = [e for e in pending if not any(o.id == e.base_id for o in pending if o is not e)]
            if not ready:
                raise RulesetError(f"{pending[0].name}: extends: circular ({', '.join(e.id for e in pending)})")
            for extension in ready:
                pending.remove(extension)
                source: Catalogue = self
                if not any(h.id == extension.base_id for h in self.headers):
                    source = base if base is not None else Catalogue.installed()
                candidates = [source._load(h) for h in source.headers if h.id == extension.base_id]
                ruleset = apply_extension(
                    pick_base(extension, candidates), extension, lambda data, name: ruleset_from_data(data, None, name)
                )
                path = Path(extension.name)
                self._resolved[path] = ruleset
                self._add(header_of(ruleset, path), origin)

    @property
    def rulesets(self) -> list[Ruleset]:
        """Every ruleset, parsed (each file once per process, see ``load_ruleset``)."""
        return [self._load(header) for header in self.headers]

    def _load(self, header: RulesetHeader) -> Ruleset:
        if header.path in self._resolved:
            return self._resolved[header.path]
        ruleset = load_ruleset(header.path)
        if header_of(ruleset, header.path) != header:
            raise RulesetError(
                f"{header.path}: its id, version, kind or dates read differently as top-level lines and as a "
                "whole; write each as one plain 'key: value' line"
            )
        return ruleset

    @classmethod
    def installed(cls, pm: pluggy.PluginManager | None = None) -> Catalogue:
        """The catalogue of every installed ruleset source."""
        return cls(plugins.ruleset_paths(pm), base=cls([]))

    def ids(self) -> list[str]:
        """Distinct ruleset ids."""
        return sorted({h.id for h in self.headers})

    def get(self, ruleset_id: str, as_of: dt.date | None = None, version: str | None = None) -> Ruleset:
        """The ruleset ``ruleset_id``: the given version, else the newest effective on ``as_of``."""
        candidates = [h for h in self.headers if h.id == ruleset_id]
        if not candidates:
            raise RulesetError(f"no ruleset {ruleset_id!r}; installed: {', '.join(self.ids()) or 'none'}")
        if version is not None:
            for header in candidates:
                if header.version == version:
                    return self._load(header)
            raise RulesetError(f"ruleset {ruleset_id!r} has no version {version}")
        if as_of is not None:
            effective = [h for h in candidates if h.applies_on(as_of)]
            if effective:
                return self._load(max(effective, key=_version_key))
        return self._load(max(candidates, key=_version_key))

    def for_kind(self, kind: str, as_of: dt.date) -> list[Ruleset]:
        """Rulesets of ``kind`` effective on ``as_of``."""
        return [self._load(h) for h in self.headers if h.kind == kind and h.applies_on(as_of)]
