"""Hostile rulesets through ``mipr rules lint`` and ``mipr rules test``, in-process, as the CLI runs them.

Generated rulesets start from a small valid one and carry one known defect (ids of any size and
character, conditions nested deep, non-finite or huge numbers, regexes past the engine's grammar limits,
costly templates, parameter declarations of the wrong shape) or none. Lint must exit 0 on the valid
ones and 2 on the defective ones, every line naming the file, never a traceback, never exit 3.

``MIPR_HOSTILE_COUNT=1`` records outcomes instead of asserting and prints the tally, and
``MIPR_HOSTILE_SCALE`` scales the number of examples (bench use).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from params_support import Corpus, examples, mipr

CORPUS = Corpus("ruleset")
SETTINGS = settings(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate])


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    CORPUS.report()


def base() -> dict[str, Any]:
    return {
        "id": "hostile", "version": "1.0", "framework": "SAF_2024_12", "title": "Hostile", "kind": "readiness",
        "effective_from": "2024-01-01",
        "sources": [{"id": "src", "title": "A source", "url": "https://www.legislation.gov.uk/"}],
        "parameters": {"review_days": {"default": 28, "unit": "days", "minimum": 1, "maximum": 1826,
                                       "source": "src", "description": "Days"}},
        "rules": [{"id": "overdue", "title": "Overdue", "fact": "care_plan", "source": "src",
                   "message": "Plan {subject} not reviewed in {review_days} days",
                   "when": [{"days_since_review": {"gt": "$review_days"}}]}],
    }


def nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"active": True}
    for _ in range(depth):
        condition = {"any": [condition, {"reviewed": False}]}
    return condition


def deep_text(depth: int) -> str:
    """The base ruleset as YAML text with ``any:`` groups nested ``depth`` deep (too deep to dump)."""
    flow = "{active: true}"
    for _ in range(depth):
        flow = "{any: [" + flow + ", {reviewed: false}]}"
    text = yaml.safe_dump(base(), width=10**9)
    return text.replace("- days_since_review:", f"- {flow}\n  - days_since_review:", 1)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@st.composite
def hostile(draw: st.DrawFn) -> tuple[dict[str, Any] | str, bool]:
    """(ruleset data or raw text, whether it is valid)."""
    data = base()
    rule = data["rules"][0]
    kind = draw(st.sampled_from(["valid", "id", "huge-id", "nesting", "number", "pattern", "template",
                                 "parameter", "raw"]))
    if kind == "valid":
        rule["when"].append(nested(draw(st.integers(0, 8))))
        rule["message"] = draw(st.sampled_from(["{subject:>20}", "{subject!r}", "{{literal}} {person}", ""]))
        return data, True
    if kind == "id":
        value = draw(_TEXT)
        valid = re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", value) is not None and len(value) <= 100
        target = draw(st.sampled_from(["ruleset", "rule"]))
        (data if target == "ruleset" else rule)["id"] = value
        return data, valid
    if kind == "huge-id":
        (data if draw(st.booleans()) else rule)["id"] = "a" * draw(st.integers(101, 20_000))
        return data, False
    if kind == "nesting":
        return deep_text(draw(st.integers(9, 200))), False
    if kind == "number":
        number: float = draw(st.one_of(st.sampled_from([math.inf, -math.inf, math.nan]),
                               st.integers(10**16, 10**300), st.integers(-(10**300), -(10**16))))
        rule["when"] = [{"days_since_review": {draw(st.sampled_from(["gt", "lt", "eq", "gte"])): number}}]
        return data, False
    if kind == "pattern":
        pattern = draw(st.one_of(
            st.integers(21, 400).map(lambda n: ".*" * n),
            st.integers(11, 300).map(lambda n: "(" * n + "a" + ")" * n),
            st.integers(201, 1000).map(lambda n: "x" * n),
            st.sampled_from(["(a*)*", "(.*)*(.*)*", "a{1000}", "\\d+", "((a)*b)+", "(ab", "a)"]),
        ))
        rule["when"] = [{"subject": {"matches": pattern}}]
        return data, False
    if kind == "template":
        rule["message"] = draw(st.one_of(
            st.integers(101, 10**12).map(lambda n: f"{{subject:>{n}}}"),
            st.integers(101, 10**12).map(lambda n: f"{{subject:.{n}}}"),
            st.integers(0, 10**9).map(lambda n: f"{{subject[{n}]}}"),
            st.sampled_from(["{subject.__class__}", "{}", "{0}", "{subject:{review_days}}", "{subject!a}", "{",
                             "}", "{subject"]),
            st.integers(4001, 6000).map(lambda n: "x" * n),
        ))
        return data, False
    if kind == "parameter":
        declaration = draw(st.one_of(
            st.fixed_dictionaries({"default": st.sampled_from([math.inf, math.nan, -5, 10**20]),
                                   "minimum": st.just(0), "maximum": st.just(100)}),
            st.fixed_dictionaries({"default": st.integers(0, 5), "type": st.sampled_from(["integer"]),
                                   "items": st.sampled_from(["string", "integer", "list"])}),
            st.fixed_dictionaries({"default": st.just([[1, 2]]), "type": st.just("list"),
                                   "items": st.sampled_from(["string", "integer"])}),
            st.fixed_dictionaries({"default": st.just({"a": "soon"}), "type": st.just("mapping"),
                                   "items": st.just("integer")}),
            st.fixed_dictionaries({"default": st.just(5), "minimum": st.just(10), "maximum": st.just(1)}),
            st.fixed_dictionaries({"default": st.just(5), "type": st.text(max_size=10).filter(
                lambda t: t not in ("integer", "number"))}),
        ))
        data["parameters"]["extra"] = {"description": "x", **declaration}
        return data, False
    text = draw(st.one_of(
        st.integers(41, 400).map(lambda n: "a: " + "[" * n + "]" * n + "\n"),
        st.integers(41, 200).map(lambda n: "".join(f"{'  ' * i}k:\n" for i in range(n)) + "  " * n + "v\n"),
        _TEXT.map(lambda t: yaml.safe_dump({"id": t})),
        st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
    ))
    return text, False


def lint(folder: Path, item: dict[str, Any] | str) -> tuple[Path, int, str, str]:
    path = folder / "hostile.yaml"
    text = item if isinstance(item, str) else yaml.safe_dump(item, allow_unicode=True, width=10**9)
    path.write_text(text, encoding="utf-8")
    (folder / "hostile.tests.yaml").unlink(missing_ok=True)
    code, out, err = mipr("rules", "lint", str(path))
    return path, code, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rulesets")


@settings(SETTINGS, max_examples=examples(1000))
@given(case=hostile())
def test_lint_refuses_hostile_rulesets_in_one_line_each(folder: Path, case: tuple[Any, bool]) -> None:
    item, valid = case
    path, code, out, err = lint(folder, item)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    if code == 3 or "Traceback" in err or "internal error" in err:
        outcome = "internal"
    elif (code != (0 if valid else 2) or not all(line.startswith(str(path)) for line in lines)
          or any(len(line) > 2000 for line in lines)):
        outcome = "wrong"
    else:
        outcome = "clean"
    CORPUS.record(outcome, (code, valid, err[:500]))


def _write_case(folder: Path, ruleset: dict[str, Any] | str) -> Path:
    text = ruleset if isinstance(ruleset, str) else yaml.safe_dump(ruleset, width=10**9)
    (folder / "hostile.yaml").write_text(text, encoding="utf-8")
    tests = folder / "hostile.tests.yaml"
    tests.write_text(yaml.safe_dump({
        "ruleset": "hostile", "as_of": "2026-11-02",
        "cases": [{"name": "overdue", "given": {"inline": {"location_id": "1-T", "name": "T", "people": [
            {"person_id": "P1", "admitted": "2020-01-01",
             "care_plans": [{"plan_id": "C1", "created": "2025-01-01", "last_reviewed": "2026-01-01"}]}]}},
                   "expect": [{"rule": "overdue"}]}],
    }), encoding="utf-8")
    return tests


@pytest.mark.parametrize("defect", ["nesting", "huge-id", "inf", "width", "index", "dotstar", "parens"])
def test_rules_test_refuses_a_hostile_ruleset_in_one_line(tmp_path: Path, defect: str) -> None:
    ruleset: dict[str, Any] | str = base()
    assert isinstance(ruleset, dict)
    rule = ruleset["rules"][0]
    if defect == "nesting":
        ruleset = deep_text(400)
    elif defect == "huge-id":
        ruleset["id"] = "a" * 1_000_000
    elif defect == "inf":
        rule["when"] = [{"days_since_review": {"gt": math.inf}}]
    elif defect == "width":
        rule["message"] = "{subject:>999999999}"
    elif defect == "index":
        rule["message"] = "{subject[99999]}"
    elif defect == "dotstar":
        rule["when"] = [{"subject": {"matches": ".*" * 150}}]
    else:
        rule["when"] = [{"subject": {"matches": "(" * 150 + "a" + ")" * 150}}]
    tests = _write_case(tmp_path, ruleset)
    code, out, err = mipr("rules", "test", str(tests))
    assert code == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err and len(lines[0]) < 1000
    assert "hostile.yaml" in lines[0]


@pytest.mark.parametrize(("pattern", "why"), [
    ("(ab)*(ab)*(ab)*(ab)*(ab)*(ab)*(ab)*(ab)*(ab)*(ab)*", "error code: 503"),
    ("[", "error code: 501"),
    ("a**", "error code: 508"),
])
def test_lint_tries_patterns_in_a_throwaway_engine_worker(tmp_path: Path, pattern: str, why: str) -> None:
    ruleset = base()
    ruleset["rules"][0]["when"] = [{"subject": {"matches": pattern}}]
    path, code, _, err = lint(tmp_path, ruleset)
    assert code == 2
    assert f"{path}:" in err and "rule overdue: a matches pattern the engine cannot run" in err and why in err


def test_lint_passes_a_pattern_the_engine_runs(tmp_path: Path) -> None:
    ruleset = base()
    ruleset["rules"][0]["when"] = [{"subject": {"matches": "L%d+"}}]
    _, code, out, err = lint(tmp_path, ruleset)
    assert code == 0, err
    assert "error" not in out + err
