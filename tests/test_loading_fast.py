"""libyaml (the C loader) parses YAML; what it accepts, refuses and where errors point stay the pure loader's."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mipr_rules import loading
from mipr_rules.errors import InputError, RulesetError
from mipr_rules.ruleset.loader import read_yaml

BAD = {
    "alias": "a: &x [1, 2]\nb: *x\n",
    "alias in a list": "- &x 1\n- 2\n-\n  - *x\n",
    "deep": "a:\n" + "".join("  " * i + "- \n" for i in range(1, 130)) + "  " * 130 + "x\n",
    "deep flow": "k: " + "[" * 120 + "]" * 120 + "\n",
    "bad date": "when: 2026-13-01\n",
    "bad float": "x: 1\ny: !!float abc\n",
    "long int": "n: " + "9" * 5000 + "\n",
    "unclosed": "rules:\n  - id: a\n    when: [1, 2\n",
    "tab": "a:\n\tb: 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "duplicate anchor use": "x: &a 1\ny: &a 2\nz: *a\n",
}


def _pure(text: str) -> Any:
    return yaml.load(text, Loader=loading.NoAliasSafeLoader)


def test_the_c_loader_is_there() -> None:
    """PyYAML's wheels carry libyaml; without it every parse would take the slow path."""
    assert loading._FAST is not None


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_name_the_same_line_as_the_pure_loader(name: str) -> None:
    text = BAD[name]
    with pytest.raises(yaml.YAMLError) as pure:
        _pure(text)
    with pytest.raises(InputError) as fast:
        loading.parse_yaml(text, "f.yaml")
    mark = getattr(pure.value, "problem_mark", None) or getattr(pure.value, "context_mark", None)
    if mark is not None:
        assert str(fast.value).startswith(f"f.yaml:{mark.line + 1}:{mark.column + 1}: invalid YAML")
    else:
        assert str(fast.value).startswith("f.yaml: invalid YAML")


def test_ruleset_nesting_limit_and_its_line_are_kept() -> None:
    text = "id: x\nrules:\n" + "".join("  " * i + "- \n" for i in range(1, 45)) + "  " * 45 + "x\n"
    with pytest.raises(RulesetError, match=r"^r\.yaml:\d+:\d+: invalid YAML: nested more than 40 levels deep"):
        read_yaml(text, "r.yaml")


GOOD = [
    "a: 1\nb: [x, 'y', 2.5, true, null, 2026-11-02]\nc: {d: e}\n",
    "- 1\n- -2\n- 0x1f\n- 1_000\n- .inf\n- 2026-11-02T10:00:00Z\n",
    "x: &unused 1\ny: 2\n",
    "",
    "# only a comment\n",
    "text: |\n  two\n  lines\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_good_yaml_gives_the_same_data(text: str) -> None:
    assert loading.parse_yaml(text, "g.yaml") == _pure(text)


def test_node_lines_are_kept_for_later_errors() -> None:
    data, root = loading.parse_yaml_document("a: 1\nrules:\n  - id: x\n  - id: y\n", "g.yaml")
    assert data == {"a": 1, "rules": [{"id": "x"}, {"id": "y"}]}
    assert isinstance(root, yaml.MappingNode)
    rules = dict((k.value, v) for k, v in root.value)["rules"]
    assert [item.start_mark.line + 1 for item in rules.value] == [3, 4]
