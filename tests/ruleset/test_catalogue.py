"""The catalogue: every installed ruleset, picked by id and version or by the as-of date."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from mipr_rules.errors import RulesetError
from mipr_rules.plugins import make_plugin_manager
from mipr_rules.ruleset.catalogue import Catalogue


def _ruleset(
    rid: str, version: str, effective_from: str, effective_to: str | None = None, kind: str = "readiness"
) -> str:
    until = f"effective_to: {effective_to}\n" if effective_to else ""
    return (
        f"id: {rid}\nversion: {version}\nframework: SAF_2024_12\ntitle: {rid} {version}\nkind: {kind}\n"
        f"effective_from: {effective_from}\n{until}sources: [{{id: src, title: A source}}]\n"
        "rules:\n  - {id: r1, title: R1, fact: care_plan, when: [{active: false}], source: src}\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a-v1.yaml").write_text(_ruleset("alpha", "1.9.0", "2024-01-01", "2025-12-31"))
    (tmp_path / "a-v2.yaml").write_text(_ruleset("alpha", "1.10.0", "2026-01-01"))
    (tmp_path / "b.yaml").write_text(_ruleset("beta", "1.0.0", "2024-01-01", kind="timelines"))
    (tmp_path / "alpha.tests.yaml").write_text("this is a test file, not a ruleset: [")
    (tmp_path / "notes.txt").write_text("not yaml")
    return tmp_path


def test_a_folder_holds_every_yaml_ruleset_but_test_files(folder: Path) -> None:
    catalogue = Catalogue([folder])
    assert catalogue.ids() == ["alpha", "beta"]
    assert sorted((r.id, r.version) for r in catalogue.rulesets) == [
        ("alpha", "1.10.0"),
        ("alpha", "1.9.0"),
        ("beta", "1.0.0"),
    ]


def test_pick_by_version_or_by_date(folder: Path) -> None:
    catalogue = Catalogue([folder])
    assert catalogue.get("alpha", version="1.9.0").version == "1.9.0"
    assert catalogue.get("alpha", dt.date(2025, 6, 1)).version == "1.9.0"
    assert catalogue.get("alpha", dt.date(2026, 6, 1)).version == "1.10.0"
    assert catalogue.get("alpha").version == "1.10.0"  # versions compare as versions, not text


def test_pick_by_kind_on_a_date(folder: Path) -> None:
    catalogue = Catalogue([folder])
    assert [(r.id, r.version) for r in catalogue.for_kind("readiness", dt.date(2025, 6, 1))] == [
        ("alpha", "1.9.0")
    ]
    assert [r.id for r in catalogue.for_kind("timelines", dt.date(2025, 6, 1))] == ["beta"]
    assert catalogue.for_kind("readiness", dt.date(2023, 6, 1)) == []


def test_unknown_id_lists_what_is_installed(folder: Path) -> None:
    with pytest.raises(RulesetError, match="no ruleset 'gamma'; installed: alpha, beta"):
        Catalogue([folder]).get("gamma")


def test_unknown_version(folder: Path) -> None:
    with pytest.raises(RulesetError, match=r"ruleset 'alpha' has no version 3\.0\.0"):
        Catalogue([folder]).get("alpha", version="3.0.0")


def test_the_same_id_and_version_twice_names_both_files(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("plugin")
    (other / "copy.yaml").write_text(_ruleset("alpha", "1.9.0", "2024-01-01"))
    with pytest.raises(RulesetError) as info:
        Catalogue([folder, other])
    message = str(info.value)
    assert message.startswith(f"{other / 'copy.yaml'}: ruleset alpha 1.9.0 is also defined in ")
    assert str(folder / "a-v1.yaml") in message


def test_a_broken_file_stops_the_catalogue_naming_it(folder: Path) -> None:
    (folder / "c.yaml").write_text("id: [broken\n")
    with pytest.raises(RulesetError, match=r"c\.yaml:2:1: invalid YAML"):
        Catalogue([folder])


def test_a_single_file_path_is_accepted(folder: Path) -> None:
    assert Catalogue([folder / "b.yaml"]).ids() == ["beta"]


def test_the_installed_catalogue_has_the_shipped_ruleset_from_the_package() -> None:
    """Found through the built-in ``mipr_ruleset_paths`` plugin as ``mipr_rules.rulesets`` (test_packaging
    checks that the wheel holds it)."""
    catalogue = Catalogue.installed(make_plugin_manager(load_entry_points=False))
    ruleset = catalogue.get("cqc-readiness", dt.date(2026, 11, 2))
    assert ruleset.version == "1.1.0"
    assert Path(ruleset.path) == Path(str(resources.files("mipr_rules.rulesets") / "cqc-readiness.yaml"))
