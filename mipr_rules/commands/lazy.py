"""The ``mipr`` command group that imports a command's module only when that command runs.

``BUILTIN`` maps each built-in command name to the module of ``mipr_rules.commands`` that defines it (in
its ``COMMANDS`` list). A name not in the map (a command module added without updating it, or a plugin's
command) is found the old way: every module of ``mipr_rules.commands`` imported, then the plugins'
``mipr_register_commands`` hook. Listing every command (``mipr --help``) does both, so the help is the
same as when every command was imported up front.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from mipr_rules.errors import MiprRulesError

BUILTIN: dict[str, str] = {
    "ack": "alerts",
    "adapters": "plugins_cmd",
    "alerts": "alerts",
    "demo": "readiness",
    "draft-report": "predict",
    "eligibility": "eligibility",
    "panel": "panel",
    "plugins": "plugins_cmd",
    "predict": "predict",
    "rating": "rating",
    "readiness": "readiness",
    "review": "review",
    "rules": "rules",
    "snooze": "alerts",
    "timeline": "timeline",
    "watch": "watch",
}
"""Built-in command name -> module under ``mipr_rules.commands`` (``tests/commands`` checks it)."""

PACKAGE = "mipr_rules.commands"


def command_modules() -> list[str]:
    """Names of every module of ``mipr_rules.commands`` that may list commands."""
    from mipr_rules import commands

    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__) if info.name != "lazy")


class LazyGroup(click.Group):
    """A click group whose built-in commands and plugin commands are loaded on first use."""

    _all_loaded = False

    def _add_module(self, module_name: str) -> None:
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
        for command in getattr(module, "COMMANDS", ()):
            if command.name not in self.commands:
                self.add_command(command)

    def load_all(self) -> None:
        """Import every command module, then add the plugins' commands (once)."""
        if self._all_loaded:
            return
        self._all_loaded = True
        for module_name in command_modules():
            self._add_module(module_name)
        from mipr_rules import plugins

        try:
            plugins.plugin_manager().hook.mipr_register_commands(cli=self)
        except MiprRulesError as exc:
            from mipr_rules.commands.exits import report

            sys.exit(report(exc))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in BUILTIN:
            self._add_module(BUILTIN[cmd_name])
        if cmd_name not in self.commands:
            self.load_all()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return sorted(self.commands)
