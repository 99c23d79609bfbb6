"""The built-in notifiers are plugins like any other."""

from __future__ import annotations

from mipr_rules import plugins
from mipr_rules.alerts.notify import Notifier


def test_builtin_notifiers_are_registered_by_default() -> None:
    """Needs ``mipr_rules.alerts.webhook`` and ``mipr_rules.alerts.email`` in ``plugins.DEFAULT_PLUGINS``."""
    found = plugins.notifiers(plugins.make_plugin_manager(load_entry_points=False))
    assert {"webhook", "email"} <= set(found)
    assert all(isinstance(n, Notifier) and n.description for n in found.values())
