"""One run of rule tests, as ``mipr rules test`` and the pytest plugin do it: find, load, run, cover."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pluggy

from mipr_rules import plugins
from mipr_rules.errors import RulesetError
from mipr_rules.loading import read_text
from mipr_rules.presentation.progress import Tracker
from mipr_rules.ruletest.coverage import CoverageCollector
from mipr_rules.ruletest.keyword import Matcher
from mipr_rules.ruletest.report import RunReport
from mipr_rules.ruletest.runner import CaseResult, Runner
from mipr_rules.ruletest.suite import SUFFIX, Suite, find_test_files


def installed_test_files(pm: pluggy.PluginManager | None = None) -> list[Path]:
    """The test files beside every installed ruleset (``<name>.tests.yaml`` next to ``<name>.yaml``)."""
    found: list[Path] = []
    for path in plugins.ruleset_paths(pm):
        if path.is_dir():
            found += sorted(path.glob(f"*{SUFFIX}"))
        else:
            sibling = path.with_name(path.name.removesuffix(path.suffix) + SUFFIX)
            if sibling.exists():
                found.append(sibling)
    return list(dict.fromkeys(found))


_RULESET_LINE = re.compile(r"""^ruleset[ \t]*:[ \t]*['"]?([a-z0-9][a-z0-9_.-]*)['"]?[ \t]*(?:#.*)?$""", re.MULTILINE)


def _may_test(path: Path, ruleset_ids: Collection[str]) -> bool:
    """Whether the test file at ``path`` may hold cases of ``ruleset_ids``: its top-level ``ruleset:`` line
    names one of them, or it has no such plain line (then it is loaded, and checked, to find out)."""
    try:
        found = _RULESET_LINE.findall(read_text(path, RulesetError))
    except RulesetError:
        return True  # loading it reports the problem
    return len(found) != 1 or found[0] in ruleset_ids


def run_tests(runner: Runner, paths: Collection[Path] = (), *, ruleset_ids: Collection[str] = (),
              select: Matcher | None = None, coverage: bool = False, threshold: float | None = None,
              tracker: Tracker | None = None) -> RunReport:
    """Load every test file (all of them first: a bad file stops the run with ``file:line``), then run them.

    With no ``paths``, the test files of every installed ruleset run, and coverage counts every installed
    ruleset, tested or not. ``tracker`` (``mipr_rules.presentation.progress``) counts the cases run.
    """
    files = find_test_files(list(paths)) if paths else installed_test_files(runner.pm)
    if ruleset_ids and not paths:  # only the files that may test them are loaded
        files = [f for f in files if _may_test(f, ruleset_ids)]
    suites: list[Suite] = [runner.load(f) for f in files]
    if ruleset_ids:
        suites = [s for s in suites if s.ruleset_id in ruleset_ids]
    observe = coverage or threshold is not None
    collector = CoverageCollector()
    if observe and not paths:
        for ruleset in runner.catalogue.rulesets:
            if not ruleset_ids or ruleset.id in ruleset_ids:
                collector.ruleset(ruleset)
    cases: list[CaseResult] = []
    if tracker is not None:
        tracker.total(sum(len(suite.cases) for suite in suites))
    for suite in suites:
        for case in suite.cases:
            if observe:
                collector.ruleset(case.ruleset)
        for result, observation in runner.run_suite(suite, select=select, observe=observe):
            cases.append(result)
            if tracker is not None:
                tracker.advance()
            if observation is not None:
                collector.add(observation)
    return RunReport(tuple(cases), tuple(collector.results()) if observe else None, threshold)
