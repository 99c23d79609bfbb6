"""What the hostile-parameter corpora (``test_params_*.py``) share: running ``mipr`` in this process through
its own entry point, and judging and tallying each run.

``MIPR_HOSTILE_COUNT=1`` records outcomes instead of asserting and prints each corpus's tally, and
``MIPR_HOSTILE_SCALE`` scales the number of examples (bench use).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import click
from click.testing import CliRunner

COUNTING = bool(os.environ.get("MIPR_HOSTILE_COUNT"))
SCALE = float(os.environ.get("MIPR_HOSTILE_SCALE", "1"))


def examples(count: int) -> int:
    """``count`` scaled by ``MIPR_HOSTILE_SCALE`` (bench use: a sample of the corpus on slower code)."""
    return max(1, int(count * SCALE))


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args: tuple[str, ...]) -> None:
    from mipr_rules_cli.cli import main

    main(list(args))


def mipr(*args: str) -> tuple[int, str, str]:
    """``mipr ARGS`` through the CLI's own entry point (``main``), in this process."""
    result = CliRunner().invoke(_entry, list(args), env={"MIPR_RULES_WORKERS": "1", "NO_COLOR": "1"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 3, result.stdout, f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.stdout, result.stderr


def classify(code: int, err: str, expect: str, absent: str | None = None) -> str:
    """``clean``, ``internal`` or ``wrong`` for one run: a clean one exits 2 with one error line that holds
    ``expect`` (and not ``absent``, where given)."""
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 3 or "Traceback" in err or "internal error" in err:
        return "internal"
    if code != 2 or len(lines) != 1 or expect not in lines[0] or (absent is not None and absent in lines[0]):
        return "wrong"
    return "clean"


class Corpus:
    """One corpus's tally of outcomes; asserts each outcome clean unless ``MIPR_HOSTILE_COUNT`` is set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tally: Counter[str] = Counter()

    def record(self, outcome: str, detail: Any) -> None:
        """Count ``outcome``; fail with ``detail`` unless it is clean (or only counting)."""
        self.tally["tried"] += 1
        self.tally[outcome] += 1
        if not COUNTING:
            assert outcome == "clean", detail

    def check(self, code: int, err: str, expect: str, absent: str | None = None) -> None:
        """``record`` the ``classify`` of one run."""
        self.record(classify(code, err, expect, absent), (code, expect, err))

    def report(self) -> None:
        """Print the tally when only counting (after the module's tests)."""
        if COUNTING:
            print(f"\n{self.name} corpus: {dict(self.tally)}")
