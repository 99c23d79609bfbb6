"""A bad rule is a ``RulesetError`` with structured fields; loading rulesets never imports the engine."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.loader import load_ruleset

TEXT = """\
id: test-rules
version: 1.0.0
framework: SAF_2024_12
title: Rules written by a test
kind: readiness
effective_from: 2024-12-01
sources: [{id: src, title: A source}]
rules:
  - id: fine
    title: fine
    source: src
    fact: care_plan
    when: [{days_since_review: {gt: 30}}]
    message: ok
  - id: broken
    title: broken
    source: src
    fact: care_plan
    when:
      - days_since_review: {gt: 30}
      - status: {resembles: open}
    message: never
"""


def test_a_bad_operator_names_file_line_rule_and_path(write_ruleset: Callable[[str, str], Path]) -> None:
    path = write_ruleset(TEXT, "rules.yaml")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path)
    error = raised.value
    assert (error.rule_id, error.where, error.line) == ("broken", "$.rules[1].when[1].status.resembles", 21)
    assert str(error).startswith(f"{path}:21: rule broken: when[1].status.resembles: unknown operator 'resembles'")


def test_a_schema_error_has_its_path_and_line(write_ruleset: Callable[[str, str], Path]) -> None:
    path = write_ruleset(TEXT.replace("severity", "x").replace("  - id: fine\n", "  - id: fine\n    severity: 3\n"),
                         "rules.yaml")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(path)
    assert raised.value.where == "$.rules[0].severity" and raised.value.line == 10


def test_loading_every_shipped_ruleset_imports_no_engine_module(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from mipr_rules.ruleset.catalogue import Catalogue\n"
        "assert Catalogue.installed().rulesets\n"
        "print(sorted(m for m in sys.modules if m.startswith('mipr_rules.engine') or m.startswith('durable')))\n"
    )
    # cwd: an empty directory; not the source tree, whose mipr_rules/ would shadow the installed package under
    # ``python -c``, nor a shared one such as /tmp, whose stray modules (a types.py) would shadow the standard library
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          cwd=tmp_path)
    assert done.stdout.strip() == "[]"
