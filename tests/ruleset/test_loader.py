"""Loading ruleset files: every error is one line, ``file:line: what is wrong``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import RulesetError
from mipr_rules.model import Location
from mipr_rules.ruleset.loader import load_ruleset, parse_ruleset
from mipr_rules.ruleset.schema import Ruleset

TINY = """\
id: tiny
version: 1.0.0
framework: SAF_2024_12
title: A tiny ruleset
kind: readiness
effective_from: 2024-12-01
sources:
  - id: src
    title: A source
parameters:
  limit: {default: 28, unit: days, minimum: 1, source: src, description: Longest gap}
rules:
  - id: overdue
    title: Review overdue
    fact: care_plan
    when:
      - days_since_review: {gt: $limit}
    source: src
  - id: never
    title: Never reviewed
    fact: care_plan
    when:
      - reviewed: false
    source: src
"""


def _line(number: int, new: str) -> str:
    """TINY with line ``number`` (1-based) replaced."""
    lines = TINY.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


def _error(write_ruleset: Callable[[str, str], Path], text: str) -> tuple[Path, str]:
    path = write_ruleset(text, "tiny.yaml")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    message = str(info.value)
    assert "\n" not in message
    return path, message


def test_a_valid_file_loads_with_its_path(write_ruleset: Callable[[str, str], Path]) -> None:
    path = write_ruleset(TINY, "tiny.yaml")
    ruleset = load_ruleset(path)
    assert (ruleset.id, ruleset.version, ruleset.path) == ("tiny", "1.0.0", str(path))
    assert [rule.id for rule in ruleset.rules] == ["overdue", "never"]
    assert ruleset.defaults() == {"limit": 28}


def test_the_shipped_ruleset_loads(cqc_ruleset: Ruleset) -> None:
    assert cqc_ruleset.id == "cqc-readiness"
    assert len(cqc_ruleset.rules) >= 30
    cited = {rule.source for rule in cqc_ruleset.rules}
    assert cited <= {source.id for source in cqc_ruleset.sources}


@pytest.mark.parametrize(
    ("line", "new", "expected"),
    [
        (
            14,
            "    title: Review: overdue",
            "tiny.yaml:14:18: invalid YAML: mapping values are not allowed here",
        ),
        (6, "effective_from: someday", "tiny.yaml:6: expected date (YYYY-MM-DD) @ $.effective_from"),
        (24, "    source: scr", "tiny.yaml:24: rule never: unknown source 'scr'"),
        (19, "  - id: overdue", "tiny.yaml:19: duplicate rule id 'overdue'"),
        (
            14,
            "    title: Review overdue\n    sevrity: high",
            "tiny.yaml:13: unknown field(s) sevrity @ $.rules[0]",
        ),
        (14, "    fact: care_plan", "tiny.yaml:13: required field missing @ $.rules[0].title"),
        (
            17,
            "      - days_since_review: {gt: $limt}",
            "tiny.yaml:17: rule overdue: when[0].days_since_review.gt: unknown parameter 'limt'",
        ),
        (
            23,
            "      - reviewed: {matches: '\\d+'}",
            "tiny.yaml:23: rule never: when[0].reviewed.matches: durable-rules regexes use Lua-style classes",
        ),
        (
            23,
            "      - reviewed: {around: 3}",
            "tiny.yaml:23: rule never: when[0].reviewed.around: unknown operator",
        ),
        (
            11,
            "  limit: {default: 0, minimum: 1, source: src, description: Gap}",
            "tiny.yaml:11: parameter limit: 0 is below the minimum 1",
        ),
        (
            11,
            "  limit: {default: 28, source: nope, description: Gap}",
            "tiny.yaml:11: parameter limit: unknown source 'nope'",
        ),
        (
            11,
            "  limit: {default: many, description: Gap}",
            "tiny.yaml:11: parameter limit: expected integer, got str",
        ),
        (1, "id: Tiny Rules", "tiny.yaml:1: ruleset id 'Tiny Rules' must be lower-case"),
        (
            20,
            "    title: Never reviewed\n    severity: urgent",
            "tiny.yaml:21: rule never: severity must be one of info, low, medium",
        ),
    ],
    ids=[
        "yaml-syntax",
        "schema",
        "unknown-source",
        "duplicate-rule",
        "unknown-key",
        "missing-key",
        "unknown-parameter",
        "regex",
        "operator",
        "parameter-bound",
        "parameter-source",
        "parameter-type",
        "ruleset-id",
        "severity",
    ],
)
def test_errors_name_file_and_line(
    write_ruleset: Callable[[str, str], Path], line: int, new: str, expected: str
) -> None:
    path, message = _error(write_ruleset, _line(line, new))
    assert message.startswith(str(path.parent) + "/")
    assert message.removeprefix(str(path.parent) + "/").startswith(expected)


def test_effective_to_before_effective_from(write_ruleset: Callable[[str, str], Path]) -> None:
    _, message = _error(
        write_ruleset,
        TINY.replace("effective_from: 2024-12-01", "effective_from: 2024-12-01\neffective_to: 2024-01-01"),
    )
    assert message.endswith("tiny.yaml:7: effective_to is before effective_from")


def test_a_file_that_is_not_a_mapping(write_ruleset: Callable[[str, str], Path]) -> None:
    _, message = _error(write_ruleset, "- id: tiny\n- version: 1\n")
    assert message.endswith("tiny.yaml:1: a ruleset is a mapping with id, version, rules…")


def test_yaml_aliases_are_refused(write_ruleset: Callable[[str, str], Path]) -> None:
    text = TINY.replace("title: A source", "title: &t A source").replace("title: Never reviewed", "title: *t")
    _, message = _error(write_ruleset, text)
    assert "tiny.yaml:20:12: invalid YAML: YAML aliases are not allowed" in message


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match=r"nope\.yaml: file not found"):
        load_ruleset(tmp_path / "nope.yaml")


def test_unknown_condition_fields_get_a_suggestion_when_compiled_against_the_facts(
    write_ruleset: Callable[[str, str], Path], evaluator: Evaluator
) -> None:
    ruleset = load_ruleset(write_ruleset(_line(17, "      - days_since_reveiw: {gt: $limit}"), "tiny.yaml"))
    with pytest.raises(RulesetError) as info:
        evaluator.compile(ruleset, subject_type=Location)
    assert (
        "rule overdue: when[0].days_since_reveiw.gt: the fact has no field 'days_since_reveiw'; "
        "did you mean 'days_since_review'?"
    ) in str(info.value)


def test_a_ruleset_beyond_the_engine_limits_is_refused_at_load(
    write_ruleset: Callable[[str, str], Path],
) -> None:
    rules = "".join(
        f"  - id: r{i}\n    title: R{i}\n    fact: care_plan\n"
        f"    when: [{{days_since_review: {{gt: {i}}}}}]\n"
        f"    source: src\n"
        for i in range(65)
    )
    _, message = _error(write_ruleset, TINY.split("rules:\n")[0] + "rules:\n" + rules)
    assert "65 rule branches on fact type 'care_plan'" in message


def test_parse_ruleset_names_what_it_was_given() -> None:
    with pytest.raises(RulesetError, match=r"^from-a-plugin:3:1: invalid YAML"):
        parse_ruleset("id: x\nversion: [1\n", "from-a-plugin")
