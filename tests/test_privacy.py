"""The pseudonymisation key: none is built in; it comes from the environment, the provider configuration or
the user's own key file, made on first use; pseudonyms are stable under one key and no key in the source
tree reproduces them."""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.adapters.base import ReadContext
from mipr_rules.config import load_config
from mipr_rules.errors import ConfigError
from mipr_rules.privacy import KEY_ENV, default_key_path, default_pseudonym_key, pseudonym_key, pseudonymise

ROOT = Path(__file__).resolve().parents[1]
Run = Callable[..., subprocess.CompletedProcess[str]]
NHS_NUMBER = "9434765919"
"""A valid-format NHS number (the NHS's own test range)."""


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key configured: no environment variable, an empty user configuration directory of this test."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_first_use_makes_a_private_random_key_and_says_where(no_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = default_pseudonym_key()
    path = default_key_path()
    assert path == no_key / "mipr-rules" / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(rb"[0-9a-f]{64}", key), "32 random bytes as hex"
    notice = capsys.readouterr().err
    assert notice.count("\n") == 1 and str(path) in notice

    assert default_pseudonym_key() == key, "the same key on every later run"
    assert capsys.readouterr().err == "", "the notice is shown once, when the key is made"


def test_two_users_get_different_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    keys = []
    for user in ("a", "b"):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / user))
        keys.append(default_pseudonym_key())
    assert keys[0] != keys[1]


def test_the_environment_variable_wins_and_writes_nothing(no_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "provider secret from the environment")
    assert default_pseudonym_key() == b"provider secret from the environment"
    assert pseudonym_key(no_key / "absent.key") == b"provider secret from the environment"
    assert not no_key.exists()


def test_the_provider_configuration_names_a_key_file(no_key: Path, tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "provider.key").write_text("  a provider's own key, kept by them  \n")
    config_file = tmp_path / "provider.yaml"
    config_file.write_text("region: england-and-wales\npseudonym_key_file: keys/provider.key\n")
    config = load_config(config_file)
    assert config.pseudonym_key() == b"a provider's own key, kept by them"
    assert not no_key.exists(), "a configured key never creates the user's key file"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the pseudonymisation key file"),
        ("short", "pseudonymisation key file holds fewer than 16 characters"),
    ],
)
def test_a_bad_key_file_is_a_configuration_error_naming_it(
    no_key: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "provider.key").write_text(content)
    (tmp_path / "provider.yaml").write_text("pseudonym_key_file: provider.key\n")
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path / 'provider.key'}: {message}")):
        load_config(tmp_path / "provider.yaml").pseudonym_key()


def test_the_command_line_reports_a_missing_key_file_in_one_line(
    no_key: Path, tmp_path: Path, sample_json: Path, mipr: Run
) -> None:
    (tmp_path / "provider.yaml").write_text("pseudonym_key_file: missing.key\n")
    result = mipr("readiness", "--source", str(sample_json), "--config", str(tmp_path / "provider.yaml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "missing.key: cannot read the pseudonymisation key" in result.stderr
    assert not no_key.exists()


def test_the_first_command_line_run_makes_the_key_and_says_so_once(no_key: Path, sample_json: Path, mipr: Run) -> None:
    first = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--format", "json")
    assert first.returncode == 0, first.stderr
    path = no_key / "mipr-rules" / "pseudonym.key"
    assert [line for line in first.stderr.splitlines() if "pseudonymisation key" in line] == [
        f"mipr: created a pseudonymisation key in {path} (mode 0600); keep it: the same people get the same ids "
        f"only under the same key (or set {KEY_ENV} or pseudonym_key_file)"
    ]
    again = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--format", "json")
    assert again.returncode == 0 and "pseudonymisation key" not in again.stderr
    assert again.stdout == first.stdout


def test_the_api_has_no_implicit_key() -> None:
    with pytest.raises(TypeError, match="key"):
        ReadContext()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="key"):
        pseudonymise(NHS_NUMBER, "P", b"")


def test_pseudonyms_are_stable_for_one_key_and_differ_between_keys() -> None:
    one, other = ReadContext(key=b"provider one's key"), ReadContext(key=b"provider two's key")
    same = ReadContext(key=b"provider one's key")
    assert one.pseudonym(NHS_NUMBER) == one.pseudonym(f" {NHS_NUMBER} ") == same.pseudonym(NHS_NUMBER)
    assert one.pseudonym(NHS_NUMBER) != other.pseudonym(NHS_NUMBER)
    assert NHS_NUMBER not in one.pseudonym(NHS_NUMBER)


def _source_text() -> str:
    folders = ("mipr_rules", "adapters", "tests", "tools", "bench", "docs", "rulesets")
    files = [ROOT / name for name in ("cli.py", "README.md", "pyproject.toml", "tox.ini")]
    files += [p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file()]
    texts = []
    for path in files:
        if "__pycache__" in path.parts or path.suffix in {".docx", ".pyc"} or path.stat().st_size > 2_000_000:
            continue
        texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def candidate_keys(text: str) -> set[str]:
    """Every string that could be a key written in the source: quoted literals, words, hex runs and lines."""
    candidates = {m.group(2) for m in re.finditer(r"([\"'])((?:(?!\1).){1,200})\1", text)}
    candidates |= set(re.findall(r"[^\s\"'`]{4,200}", text))
    candidates |= set(re.findall(r"[0-9a-fA-F]{16,}", text))
    candidates |= {line.strip() for line in text.splitlines() if 0 < len(line.strip()) <= 200}
    return candidates


def test_no_key_in_the_source_tree_reproduces_the_default_pseudonyms(no_key: Path) -> None:
    if not (ROOT / "mipr_rules").is_dir():
        pytest.skip("needs the source tree")
    made = pseudonymise(NHS_NUMBER, "P", default_pseudonym_key())
    candidates = candidate_keys(_source_text())
    assert len(candidates) > 10_000, "the scan found the source tree"
    assert "mipr-rules tests only: never a provider's pseudonymisation key" in candidates, "quoted literals seen"
    reproduced = [c for c in candidates if pseudonymise(NHS_NUMBER, "P", c.encode()) == made]
    assert reproduced == []
