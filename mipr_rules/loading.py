"""The one boundary for reading data files: bounded reads, safe JSON and YAML, one-line errors with a place.

Every failure is a ``MiprRulesError`` naming the file and, where there is one, the line and column; no
message quotes a value from the file. Limits:

- size: at most ``MAX_FILE_BYTES`` are read, from a regular file or standard input (``-``); devices,
  FIFOs and sockets are refused without blocking;
- nesting: at most ``MAX_DEPTH`` levels of lists and mappings;
- numbers: integers of at most ``MAX_INT_DIGITS`` digits (Python's own conversion limit);
- YAML: safe loading only, no anchors or aliases (no "billion laughs").
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from mipr_rules.errors import InputError, MiprRulesError

MAX_FILE_BYTES = int(os.environ.get("MIPR_RULES_MAX_FILE_BYTES", 256 * 1024 * 1024))
"""Largest input read (default 256 MiB; ``MIPR_RULES_MAX_FILE_BYTES`` overrides)."""
MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted in JSON and YAML input."""
MAX_INT_DIGITS = 4300
"""Longest integer accepted in JSON and YAML input (Python's default ``int_max_str_digits``)."""
STDIN = "-"
"""The name that means standard input where a command accepts it."""

_CHUNK = 1024 * 1024


class _GuardedConstructor(yaml.constructor.SafeConstructor):
    """``SafeConstructor`` whose bad dates and numbers are YAML errors with a line, not bare exceptions."""

    def construct_yaml_timestamp(self, node: Any) -> Any:
        """A date such as ``2026-13-01`` is a YAML error with its line, not a bare ``ValueError``."""
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(self, node)  # type: ignore[no-untyped-call,unused-ignore]
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"invalid date: {exc}", node.start_mark) from None
        except (AttributeError, TypeError):  # an explicit !!timestamp tag on text that is no date at all
            raise yaml.constructor.ConstructorError(None, None, "invalid date", node.start_mark) from None

    def construct_yaml_int(self, node: Any) -> Any:
        """An integer too long to convert is a YAML error with its line."""
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_int(self, node)  # type: ignore[no-untyped-call,unused-ignore]
        except ValueError as exc:
            why = f"integer with more than {MAX_INT_DIGITS} digits" if "digits" in str(exc) else "invalid integer"
            raise yaml.constructor.ConstructorError(None, None, why, node.start_mark) from None

    def construct_yaml_float(self, node: Any) -> Any:
        """A number that does not parse (``!!float abc``) is a YAML error with its line."""
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_float(self, node)  # type: ignore[no-untyped-call,unused-ignore]
        except ValueError:
            raise yaml.constructor.ConstructorError(None, None, "invalid number", node.start_mark) from None


for _tag, _construct in (
    ("timestamp", _GuardedConstructor.construct_yaml_timestamp),
    ("int", _GuardedConstructor.construct_yaml_int),
    ("float", _GuardedConstructor.construct_yaml_float),
):
    _GuardedConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct)  # type: ignore[type-var]


class NoAliasSafeLoader(_GuardedConstructor, yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors and aliases and nesting deeper than ``max_depth``.

    This is the pure-Python loader, the reference for what is accepted and for every error's place;
    ``load_document`` parses with libyaml first and comes back here only when something is wrong.
    """

    max_depth = MAX_DEPTH
    """Most levels of lists and mappings (subclasses for stricter formats lower it)."""
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call,unused-ignore]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not allowed in mipr-rules input", event.start_mark
            )
        if self._depth >= self.max_depth:
            event = self.peek_event()  # type: ignore[no-untyped-call,unused-ignore]
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {self.max_depth} levels deep", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_CSafeLoader: type | None = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser and composer (PyYAML built with it, as its wheels are), or None."""


def _c_loader() -> type | None:
    """libyaml's safe loader with the guarded constructors, or None when PyYAML lacks libyaml."""
    if _CSafeLoader is None:
        return None
    return type("_FastGuardedLoader", (_GuardedConstructor, _CSafeLoader), {})


_FAST = _c_loader()


def _needs_pure(root: yaml.Node, max_depth: int) -> bool:
    """Whether a tree composed by libyaml holds what the pure loader refuses: an alias (a node reached
    twice) or a node ``max_depth`` or more levels down."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= max_depth or id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
    return False


def load_document(text: str, loader: type[NoAliasSafeLoader] = NoAliasSafeLoader) -> tuple[Any, yaml.Node | None]:
    """The data of one YAML document and its node tree (whose marks give line numbers).

    Parsed with libyaml (about 20 times faster) when PyYAML has it. Anything the fast path does not take
    cleanly (an alias, nesting of ``loader.max_depth`` levels, any parse or construction error) is parsed
    again with ``loader``, the pure-Python reference, so that what is refused and every error's message
    and line are the pure loader's. Raises ``yaml.YAMLError`` (or ``RecursionError``) as ``loader`` does.
    """
    if _FAST is not None and loader.yaml_constructors is NoAliasSafeLoader.yaml_constructors:
        fast = _FAST(text)
        try:
            root = fast.get_single_node()
            if root is None:
                return None, None
            if not _needs_pure(root, loader.max_depth):
                return fast.construct_document(root), root
        except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError, AttributeError):
            pass  # the pure loader below reports it
        finally:
            fast.dispose()
    pure = loader(text)
    try:
        root = pure.get_single_node()
        return (pure.construct_document(root) if root is not None else None), root
    finally:
        pure.dispose()  # type: ignore[no-untyped-call,unused-ignore]


def _too_large(name: object, error: type[MiprRulesError]) -> MiprRulesError:
    return error(f"{name}: larger than the {MAX_FILE_BYTES}-byte limit on input (MIPR_RULES_MAX_FILE_BYTES)")


def _read_capped(stream: BinaryIO | int, name: object, error: type[MiprRulesError]) -> bytes:
    """Read ``stream`` (a binary file or a descriptor) to its end, failing as soon as it passes the cap."""
    chunks: list[bytes] = []
    size = 0
    while True:
        want = min(_CHUNK, MAX_FILE_BYTES + 1 - size)
        chunk = os.read(stream, want) if isinstance(stream, int) else stream.read(want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _too_large(name, error)


def read_bytes(path: Path | str, error: type[MiprRulesError] = InputError) -> bytes:
    """The bytes of a regular file (or of standard input for ``-``), at most ``MAX_FILE_BYTES`` of them.

    A device, FIFO or socket is refused without being read, so that ``/dev/zero`` or a FIFO nobody writes
    to cannot grow memory or block.
    """
    if str(path) == STDIN:
        return _read_capped(sys.stdin.buffer, "standard input", error)
    path = Path(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise error(f"{path}: is a folder, expected a file")
        if not stat.S_ISREG(mode):
            raise error(f"{path}: not a regular file (a device, FIFO or socket); give a file, or - for standard input")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # replaced between stat and open
            raise error(f"{path}: not a regular file (a device, FIFO or socket); give a file")
        if opened.st_size > MAX_FILE_BYTES:
            raise _too_large(path, error)
        return _read_capped(fd, path, error)
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)


def decode(data: bytes, name: object, error: type[MiprRulesError] = InputError) -> str:
    """UTF-8 text of ``data``; a leading byte-order mark (Excel's "CSV UTF-8") is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        raise error(f"{name}: not UTF-8 text (byte {exc.start + bom})") from None


def read_text(path: Path | str, error: type[MiprRulesError] = InputError) -> str:
    """The text of ``path``; a one-line error if it is missing, unreadable, too large or not UTF-8."""
    return decode(read_bytes(path, error), path, error)


def is_blank(text: str) -> bool:
    """Whether ``text`` holds no data: only white space, YAML comments and document markers."""
    if not text.lstrip().startswith(("#", "---", "...")):
        return not text.strip()
    return all(
        not stripped or stripped.startswith("#") or stripped in ("---", "...")
        for stripped in (line.strip() for line in text.splitlines())
    )


def _nesting_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


def parse_yaml(text: str, name: str, error: type[MiprRulesError] = InputError) -> Any:
    """Parse YAML safely; errors name ``name:line:column``."""
    return parse_yaml_document(text, name, error)[0]


def parse_yaml_document(
    text: str, name: str, error: type[MiprRulesError] = InputError
) -> tuple[Any, yaml.Node | None]:
    """``parse_yaml``'s data and the node tree it came from (for the lines of later errors)."""
    try:
        return load_document(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise error(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{name}: invalid YAML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    except RecursionError:
        raise error(f"{name}: invalid YAML: nested too deeply") from None
    except Exception as exc:  # the boundary: any other failure of a constructor is bad input
        # Its message may hold the value, so only its kind is named.
        raise error(f"{name}: invalid YAML: a value could not be read ({type(exc).__name__})") from None


def parse_json(text: str, name: str, error: type[MiprRulesError] = InputError) -> Any:
    """Parse JSON strictly (no NaN or Infinity, at most ``MAX_DEPTH`` levels); errors name ``name:line:column``."""

    def no_constants(value: str) -> Any:
        raise ValueError(f"{value} is not allowed")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise error(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise error(f"{name}: invalid JSON: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        if "digits" in str(exc):
            raise error(f"{name}: invalid JSON: integer with more than {MAX_INT_DIGITS} digits") from None
        raise error(f"{name}: invalid JSON: {exc}") from None
    if _nesting_exceeds(data, MAX_DEPTH):
        raise error(f"{name}: invalid JSON: nested more than {MAX_DEPTH} levels deep")
    return data


def load_data_file(path: Path | str, error: type[MiprRulesError] = InputError, *, allow_empty: bool = False) -> Any:
    """Load a ``.json``, ``.yaml`` or ``.yml`` file; an empty one is an error unless ``allow_empty`` (then ``None``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise error(f"{path}: unsupported file type {path.suffix or '(none)'}; expected .json, .yaml or .yml")
    text = read_text(path, error)
    if is_blank(text):
        if allow_empty:
            return None
        raise error(f"{path}: empty file")
    if suffix == ".json":
        return parse_json(text, str(path), error)
    return parse_yaml(text, str(path), error)
