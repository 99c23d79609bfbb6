"""The index of a ruleset file: its id, version, kind and dates, read without parsing its rules.

A catalogue holds every installed ruleset but a command uses one or two; reading the five top-level
``key: value`` lines of each file (``id``, ``version``, ``kind``, ``effective_from``, ``effective_to``)
is enough to choose, and only the chosen files are parsed, validated and compiled (``load_ruleset``).
The lines are read as YAML (so ``version: "1.0"`` and ``effective_from: 2024-12-01`` mean what they mean
in the full parse); a file whose header is written any other way (flow style, a key twice, a value that is
not a plain scalar of the right type) gets ``None`` and the catalogue parses it whole instead.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import attrs

from mipr_rules.errors import RulesetError
from mipr_rules.loading import load_document, read_text
from mipr_rules.ruleset.schema import Ruleset

KEYS = ("id", "version", "kind", "effective_from", "effective_to")
"""The top-level keys the index reads."""
_LINE = re.compile(rf"^({'|'.join(KEYS)})[ \t]*:(?:[ \t].*)?$", re.MULTILINE)


@attrs.frozen
class RulesetHeader:
    """What a catalogue needs to choose a ruleset, and the file to load it from."""

    id: str
    """The ruleset id."""
    version: str
    """Its version."""
    kind: str
    """Its kind (``readiness``, ``timelines``...)."""
    effective_from: dt.date
    """First day it applies."""
    effective_to: dt.date | None
    """Last day it applies, or None."""
    path: Path
    """The ruleset file."""

    def applies_on(self, day: dt.date) -> bool:
        """Whether the ruleset is in force on ``day`` (as ``Ruleset.applies_on``)."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def read_header(path: Path) -> RulesetHeader | None:
    """The header of the ruleset file at ``path``, or None when it must be parsed whole to be known."""
    text = read_text(path, RulesetError)
    lines = [match.group(0) for match in _LINE.finditer(text)]
    keys = [line.split(":", 1)[0].rstrip() for line in lines]
    if len(set(keys)) != len(keys) or text.lstrip().startswith(("{", "---", "%")):
        return None
    try:
        data, _ = load_document("\n".join(lines) + "\n")
    except Exception:  # anything odd: the full parse reports it with its line
        return None
    if not isinstance(data, dict):
        return None
    values = {key: data.get(key) for key in KEYS}
    if not all(isinstance(values[key], str) and values[key] for key in ("id", "version", "kind")):
        return None
    start, end = values["effective_from"], values["effective_to"]
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        return None
    if end is not None and (not isinstance(end, dt.date) or isinstance(end, dt.datetime)):
        return None
    return RulesetHeader(str(values["id"]), str(values["version"]), str(values["kind"]), start, end, path)


def header_of(ruleset: Ruleset, path: Path) -> RulesetHeader:
    """The header of a ruleset already parsed."""
    return RulesetHeader(ruleset.id, ruleset.version, ruleset.kind, ruleset.effective_from, ruleset.effective_to, path)
