"""``mipr plugins`` and ``mipr adapters``."""

from __future__ import annotations

import json

import click

from mipr_rules import plugins
from mipr_rules.commands.options import format_option


@click.command("plugins")
@format_option()
def plugins_command(fmt: str) -> None:
    """List registered plugins, built-in and installed, with their hooks."""
    info = plugins.plugin_info()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    for item in info:
        version = f" {item['version']}" if item["version"] else ""
        click.echo(f"{item['name']}{version} ({item['distribution']}): {', '.join(item['hooks'])}")


@click.command("adapters")
@format_option()
def adapters_command(fmt: str) -> None:
    """List installed adapters, their versions and the sources they accept."""
    rows = [
        {"name": a.name, "version": a.version, "description": a.description, "accepts": list(a.accepts)}
        for a in sorted(plugins.adapters().values(), key=lambda a: a.name)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<10} {row['version']:<10} {row['description']}")
        click.echo(f"{'':<21}accepts: {', '.join(row['accepts'])}")


COMMANDS = [plugins_command, adapters_command]
