"""Changing any one parameter of a shipped ruleset makes at least one of its test cases fail.

Each parameter is moved just past its default in turn (±1 for numbers, each list item dropped, each mapping
entry ±1, booleans flipped, strings changed; within its minimum and maximum), and the ruleset's own test
cases run against the changed ruleset through the engine. A mutation no case notices is a threshold whose
boundary no test pins down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruletest.examples import find_tests_file
from mipr_rules.ruletest.mutate import Mutation, mutations
from mipr_rules.ruletest.runner import Runner
from mipr_rules.ruletest.suite import Suite

UNUSED: dict[tuple[str, str], str] = {}
"""Parameters nothing reads, so no test can notice a change: reported to the ruleset's author."""


def _params() -> Iterator[Any]:
    for ruleset in sorted(Catalogue.installed().rulesets, key=lambda r: (r.id, r.version)):
        for mutation in mutations(ruleset):
            marks = []
            if (ruleset.id, mutation.parameter) in UNUSED:
                marks.append(pytest.mark.xfail(strict=True, reason=UNUSED[(ruleset.id, mutation.parameter)]))
            yield pytest.param(mutation, id=f"{ruleset.id}:{mutation.description}", marks=marks)


_SUITES: dict[str, Suite] = {}


def _suite(runner: Runner, mutation: Mutation) -> Suite:
    ruleset = mutation.ruleset
    if ruleset.id not in _SUITES:
        path = find_tests_file(ruleset)
        assert path is not None, f"ruleset {ruleset.id} has no test file ({ruleset.path})"
        _SUITES[ruleset.id] = runner.load(path)
    return _SUITES[ruleset.id]


def test_every_shipped_ruleset_has_test_cases() -> None:
    missing = [r.id for r in Catalogue.installed().rulesets if find_tests_file(r) is None]
    assert not missing, f"rulesets without a <id>.tests.yaml: {', '.join(missing)}"


@pytest.mark.parametrize("mutation", list(_params()))
def test_changing_one_parameter_fails_a_test_case(runner: Runner, mutation: Mutation) -> None:
    suite = _suite(runner, mutation)
    results = [result for result, _ in runner.run_suite(suite, ruleset=mutation.ruleset)]
    assert results, f"{suite.path} has no case for {mutation.ruleset.id}"
    assert any(r.status == "failed" for r in results), (
        f"{mutation.ruleset.id}: {mutation.description}: all {len(results)} cases still pass"
    )
    assert not [r for r in results if r.status == "error"], "a case could not run under the mutation"


def test_the_unmutated_rulesets_pass_their_own_cases(runner: Runner) -> None:
    for ruleset in Catalogue.installed().rulesets:
        path = find_tests_file(ruleset)
        if path is None:
            continue
        results = [result for result, _ in runner.run_suite(runner.load(path))]
        failing = [line for r in results for line in r.lines()]
        assert not failing, "\n".join(failing)
