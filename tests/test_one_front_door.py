"""Issue 15: no set-up sequence outside ``mipr_rules.api``.

Only ``mipr_rules.api.Session`` builds an engine evaluator or loads the installed ruleset catalogue; the
functions below it (``run_readiness``, ``run_timeline``, ``assess_eligibility``, ``rate``, ``review_file``,
``verify_record``, the rule-test runner, the watch service...) take them as arguments. This scans the
library's source (the core, the adapters and the plugins, not their tests) for a call that builds either.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "mipr_rules/api.py": {"Evaluator(", "Catalogue.installed("},  # the front door itself
    "mipr_rules/ruleset/catalogue.py": {"Catalogue.installed("},  # the catalogue's own constructor
    # A rule-test file names its ruleset; a runner supplies its session's catalogue, and only ``mipr rules
    # lint``, which checks a test file without running it, lets the checker load the installed one.
    "mipr_rules/ruletest/suite.py": {"Catalogue.installed("},
}


def set_up_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of every ``Evaluator(...)`` and ``Catalogue.installed(...)`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name == "Evaluator":
            found.append((node.lineno, "Evaluator("))
        elif name == "installed" and isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "Catalogue":
            found.append((node.lineno, "Catalogue.installed("))
    return found


def library_files() -> list[Path]:
    """The core (outside the engine, which defines the evaluator), the adapters' and the plugins' packages."""
    core = [p for p in (ROOT / "mipr_rules").rglob("*.py") if "engine" not in p.relative_to(ROOT).parts[1:2]]
    packages = [
        p
        for folder in ("adapters", "plugins")
        for p in (ROOT / folder).glob("*/*/**/*.py")
        if "tests" not in p.relative_to(ROOT).parts and p.parent.name != "build"
    ]
    return sorted(core + packages)


def test_the_scan_finds_a_set_up_outside_the_front_door() -> None:
    planted = "from x import Evaluator, Catalogue\nengine = Evaluator(processes=1)\nc = Catalogue.installed(pm)\n"
    assert set_up_calls(planted) == [(2, "Evaluator("), (3, "Catalogue.installed(")]
    assert set_up_calls("evaluator.run(compiled, items)\ncatalogue.get('x')\n") == []


def test_only_the_api_builds_an_evaluator_or_loads_the_installed_catalogue() -> None:
    files = library_files()
    assert any(p.name == "readiness.py" for p in files) and any("mipr_rules_celery" in p.parts for p in files)
    offending = []
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED.get(where, set())
        offending += [
            f"{where}:{line}: {call}"
            for line, call in set_up_calls(path.read_text(encoding="utf-8"))
            if call not in allowed
        ]
    assert not offending, "set-up outside mipr_rules.api (take it as an argument, or go through Session):\n" + (
        "\n".join(offending)
    )
