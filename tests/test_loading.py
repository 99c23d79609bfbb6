"""Safe loading of JSON and YAML files: bounded, alias-free, and every error one line with file:line."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules import loading
from mipr_rules.errors import ConfigError, InputError
from mipr_rules.loading import load_data_file, parse_json, parse_yaml, read_text


def _fails(call: Callable[[], object], error: type[Exception] = InputError) -> str:
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_json_and_yaml_files_load(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"x": [1, 2]}')
    (tmp_path / "b.yaml").write_text("x: [1, 2]\n")
    (tmp_path / "c.YML").write_text("x: [1, 2]\n")
    assert load_data_file(tmp_path / "a.json") == load_data_file(tmp_path / "b.yaml") == {"x": [1, 2]}
    assert load_data_file(str(tmp_path / "c.YML")) == {"x": [1, 2]}


def test_a_missing_file(tmp_path: Path) -> None:
    assert _fails(lambda: load_data_file(tmp_path / "nope.json")) == f"{tmp_path / 'nope.json'}: file not found"


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    assert _fails(lambda: read_text(tmp_path)).endswith("is a folder, expected a file")


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert _fails(lambda: load_data_file(path)) == f"{path}: not UTF-8 text (byte 9)"


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text('{"x": "0123456789"}')
    assert "larger than the 10-byte limit" in _fails(lambda: load_data_file(path))


def test_an_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "home.xml"
    path.write_text("<home/>")
    assert "unsupported file type .xml; expected .json, .yaml or .yml" in _fails(lambda: load_data_file(path))


def test_yaml_syntax_errors_name_line_and_column() -> None:
    message = _fails(lambda: parse_yaml("id: x\nrules:\n  - id: [a\n", "rules.yaml"))
    assert message.startswith("rules.yaml:4:1: invalid YAML:")


def test_yaml_aliases_are_refused_with_their_line() -> None:
    laughs = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    message = _fails(lambda: parse_yaml(laughs, "laughs.yaml"))
    assert message == "laughs.yaml:2:8: invalid YAML: YAML aliases are not allowed in mipr-rules input"


def test_yaml_cannot_build_python_objects() -> None:
    message = _fails(lambda: parse_yaml("x: !!python/object/apply:os.system ['true']\n", "evil.yaml"))
    assert message.startswith("evil.yaml:1:")


def test_json_errors_name_line_and_column() -> None:
    assert _fails(lambda: parse_json('{\n  "a": 1,\n}', "home.json")).startswith("home.json:3:1: invalid JSON")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_numbers_are_refused(constant: str) -> None:
    assert f"{constant} is not allowed" in _fails(lambda: parse_json(f'{{"beds": {constant}}}', "home.json"))


def test_the_error_class_follows_the_caller(tmp_path: Path) -> None:
    _fails(lambda: load_data_file(tmp_path / "provider.yaml", ConfigError), ConfigError)


# --- the boundary: every failure one line with a place, bounded reads -----------------------------------


def test_an_oversized_file_names_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.json"
    path.write_text('{"x": "0123456789"}')
    assert _fails(lambda: read_text(path)) == (
        f"{path}: larger than the 10-byte limit on input (MIPR_RULES_MAX_FILE_BYTES)"
    )


def test_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    assert _fails(lambda: load_data_file(link)).endswith(
        "not a regular file (a device, FIFO or socket); give a file, or - for standard input"
    )


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "home.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in _fails(lambda: load_data_file(fifo))


def test_standard_input_is_read_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 5)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"12345")))
    assert loading.read_bytes("-") == b"12345"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"123456")))
    assert _fails(lambda: loading.read_bytes("-")).startswith("standard input: larger than the 5-byte limit")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'\xef\xbb\xbf{"x": 1}')
    assert load_data_file(path) == {"x": 1}
    bad = tmp_path / "b.yaml"
    bad.write_bytes(b"\xef\xbb\xbfx: caf\xe9\n")
    assert _fails(lambda: load_data_file(bad)) == f"{bad}: not UTF-8 text (byte 9)"


@pytest.mark.parametrize("text", ["", "  \n\n", "# a comment\n---\n...\n"])
def test_an_empty_file_says_so(tmp_path: Path, text: str) -> None:
    for path in (tmp_path / "a.json", tmp_path / "b.yaml"):
        path.write_text(text)
        assert _fails(lambda path=path: load_data_file(path)) == f"{path}: empty file"
    assert load_data_file(tmp_path / "b.yaml", allow_empty=True) is None


def test_nesting_is_bounded_with_a_place() -> None:
    assert _fails(lambda: parse_yaml("a: " + "[" * 3000 + "]" * 3000, "deep.yaml")) == (
        "deep.yaml:1:103: invalid YAML: nested more than 100 levels deep"
    )
    assert _fails(lambda: parse_json("[" * 3000 + "]" * 3000, "deep.json")) == (
        "deep.json: invalid JSON: nested more than 100 levels deep"
    )
    assert _fails(lambda: parse_json("[" * 101 + "]" * 101, "deep.json")).endswith("nested more than 100 levels deep")
    assert parse_json("[" * 100 + "]" * 100, "ok.json") is not None


def test_integer_size_is_bounded_with_a_place() -> None:
    assert _fails(lambda: parse_yaml("a: 1\nb: " + "9" * 4301, "int.yaml")) == (
        "int.yaml:2:4: invalid YAML: integer with more than 4300 digits"
    )
    assert _fails(lambda: parse_json('{"b": ' + "9" * 4301 + "}", "int.json")) == (
        "int.json: invalid JSON: integer with more than 4300 digits"
    )
    assert parse_yaml("a: " + "9" * 4300, "ok.yaml") == {"a": int("9" * 4300)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!timestamp not-a-date\n", "t.yaml:1:4: invalid YAML: invalid date"),
        ("a: !!int 12x\n", "t.yaml:1:4: invalid YAML: invalid integer"),
        ("a: !!float abc\n", "t.yaml:1:4: invalid YAML: invalid number"),
        ("a: !!binary 'abc'\n", "t.yaml:1:4: invalid YAML: failed to decode base64 data: Incorrect padding"),
    ],
)
def test_explicit_tags_that_do_not_fit_their_text(text: str, message: str) -> None:
    assert _fails(lambda: parse_yaml(text, "t.yaml")) == message
