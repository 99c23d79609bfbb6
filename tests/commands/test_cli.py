"""The ``mipr`` command line, as users run it: exit codes 0/1/2, one-line errors, never a traceback.

Most tests run the installed ``mipr`` in a child process (what a user or a CI job sees); the cheaper
error paths call ``cli.main`` in this process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mipr_rules
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.samples.generate import PLANTED_GAPS, generate_home

Run = Callable[..., subprocess.CompletedProcess[str]]


def _error_line(result: subprocess.CompletedProcess[str] | tuple[int, str, str]) -> str:
    code, stderr = (
        (result.returncode, result.stderr)
        if isinstance(result, subprocess.CompletedProcess)
        else (result[0], result[2])
    )
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    return lines[0]


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """``mipr ARGS`` in this process: (exit code, stdout, stderr)."""
    from mipr_rules_cli.cli import main

    monkeypatch.setenv("MIPR_RULES_WORKERS", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args))
        out, err = capsys.readouterr()
        return int(info.value.code or 0), out, err

    return run


@pytest.fixture(scope="module")
def clean_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample home with no gap planted."""
    path = tmp_path_factory.mktemp("clean") / "clean.json"
    path.write_text(json.dumps(generate_home(dt.date(2026, 11, 2), planted_gaps=False)))
    return path


def test_version(mipr: Run) -> None:
    result = mipr("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mipr, version {mipr_rules.__version__}"


def test_help_lists_the_verbs(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for verb in ("readiness", "demo", "rules", "plugins", "adapters"):
        assert re.search(rf"^\s+{verb}\s", out, re.MULTILINE), verb


def test_demo_names_the_planted_gaps_grouped_by_quality_statement(mipr: Run, cqc_ruleset: Ruleset) -> None:
    result = mipr("demo")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    heading = re.compile(r"^(Safe|Effective|Caring|Responsive|Well-led) · ([SECRW]\d+) \S")
    current: str | None = None
    placed: dict[str, str] = {}
    for line in result.stdout.splitlines():
        match = heading.match(line)
        if match:
            current = match.group(2)
            continue
        rule_line = re.match(r"^\s+([a-z_]+) · ", line)
        if rule_line and current:
            placed[rule_line.group(1)] = current
    assert set(placed) == {rule for rule, _ in PLANTED_GAPS}
    for rule, statement in placed.items():
        assert cqc_ruleset.rule(rule).maps_to.quality_statement == statement, rule
    assert f"{len(PLANTED_GAPS)} alerts" in result.stdout
    assert "as of 2 November 2026" in result.stdout  # UK dates for people


def test_demo_as_json(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("demo", "--format", "json")
    assert code == 0
    (location,) = json.loads(out)["locations"]
    assert sorted((a["rule"], a["subject"]) for a in location["alerts"]) == sorted(PLANTED_GAPS)


# --- exit codes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fail_on", "expected"), [(None, 0), ("critical", 1)])
def test_readiness_exit_code_follows_fail_on(
    cli: Callable[..., tuple[int, str, str]], sample_json: Path, fail_on: str | None, expected: int
) -> None:
    args = ["readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--format", "json"]
    code, out, err = cli(*args, *(["--fail-on", fail_on] if fail_on else []))
    assert code == expected, err
    assert json.loads(out)["summary"]["alerts"] == len(PLANTED_GAPS)


def test_readiness_with_nothing_at_or_above_fail_on_exits_0(mipr: Run, clean_home: Path) -> None:
    result = mipr("readiness", "--source", str(clean_home), "--as-of", "2026-11-02", "--fail-on", "info")
    assert result.returncode == 0, result.stderr
    assert "0 alerts" in result.stdout


# --- bad usage and bad input: exit 2, one line, no traceback ---------------------------------------------


def test_a_missing_file(mipr: Run, tmp_path: Path) -> None:
    line = _error_line(mipr("readiness", "--source", str(tmp_path / "nope.json"), "--as-of", "2026-11-02"))
    assert line == f"mipr: error: {tmp_path / 'nope.json'}: file not found"


@pytest.mark.parametrize("date", ["2026-13-02", "02/11/2026", "yesterday"])
def test_a_bad_date(mipr: Run, sample_json: Path, date: str) -> None:
    line = _error_line(mipr("readiness", "--source", str(sample_json), "--as-of", date))
    assert "--as-of" in line and date in line and "YYYY-MM-DD" in line


def test_wrong_typed_data(mipr: Run, sample_json: Path, tmp_path: Path) -> None:
    data = json.loads(sample_json.read_text())
    data["staff"][3]["dbs"]["issued"] = "14/13/2020"
    path = tmp_path / "home.json"
    path.write_text(json.dumps(data))
    line = _error_line(mipr("readiness", "--source", str(path), "--as-of", "2026-11-02"))
    assert line == f"mipr: error: {path}: expected date (YYYY-MM-DD) @ $.staff[3].dbs.issued"
    assert "14/13/2020" not in line


def test_a_malformed_ruleset_file(mipr: Run, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nversion: [1\n")
    line = _error_line(mipr("rules", "lint", str(path)))
    assert re.match(rf"{re.escape(str(path))}:3(:1)?: error: invalid YAML", line), line


def _fake_plugin(root: Path, module: str, source: str) -> None:
    (root / f"{module}.py").write_text(source)
    info = root / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[mipr_rules]\n{module} = {module}\n")


def _env_with(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG")}
    env.update(NO_COLOR="1", COLUMNS="200", MIPR_RULES_WORKERS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


def test_a_malformed_ruleset_from_a_plugin(mipr: Run, sample_json: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "pack.yaml").write_text("id: pack\nversion: 1.0.0\nrules: {oops\n")
    _fake_plugin(
        tmp_path,
        "ruleset_pack",
        "from mipr_rules import hookimpl\n\n@hookimpl\n"
        f"def mipr_ruleset_paths():\n    return [{str(rules)!r}]\n",
    )
    result = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", env=_env_with(tmp_path))
    line = _error_line(result)
    assert line.startswith(f"mipr: error: {rules / 'pack.yaml'}:")
    assert "invalid YAML" in line


def test_a_plugin_with_a_misspelt_hook(mipr: Run, tmp_path: Path) -> None:
    _fake_plugin(
        tmp_path,
        "misspelt_plugin",
        "from mipr_rules import hookimpl\n\n@hookimpl\ndef mipr_register_adapter(register):\n    pass\n",
    )
    line = _error_line(mipr("adapters", env=_env_with(tmp_path)))
    assert line.startswith("mipr: error: ")
    assert "mipr_register_adapter" in line and "misspelt_plugin" in line


def test_a_plugin_that_does_not_import(mipr: Run, tmp_path: Path) -> None:
    _fake_plugin(tmp_path, "broken_plugin", "import a_dependency_that_is_not_installed\n")
    line = _error_line(mipr("adapters", env=_env_with(tmp_path)))
    assert line.startswith("mipr: error: ")
    assert "broken_plugin" in line and "a_dependency_that_is_not_installed" in line


def test_a_bad_configuration(
    cli: Callable[..., tuple[int, str, str]], sample_json: Path, tmp_path: Path
) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text("parameters:\n  cqc-readiness:\n    care_plan_reveiw_days: 50\n")
    line = _error_line(
        cli("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--config", str(config))
    )
    assert line.startswith(f"mipr: error: {config}: parameters.cqc-readiness.care_plan_reveiw_days:")
    assert "did you mean 'care_plan_review_days'?" in line


def test_a_configuration_changes_the_result(
    cli: Callable[..., tuple[int, str, str]], sample_json: Path, tmp_path: Path
) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text("parameters:\n  cqc-readiness:\n    care_plan_review_days: 50\n")
    code, out, err = cli(
        "readiness",
        "--source",
        str(sample_json),
        "--as-of",
        "2026-11-02",
        "--config",
        str(config),
        "--format",
        "json",
    )
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    assert document["parameters"]["care_plan_review_days"] == 50
    rules = {a["rule"] for a in document["locations"][0]["alerts"]}
    assert "care_plan_review_overdue" not in rules
    assert len(rules) == len({r for r, _ in PLANTED_GAPS}) - 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--adapter", "nope"], ("mipr: error: no adapter named 'nope'; installed: ", "file")),
        (["--format", "pdf"], ("mipr: error: no output format 'pdf'; installed: ", "json")),
    ],
)
def test_unknown_names_are_one_line_listing_what_is_installed(
    cli: Callable[..., tuple[int, str, str]], sample_json: Path, args: list[str], expected: tuple[str, str]
) -> None:
    line = _error_line(cli("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", *args))
    prefix, builtin = expected
    assert line.startswith(prefix)
    assert builtin in line.removeprefix(prefix).split(", ")  # other installed plugins may be listed too


def test_lenient_mode_reports_the_skips(
    cli: Callable[..., tuple[int, str, str]], sample_json: Path, tmp_path: Path
) -> None:
    good = json.loads(sample_json.read_text())
    bad = dict(good, location_id="1-000000002", beds="Mrs-Secret")
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([good, bad]))
    code, out, err = cli(
        "readiness", "--source", str(path), "--as-of", "2026-11-02", "--lenient", "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert [loc["location_id"] for loc in document["locations"]] == ["1-000000001"]
    assert document["skipped"] == [
        {"record_type": "locations", "count": 1, "reasons": [f"{path}: expected integer, got str @ $[1].beds"]}
    ]
    assert "Mrs-Secret" not in out + err


def test_lint_names_the_line_and_suggests_the_field(
    cli: Callable[..., tuple[int, str, str]], cqc_ruleset: Ruleset, tmp_path: Path
) -> None:
    text = Path(cqc_ruleset.path).read_text()
    original = "      - days_since_review: {gt: $risk_assessment_review_days}"
    assert original in text
    line_number = text[: text.index(original)].count("\n") + 1
    path = tmp_path / "typo.yaml"
    path.write_text(text.replace(original, original.replace("days_since_review", "days_since_reveiw")))
    code, _, err = cli("rules", "lint", str(path))
    assert code == 2
    assert f"{path}:{line_number}: error: " in err
    assert "did you mean 'days_since_review'?" in err
    assert "Traceback" not in err


def test_the_shipped_readiness_ruleset_lints_clean(
    cli: Callable[..., tuple[int, str, str]], cqc_ruleset: Ruleset
) -> None:
    code, _, err = cli("rules", "lint", cqc_ruleset.path)
    assert code == 0, err
    assert "error" not in err
