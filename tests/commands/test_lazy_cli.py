"""The ``mipr`` group imports a command's module only when it runs, and still knows every command."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click

from mipr_rules.commands.lazy import BUILTIN, PACKAGE, command_modules

_COMMAND_MODULES = (
    "print(sorted(m for m in sys.modules\n"
    "             if m.startswith('mipr_rules.commands.')\n"
    "             and m not in ('mipr_rules.commands.lazy', 'mipr_rules.commands.exits')))\n"  # the group's own
)


def _eager() -> dict[str, str]:
    """Command name -> module, by importing every command module (what cli.py did before)."""
    found: dict[str, str] = {}
    for name in command_modules():
        for command in getattr(importlib.import_module(f"{PACKAGE}.{name}"), "COMMANDS", ()):
            found[str(command.name)] = name
    return found


def test_the_map_of_builtin_commands_is_complete_and_right() -> None:
    """A command module added without its names in ``BUILTIN`` would still run (found the slow way);
    this keeps the map in step so that it runs fast."""
    assert _eager() == BUILTIN


def test_help_lists_every_command_as_an_eager_group_would() -> None:
    from click.testing import CliRunner
    from mipr_rules_cli.cli import cli

    from mipr_rules import plugins

    eager = click.Group(
        name="mipr",
        help=cli.help,
        context_settings=cli.context_settings,
        params=[p for p in cli.params if p.name != "help"],
    )
    for name in command_modules():
        for command in getattr(importlib.import_module(f"{PACKAGE}.{name}"), "COMMANDS", ()):
            eager.add_command(command)
    plugins.plugin_manager().hook.mipr_register_commands(cli=eager)
    lazy_help = CliRunner().invoke(cli, ["--help"], prog_name="mipr")
    eager_help = CliRunner().invoke(eager, ["--help"], prog_name="mipr")
    assert lazy_help.exit_code == eager_help.exit_code == 0
    assert lazy_help.output == eager_help.output
    assert all(f"  {name} " in lazy_help.output for name in BUILTIN)


def test_version_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from mipr_rules_cli.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        + _COMMAND_MODULES
        + "print('mipr_rules.engine.evaluate' in sys.modules, 'pluggy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("mipr, version ")
    assert lines[1:] == ["[]", "False False"]


def test_a_command_imports_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from mipr_rules_cli.cli import main\n"
        "try:\n    main(['rating', '--help'])\nexcept SystemExit:\n    pass\n"
        + _COMMAND_MODULES
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "['mipr_rules.commands.options', 'mipr_rules.commands.rating']"


def test_an_unknown_command_is_still_a_usage_error() -> None:
    done = subprocess.run([sys.executable, "-c", "from mipr_rules_cli.cli import main; main(['no-such'])"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "No such command 'no-such'" in done.stderr


def test_the_worker_imports_only_the_engine() -> None:
    code = (
        "import sys\n"
        "import mipr_rules.engine.worker_main, mipr_rules.engine.durable_core, mipr_rules.engine.frames\n"
        "print(sorted(m for m in sys.modules if m.startswith(('mipr_rules', 'click', 'pluggy', 'yaml', 'attrs'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported = eval(out)  # a list literal printed by the child
    assert not [m for m in imported if not m.startswith(("mipr_rules.engine", "mipr_rules.errors"))
                and m != "mipr_rules"], imported
