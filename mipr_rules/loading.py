"""Safe loading of JSON and YAML input files, with one-line errors that name the file and the line.

YAML is read with a safe loader that also refuses aliases (no "billion laughs"), and every file is
bounded in size before it is parsed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from mipr_rules.errors import InputError, MiprRulesError

MAX_FILE_BYTES = int(os.environ.get("MIPR_RULES_MAX_FILE_BYTES", 256 * 1024 * 1024))
"""Largest input file accepted (default 256 MiB; ``MIPR_RULES_MAX_FILE_BYTES`` overrides)."""


class NoAliasSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call,unused-ignore]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not allowed in mipr-rules input", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        """A date such as ``2026-13-01`` is a YAML error with its line, not a bare ``ValueError``."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[no-untyped-call,unused-ignore]
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"invalid date: {exc}", node.start_mark) from None


NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", NoAliasSafeLoader.construct_yaml_timestamp)


def read_text(path: Path, error: type[MiprRulesError] = InputError) -> str:
    """The text of ``path``; a one-line error if it is missing, unreadable, too large or not UTF-8."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise error(f"{path}: is a folder, expected a file")
    if size > MAX_FILE_BYTES:
        raise error(f"{path}: file is {size} bytes, larger than the {MAX_FILE_BYTES}-byte limit")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None


def parse_yaml(text: str, name: str, error: type[MiprRulesError] = InputError) -> Any:
    """Parse YAML safely; errors name ``name:line:column``."""
    try:
        return yaml.load(text, Loader=NoAliasSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise error(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{name}: invalid YAML: {exc}") from None


def parse_json(text: str, name: str, error: type[MiprRulesError] = InputError) -> Any:
    """Parse JSON strictly (no NaN or Infinity); errors name ``name:line:column``."""

    def no_constants(value: str) -> Any:
        raise ValueError(f"{value} is not allowed")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise error(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise error(f"{name}: invalid JSON: {exc}") from None


def load_data_file(path: Path | str, error: type[MiprRulesError] = InputError) -> Any:
    """Load a ``.json``, ``.yaml`` or ``.yml`` file."""
    path = Path(path)
    text = read_text(path, error)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path), error)
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text, str(path), error)
    raise error(f"{path}: unsupported file type {path.suffix or '(none)'}; expected .json, .yaml or .yml")
