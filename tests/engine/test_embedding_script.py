"""The README's Python API example works however the embedding program is run: as a script without a main
guard, from ``python -c``, from standard input, and with an odd ``sys.executable`` (an embedded interpreter).

Engine workers are their own interpreters running a module of the package; they never re-import the
embedding program's ``__main__`` (which, under ``spawn``, made an unguarded script lose every location).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from mipr_rules.testing.contract import sample_path

EXPECTED_ALERTS = 23
"""The sample home's planted gaps, as of 2026-11-02."""


def readme_example(home: Path) -> str:
    """The README's "Python API" block, reading the sample home; no ``if __name__ == "__main__":``."""
    return textwrap.dedent(
        f"""
        import datetime as dt
        from mipr_rules.adapters.base import ReadContext
        from mipr_rules.privacy import default_pseudonym_key
        from mipr_rules.adapters.file_adapter import FileAdapter
        from mipr_rules.api import Session

        locations = FileAdapter().read({str(home)!r}, ReadContext(key=default_pseudonym_key()))
        with Session() as session:
            report = session.readiness(locations, as_of=dt.date(2026, 11, 2))
        for alert in report.alerts():
            print(alert.severity, alert.rule_id, alert.subject, alert.message, alert.source.title)
        """
    )


def _run(args: list[str], cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if k not in ("MIPR_RULES_PYTHON", "MIPR_RULES_WORKERS")}
    environment.update(env)
    return subprocess.run(
        args, input=stdin, capture_output=True, text=True, cwd=cwd, env=environment, timeout=120, check=False
    )


def _alerts(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_a_script_without_a_main_guard_prints_the_samples_alerts(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(readme_example(sample_path()) + "print('done', flush=True)\n", encoding="utf-8")
    lines = _alerts(_run([sys.executable, str(script)], tmp_path))
    assert lines[-1] == "done"  # the script ran once: a worker re-running it would print twice
    assert len(lines) - 1 == EXPECTED_ALERTS, lines


def test_python_dash_c_and_standard_input_print_the_samples_alerts(tmp_path: Path) -> None:
    code = readme_example(sample_path())
    assert len(_alerts(_run([sys.executable, "-c", code], tmp_path))) == EXPECTED_ALERTS
    assert len(_alerts(_run([sys.executable, "-"], tmp_path, stdin=code))) == EXPECTED_ALERTS


def test_a_host_binary_as_sys_executable_still_finds_a_python_for_the_workers(tmp_path: Path) -> None:
    """Embedded interpreters (uWSGI, mod_wsgi…) report their host binary; workers use this Python instead."""
    code = "import sys\nsys.executable = '/usr/sbin/uwsgi-host'\n" + readme_example(sample_path())
    assert len(_alerts(_run([sys.executable, "-c", code], tmp_path))) == EXPECTED_ALERTS


def test_a_python_that_cannot_run_workers_is_one_clear_error(tmp_path: Path) -> None:
    code = readme_example(sample_path())
    result = _run([sys.executable, "-c", code], tmp_path, MIPR_RULES_PYTHON=str(tmp_path / "no-python"))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mipr_rules.errors.EngineError: cannot start an engine worker")
    assert "no-python: No such file or directory" in last and "MIPR_RULES_PYTHON" in last
    broken = tmp_path / "python-without-mipr"
    broken.write_text("#!/bin/sh\nexec /bin/false\n", encoding="utf-8")
    broken.chmod(0o755)
    result = _run([sys.executable, "-c", code], tmp_path, MIPR_RULES_PYTHON=str(broken))
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("mipr_rules.errors.EngineError: engine workers could not start"), result.stderr
    assert "exit code 1" in last and "MIPR_RULES_PYTHON" in last
