"""The catalogue of installed rulesets: pick one by id (and version) or by the as-of date.

The catalogue indexes every file by its header (``index.py``) and parses, validates and compiles a ruleset
only when it is picked (``get``, ``for_kind``) or every one is asked for (``rulesets``), so a command pays
for the rulesets it uses. A file whose header cannot be read on its own is parsed whole up front, and a
broken one then stops the catalogue, naming it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pluggy
from packaging.version import InvalidVersion, Version

from mipr_rules import plugins
from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.index import RulesetHeader, header_of, read_header
from mipr_rules.ruleset.loader import load_ruleset
from mipr_rules.ruleset.schema import Ruleset


def _version_key(ruleset: Ruleset | RulesetHeader) -> Version:
    try:
        return Version(ruleset.version)
    except InvalidVersion:
        return Version("0")


class Catalogue:
    """Every ruleset the installed plugins contribute (built-ins first)."""

    def __init__(self, paths: list[Path]) -> None:
        self.headers: list[RulesetHeader] = []
        """Every ruleset file's header, in catalogue order."""
        origin: dict[tuple[str, str], str] = {}
        for path in paths:
            files = (
                sorted(p for p in path.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
                if path.is_dir()
                else [path]
            )
            for file in files:
                header = read_header(file) or header_of(load_ruleset(file), file)
                key = (header.id, header.version)
                if key in origin:
                    raise RulesetError(
                        f"{file}: ruleset {header.id} {header.version} is also defined in {origin[key]}"
                    )
                origin[key] = str(file)
                self.headers.append(header)

    @property
    def rulesets(self) -> list[Ruleset]:
        """Every ruleset, parsed (each file once per process, see ``load_ruleset``)."""
        return [self._load(header) for header in self.headers]

    @staticmethod
    def _load(header: RulesetHeader) -> Ruleset:
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
        return cls(plugins.ruleset_paths(pm))

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
