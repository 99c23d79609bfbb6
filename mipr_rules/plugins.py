"""The plugin manager and a typed facade over the hook calls.

One ``PluginManager`` named ``mipr_rules``. Built-in plugins are registered by module path (as datasette
and llm do); installed plugins come from the ``mipr_rules`` entry-point group. Any of them can be blocked
by name with ``MIPR_RULES_DISABLE_PLUGINS=name1,name2``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from mipr_rules import hookspecs
from mipr_rules.errors import PluginError

if TYPE_CHECKING:
    from mipr_rules.adapters.base import Adapter
    from mipr_rules.facts.base import FactCalculator
    from mipr_rules.outputs.base import Output

ENTRY_POINT_GROUP = "mipr_rules"
DISABLE_ENV = "MIPR_RULES_DISABLE_PLUGINS"

DEFAULT_PLUGINS = (
    "mipr_rules.adapters.file_adapter",
    "mipr_rules.facts.location_facts",
    "mipr_rules.facts.timeline_facts",
    "mipr_rules.facts.eligibility_facts",
    "mipr_rules.facts.rating_facts",
    "mipr_rules.facts.prediction_facts",
    "mipr_rules.mipr.plugin",
    "mipr_rules.mipr.review_plugin",
    "mipr_rules.outputs.text",
    "mipr_rules.outputs.json_output",
    "mipr_rules.outputs.html",
    "mipr_rules.rulesets_source",
    "mipr_rules.alerts.webhook",
    "mipr_rules.alerts.email",
    "mipr_rules.watch.feeds.files",
)
"""Built-in plugins, registered by module path under their module name."""


def disabled_plugins() -> set[str]:
    """Names blocked through ``MIPR_RULES_DISABLE_PLUGINS`` (comma separated)."""
    return {name.strip() for name in os.environ.get(DISABLE_ENV, "").split(",") if name.strip()}


def make_plugin_manager(load_entry_points: bool = True) -> pluggy.PluginManager:
    """A new, fully loaded plugin manager (tests use this; everything else uses ``plugin_manager``)."""
    pm = pluggy.PluginManager("mipr_rules")
    pm.add_hookspecs(hookspecs)
    blocked = disabled_plugins()
    for name in blocked:
        pm.set_blocked(name)
    for module_path in DEFAULT_PLUGINS:
        if module_path in blocked:
            continue
        pm.register(importlib.import_module(module_path), name=module_path)
    if load_entry_points:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if pm.is_blocked(entry_point.name):
                continue
            try:
                entry_point.load()
            except Exception as exc:  # an installed plugin whose code or dependencies are broken
                first = str(exc).splitlines()[0] if str(exc) else ""
                raise PluginError(
                    f"plugin {entry_point.name} ({entry_point.value}) does not load: {type(exc).__name__}: {first}; "
                    f"fix or uninstall it, or set {DISABLE_ENV}={entry_point.name}"
                ) from None
    try:
        if load_entry_points:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) or getattr(exc.plugin, "__name__", repr(exc.plugin))
        raise PluginError(
            f"plugin {plugin_name}: {str(exc).split(' in plugin ')[0]} "
            "(hooks are documented in mipr_rules/hookspecs.py)"
        ) from None
    return pm


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded on first use."""
    return make_plugin_manager()


def _collect(pm: pluggy.PluginManager, hook_name: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def register(item: Any) -> None:
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"a {kind} registered by a plugin has no name")
        if name in found:
            raise PluginError(f"two plugins register a {kind} named {name!r}")
        found[name] = item

    getattr(pm.hook, hook_name)(register=register)
    return found


def adapters(pm: pluggy.PluginManager | None = None) -> dict[str, Adapter]:
    """Installed adapters by name."""
    return _collect(pm or plugin_manager(), "mipr_register_adapters", "adapter")


def outputs(pm: pluggy.PluginManager | None = None) -> dict[str, Output]:
    """Installed output formats and notifiers by name."""
    return _collect(pm or plugin_manager(), "mipr_register_outputs", "output")


def notifiers(pm: pluggy.PluginManager | None = None) -> dict[str, Any]:
    """Installed notifiers by name."""
    return _collect(pm or plugin_manager(), "mipr_register_notifiers", "notifier")


def fact_calculators(pm: pluggy.PluginManager | None = None) -> dict[str, FactCalculator]:
    """Installed fact calculators by name."""
    return _collect(pm or plugin_manager(), "mipr_register_fact_calculators", "fact calculator")


RULES_PATH_ENV = "MIPR_RULES_PATH"
"""Environment variable: extra ruleset folders or files, separated by ``os.pathsep`` (house rules)."""
_EXTRA_RULESET_PATHS: list[Path] = []


def add_ruleset_paths(paths: Iterable[str | Path]) -> None:
    """Add ruleset folders or files for this process (``--rules-path``, ``rules_path`` in the configuration)."""
    for path in paths:
        if Path(path).resolve() not in {p.resolve() for p in _EXTRA_RULESET_PATHS}:
            _EXTRA_RULESET_PATHS.append(Path(path))


def extra_ruleset_paths() -> list[Path]:
    """The ruleset paths given by ``MIPR_RULES_PATH``, then by ``add_ruleset_paths``."""
    from_env = [Path(p) for p in os.environ.get(RULES_PATH_ENV, "").split(os.pathsep) if p.strip()]
    return list({p.resolve(): p for p in reversed([*from_env, *_EXTRA_RULESET_PATHS])}.values())[::-1]


def ruleset_paths(pm: pluggy.PluginManager | None = None) -> list[Path]:
    """Every ruleset file or folder contributed by plugins, built-ins first, then the extra paths
    (``MIPR_RULES_PATH``, ``--rules-path``, ``rules_path`` in the provider configuration)."""
    results = (pm or plugin_manager()).hook.mipr_ruleset_paths()
    installed = [Path(p) for paths in reversed(results) for p in paths]
    seen = {p.resolve() for p in installed}
    return installed + [p for p in extra_ruleset_paths() if p.resolve() not in seen]


def adapter(name: str, pm: pluggy.PluginManager | None = None) -> Adapter:
    """The adapter called ``name``; a ``PluginError`` listing the installed ones otherwise."""
    found = adapters(pm)
    if name not in found:
        raise PluginError(f"no adapter named {name!r}; installed: {', '.join(sorted(found)) or 'none'}")
    return found[name]


def output(name: str, pm: pluggy.PluginManager | None = None) -> Output:
    """The output format called ``name``."""
    found = outputs(pm)
    if name not in found:
        raise PluginError(f"no output format {name!r}; installed: {', '.join(sorted(found))}")
    return found[name]


def plugin_info(pm: pluggy.PluginManager | None = None) -> list[dict[str, Any]]:
    """Name, version and hooks of every registered plugin (for ``mipr plugins``)."""
    pm = pm or plugin_manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    info = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: str(item[0])):
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        info.append(
            {
                "name": name,
                "version": dist.version if dist else None,
                "distribution": dist.project_name if dist else "mipr-rules (built in)",
                "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
            }
        )
    return info
