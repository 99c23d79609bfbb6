"""Safe loading of JSON and YAML files: bounded, alias-free, and every error one line with file:line."""

from __future__ import annotations

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
    assert (
        _fails(lambda: load_data_file(tmp_path / "nope.json")) == f"{tmp_path / 'nope.json'}: file not found"
    )


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
    assert _fails(lambda: parse_json('{\n  "a": 1,\n}', "home.json")).startswith(
        "home.json:3:1: invalid JSON"
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_numbers_are_refused(constant: str) -> None:
    assert f"{constant} is not allowed" in _fails(lambda: parse_json(f'{{"beds": {constant}}}', "home.json"))


def test_the_error_class_follows_the_caller(tmp_path: Path) -> None:
    _fails(lambda: load_data_file(tmp_path / "provider.yaml", ConfigError), ConfigError)
