"""The terminal: colour and width detected as rich does (NO_COLOR honoured), progress bars on a terminal's
standard error only, never in JSON output nor when it is not a terminal. Real pseudo-terminals, no mocks."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

HOUSE_TESTS = (Path(__file__).parents[2] / "plugins" / "house-rules" / "mipr_rules_rulesets_house_example"
               / "rulesets" / "sunrise-care-house-rules.tests.yaml")


def mipr_executable() -> str:
    """The ``mipr`` of the interpreter running the tests."""
    return str(Path(sys.executable).parent / "mipr")


COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|38;[25];[0-9;]+|9[0-7])m")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES",
                                                            "MIPR_RULES_NO_PROGRESS")}
    env.update(TERM="xterm-256color", MIPR_RULES_WORKERS="1", **extra)
    return env


def run_on_pty(args: list[str], stream: str, env: dict[str, str], columns: int = 150) -> tuple[int, str, str]:
    """Run ``mipr args`` with ``stream`` (``stdout`` or ``stderr``) on a pseudo-terminal ``columns`` wide;
    returns the exit code, what the terminal received and the other stream."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    on_pty = stream == "stdout"
    child = subprocess.Popen([mipr_executable(), *args], stdin=subprocess.DEVNULL, env=env,
                             stdout=slave if on_pty else subprocess.PIPE, stderr=subprocess.PIPE if on_pty else slave)
    os.close(slave)
    received = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    other = (child.stderr if stream == "stdout" else child.stdout)
    rest = ""
    if other is not None:
        with other:
            rest = other.read().decode()
    code = child.wait(timeout=300)
    os.close(master)
    return code, received.decode(errors="replace"), rest


def test_a_terminal_gets_colour_and_its_own_width() -> None:
    code, shown, _ = run_on_pty(["demo"], "stdout", _env(), columns=150)
    assert code == 0
    assert COLOUR.search(shown)
    rule = next(line for line in re.sub(r"\x1b\[[0-9;]*m", "", shown).splitlines() if "Sunrise House (1-" in line)
    assert len(rule.rstrip()) == 150


def test_no_color_is_honoured_on_a_terminal() -> None:
    code, shown, _ = run_on_pty(["demo"], "stdout", _env(NO_COLOR="1"))
    assert code == 0 and "Do first" in shown
    assert not COLOUR.search(shown)


def test_a_pipe_gets_plain_text_110_columns_wide() -> None:
    done = subprocess.run([mipr_executable(), "demo"], capture_output=True, text=True, env=_env(), timeout=300,
                          check=False)
    assert done.returncode == 0 and "\x1b[" not in done.stdout
    rule = next(line for line in done.stdout.splitlines() if "Sunrise House (1-" in line)
    assert len(rule) == 110


def test_rule_tests_show_a_progress_bar_on_a_terminal_stderr_only() -> None:
    code, bar, out = run_on_pty(["rules", "test", str(HOUSE_TESTS)], "stderr", _env())
    assert code == 0, out
    assert "Rule test cases" in bar and "4/4" in bar and "left" in bar
    assert "Rule test cases" not in out


def test_no_progress_bar_with_json_output_or_without_a_terminal() -> None:
    code, bar, out = run_on_pty(["rules", "test", str(HOUSE_TESTS), "--format", "json"], "stderr", _env())
    assert code == 0 and "Rule test cases" not in bar and out.lstrip().startswith("{")
    done = subprocess.run([mipr_executable(), "rules", "test", str(HOUSE_TESTS)], capture_output=True, text=True,
                          env=_env(), timeout=300, check=False)
    assert done.returncode == 0 and done.stderr == ""


def test_a_watch_sweep_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    from mipr_rules.samples import sample_path

    args = ["watch", "--once", "--source", str(sample_path()), "--store", str(tmp_path / "alerts.db"),
            "--as-of", "2026-11-02"]
    code, bar, out = run_on_pty(args, "stderr", _env(XDG_CONFIG_HOME=str(tmp_path)))
    assert code == 0, bar
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", bar)
    assert "Watch sweep: locations" in shown and "1/?" in shown  # one location evaluated, total not known
    assert "Watch sweep" not in out
