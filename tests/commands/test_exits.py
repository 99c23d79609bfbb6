"""Errors become exit codes in one place (``mipr_rules.commands.exits``), for every command, a plugin's included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from mipr_rules_cli.cli import cli

from mipr_rules.errors import EvaluationIncomplete, InputError


@pytest.fixture
def raising() -> Iterator[None]:
    """Commands the way a plugin adds them: they raise and never print errors themselves."""

    @click.command("raise-input")
    def raise_input() -> None:
        raise InputError("home.json:3: expected a date @ $.people[0].born\nsecond line never shown")

    @click.command("raise-incomplete")
    def raise_incomplete() -> None:
        raise EvaluationIncomplete([("1-000000001", "engine worker died")], total=2)

    cli.add_command(raise_input)
    cli.add_command(raise_incomplete)
    yield
    cli.commands.pop("raise-input")
    cli.commands.pop("raise-incomplete")


def test_bad_input_is_one_line_and_exit_2(raising: None) -> None:
    result = CliRunner().invoke(cli, ["raise-input"])
    assert result.exit_code == 2
    assert result.output == "mipr: error: home.json:3: expected a date @ $.people[0].born\n"


def test_an_incomplete_evaluation_is_exit_3(raising: None) -> None:
    result = CliRunner().invoke(cli, ["raise-incomplete"])
    assert result.exit_code == 3
    assert result.output.startswith("mipr: error: evaluation incomplete: 1 of 2 not evaluated: 1-000000001")


def test_the_installed_command_maps_them_too(tmp_path: Path) -> None:
    # cwd: not the source tree, whose mipr_rules/ would shadow the installed package under ``python -c``
    done = subprocess.run([sys.executable, "-c", "from mipr_rules_cli.cli import main; main()", "readiness",
                           "--source", "/nonexistent/home.json"], capture_output=True, text=True, timeout=120,
                          check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("mipr: error: /nonexistent/home.json") and "Traceback" not in done.stderr
