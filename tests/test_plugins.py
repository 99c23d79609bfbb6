"""The plugin manager: documented hooks, loud failures for misspelt hooks, blocking, runtime plugins."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mipr_rules import hookimpl, hookspecs, plugins
from mipr_rules.adapters.base import Adapter, ReadContext
from mipr_rules.errors import PluginError
from mipr_rules.model import Location, Provider
from mipr_rules.plugins import DEFAULT_PLUGINS, make_plugin_manager
from mipr_rules.testing import TEST_KEY


def _hookspecs() -> list[tuple[str, Any]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "mipr_rules_spec")
    ]


def _fake_distribution(root: Path, module: str, source: str) -> None:
    """An installed distribution on ``root`` whose ``mipr_rules`` entry point is ``module``."""
    (root / f"{module}.py").write_text(source)
    info = root / f"{module.replace('_', '-')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[mipr_rules]\n{module} = {module}\n")


def test_there_are_hooks_and_all_are_prefixed() -> None:
    names = [name for name, _ in _hookspecs()]
    assert {
        "mipr_register_adapters",
        "mipr_register_outputs",
        "mipr_ruleset_paths",
        "mipr_register_fact_calculators",
        "mipr_register_commands",
    } <= set(names)
    assert all(name.startswith("mipr_") for name in names)


@pytest.mark.parametrize("name", [name for name, _ in _hookspecs()])
def test_every_hook_is_documented(name: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc.split()) >= 15, f"{name} needs a docstring"
    assert "Called" in doc, f"{name}'s docstring must say when it is called"
    for parameter in inspect.signature(getattr(hookspecs, name)).parameters:
        assert f"``{parameter}" in doc or parameter in doc, f"{name}'s docstring must explain {parameter!r}"


def test_builtins_are_registered_by_module_path() -> None:
    pm = make_plugin_manager(load_entry_points=False)
    names = {name for name, plugin in pm.list_name_plugin() if plugin is not None}
    assert set(DEFAULT_PLUGINS) <= names
    assert pm.project_name == "mipr_rules"
    assert "file" in plugins.adapters(pm)
    assert {"text", "json"} <= set(plugins.outputs(pm))
    assert "location" in plugins.fact_calculators(pm)


def test_a_misspelt_hook_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_distribution(
        tmp_path,
        "misspelt_plugin",
        "from mipr_rules import hookimpl\n\n@hookimpl\ndef mipr_register_adapter(register):\n    pass\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as info:
        make_plugin_manager()
    message = str(info.value)
    assert "mipr_register_adapter" in message and "misspelt_plugin" in message
    assert "\n" not in message


def test_a_plugin_that_does_not_import_is_a_plugin_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed plugin whose dependency is missing must be named, not end in a traceback."""
    _fake_distribution(tmp_path, "broken_plugin", "import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as info:
        make_plugin_manager()
    message = str(info.value)
    assert "broken_plugin" in message and "a_dependency_that_is_not_installed" in message
    assert "\n" not in message


def test_a_broken_plugin_can_be_blocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_distribution(tmp_path, "broken_plugin", "import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(plugins.DISABLE_ENV, "broken_plugin")
    pm = make_plugin_manager()
    assert pm.get_plugin("broken_plugin") is None
    assert "file" in plugins.adapters(pm)


def test_a_correct_installed_plugin_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_distribution(
        tmp_path,
        "extra_rulesets_plugin",
        "from mipr_rules import hookimpl\n\n@hookimpl\ndef mipr_ruleset_paths():\n"
        f"    return [{str(tmp_path / 'rules')!r}]\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = make_plugin_manager()
    assert pm.get_plugin("extra_rulesets_plugin") is not None
    assert tmp_path / "rules" in plugins.ruleset_paths(pm)
    info = {item["name"]: item for item in plugins.plugin_info(pm)}
    assert info["extra_rulesets_plugin"]["version"] == "1.0"
    assert info["extra_rulesets_plugin"]["hooks"] == ["mipr_ruleset_paths"]


def test_a_builtin_can_be_blocked_by_module_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.DISABLE_ENV, " mipr_rules.adapters.file_adapter , mipr_rules.outputs.html")
    pm = make_plugin_manager(load_entry_points=False)
    assert "file" not in plugins.adapters(pm)
    assert "html" not in plugins.outputs(pm)
    assert "json" in plugins.outputs(pm)
    with pytest.raises(PluginError, match="no adapter named 'file'; installed: none"):
        plugins.adapter("file", pm)


class _MemoryAdapter:
    name = "memory"
    version = "0.1"
    description = "Locations held in memory (a test adapter)"
    accepts = ("anything",)

    def read(self, source: str, context: ReadContext) -> Iterator[Location]:
        yield Location(location_id=source, name="In memory", provider=Provider(provider_id="1-0"))


def test_a_plugin_registered_at_runtime_contributes_an_adapter() -> None:
    plugin = types.ModuleType("memory_adapter_plugin")

    @hookimpl
    def mipr_register_adapters(register: Any) -> None:
        register(_MemoryAdapter())

    plugin.mipr_register_adapters = mipr_register_adapters  # type: ignore[attr-defined]
    pm = make_plugin_manager(load_entry_points=False)
    pm.register(plugin)
    pm.check_pending()
    adapter = plugins.adapter("memory", pm)
    assert isinstance(adapter, Adapter)
    locations: Iterable[Location] = adapter.read("1-999", ReadContext(key=TEST_KEY))
    assert [loc.location_id for loc in locations] == ["1-999"]
    assert {"file", "memory"} <= set(plugins.adapters(pm))


def test_two_adapters_with_one_name_are_an_error() -> None:
    class Twin:
        @hookimpl
        def mipr_register_adapters(self, register: Any) -> None:
            register(_MemoryAdapter())

    pm = make_plugin_manager(load_entry_points=False)
    pm.register(Twin(), name="twin-1")
    pm.register(Twin(), name="twin-2")
    with pytest.raises(PluginError, match=r"two plugins register an? adapter named 'memory'"):
        plugins.adapters(pm)


def test_a_registered_item_needs_a_name() -> None:
    class Nameless:
        @hookimpl
        def mipr_register_outputs(self, register: Any) -> None:
            register(object())

    pm = make_plugin_manager(load_entry_points=False)
    pm.register(Nameless())
    with pytest.raises(PluginError, match=r"an? output registered by a plugin has no name"):
        plugins.outputs(pm)


def test_an_unknown_output_lists_the_installed_ones() -> None:
    with pytest.raises(PluginError, match="no output format 'pdf'; installed: html, json, text"):
        plugins.output("pdf", make_plugin_manager(load_entry_points=False))
