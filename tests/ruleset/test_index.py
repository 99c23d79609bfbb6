"""The catalogue picks rulesets by their header lines and parses only the ones it hands out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mipr_rules.errors import RulesetError
from mipr_rules.plugins import make_plugin_manager
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.index import header_of, read_header
from mipr_rules.ruleset.loader import load_ruleset

RULES = (
    "sources: [{id: src, title: A source}]\n"
    "rules:\n  - {id: r1, title: R1, fact: care_plan, when: [{active: false}], source: src}\n"
)


def _text(rid: str, version: str, start: str, extra: str = "") -> str:
    head = f"id: {rid}\nversion: {version}\nframework: F\ntitle: T\nkind: readiness\neffective_from: {start}\n"
    return head + extra + RULES


def test_every_installed_header_reads_as_the_full_parse() -> None:
    for header in Catalogue.installed(make_plugin_manager(load_entry_points=False)).headers:
        assert read_header(header.path) == header_of(load_ruleset(header.path), header.path)


def test_a_broken_rule_in_a_ruleset_not_picked_does_not_stop_another(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_text("alpha", "1.0.0", "2024-01-01"))
    (tmp_path / "b.yaml").write_text(_text("beta", "1.0.0", "2024-01-01").replace("active: false", "active: {nope: 1}"))
    catalogue = Catalogue([tmp_path])
    assert catalogue.ids() == ["alpha", "beta"]
    assert catalogue.get("alpha", dt.date(2025, 1, 1)).id == "alpha"
    with pytest.raises(RulesetError, match=r"b\.yaml:\d+: "):  # picked, or all asked for: the error and its line
        catalogue.get("beta")
    with pytest.raises(RulesetError, match=r"b\.yaml:\d+: "):
        _ = catalogue.rulesets


@pytest.mark.parametrize(
    "text",
    [
        "{id: alpha, version: 1.0.0, framework: F, title: T, kind: readiness, effective_from: 2024-01-01, "
        "sources: [{id: src, title: S}], rules: []}\n",
        _text("alpha", "'1.0.0'", "2024-01-01").replace("id: alpha", "id: 'alpha' # quoted"),
        _text("alpha", "1.0.0", "2024-01-01", "effective_to: 2030-01-01\n"),
    ],
    ids=["flow style", "quoted", "with an end"],
)
def test_headers_written_any_way_pick_the_same_ruleset(tmp_path: Path, text: str) -> None:
    (tmp_path / "a.yaml").write_text(text)
    catalogue = Catalogue([tmp_path])
    ruleset = catalogue.get("alpha", dt.date(2025, 1, 1))
    assert (ruleset.id, ruleset.version) == ("alpha", "1.0.0")
    assert catalogue.headers[0] == header_of(ruleset, tmp_path / "a.yaml")


def test_a_header_the_index_cannot_read_is_parsed_whole_and_its_error_named(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_text("alpha", "1.0", "2024-01-01"))
    assert read_header(tmp_path / "a.yaml") is None  # 1.0 is a number to YAML, not a version text
    with pytest.raises(RulesetError, match=r"a\.yaml:2: expected string, got float @ \$\.version"):
        Catalogue([tmp_path])
