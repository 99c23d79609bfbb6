"""Examples for ``mipr rules explain``: a result of the rule, taken from a test case run in the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mipr_rules.errors import MiprRulesError
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.ruletest.runner import Runner, differences
from mipr_rules.ruletest.suite import SUFFIX


def find_tests_file(ruleset: Ruleset) -> Path | None:
    """``<file>.tests.yaml`` beside the ruleset's file, if there is one."""
    if not ruleset.path:
        return None
    path = Path(ruleset.path)
    candidate = path.with_name(path.name.removesuffix(path.suffix) + SUFFIX)
    return candidate if candidate.exists() else None


def example_for(ruleset: Ruleset, rule_id: str, runner: Runner) -> dict[str, Any] | None:
    """``{case, file, subject, message, facts}`` from the first test case expecting ``rule_id`` to fire
    (``runner``: a session's, ``Session.rule_tests()``)."""
    test_file = find_tests_file(ruleset)
    if test_file is None:
        return None
    try:
        suite = runner.load(test_file)
        for case in suite.cases:
            wanted = [e for e in case.case.expect if e.rule == rule_id and e.count != 0]
            if not wanted:
                continue
            for result, _ in runner.run_suite(suite, names={case.name}):
                hit = next((h for h in result.hits if not differences(wanted[0], h)), None)
                if hit is not None:
                    return {"case": case.name, "file": str(test_file), "subject": hit.subject,
                            "message": hit.message, "facts": dict(hit.facts)}
        return None
    except MiprRulesError:
        return None
