"""``mipr rules``: list, show and lint rulesets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mipr_rules.commands.options import format_option
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import MiprRulesError
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.loader import load_ruleset


@click.group()
def rules() -> None:
    """Work with rulesets: list, show, lint."""


@rules.command("list")
@format_option()
def list_rulesets(fmt: str) -> None:
    """List installed rulesets."""
    catalogue = Catalogue.installed()
    rows = [
        {
            "id": r.id,
            "version": r.version,
            "framework": r.framework,
            "kind": r.kind,
            "rules": len(r.rules),
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None,
            "path": r.path,
        }
        for r in sorted(catalogue.rulesets, key=lambda r: (r.id, r.version))
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        until = f" to {row['effective_to']}" if row["effective_to"] else ""
        click.echo(
            f"{row['id']:<32} {row['version']:<8} {row['framework']:<26} {row['rules']:>3} rules  "
            f"from {row['effective_from']}{until}"
        )


@rules.command("show")
@click.argument("ruleset_id")
@click.option("--version", "version", default=None, help="A specific version.")
@format_option()
def show(ruleset_id: str, version: str | None, fmt: str) -> None:
    """Show a ruleset: parameters with defaults and sources, and every rule."""
    ruleset = Catalogue.installed().get(ruleset_id, version=version)
    from mipr_rules.convert import unstructure

    if fmt == "json":
        click.echo(json.dumps(unstructure(ruleset), indent=2, default=str))
        return
    click.echo(f"{ruleset.id} {ruleset.version} — {ruleset.title}")
    click.echo(
        f"framework {ruleset.framework}; effective {ruleset.effective_from}"
        f"{' to ' + str(ruleset.effective_to) if ruleset.effective_to else ''}; {ruleset.jurisdiction}"
    )
    click.echo(f"file: {ruleset.path}\n\nParameters:")
    for name, param in ruleset.parameters.items():
        unit = f" {param.unit}" if param.unit else ""
        kind = "policy" if param.policy else "law"
        click.echo(f"  {name} = {json.dumps(param.default)}{unit}  ({kind}; {param.description})")
    click.echo("\nRules:")
    for rule in ruleset.rules:
        where = rule.maps_to.quality_statement or rule.maps_to.mipr_criterion or rule.maps_to.deadline or ""
        click.echo(f"  {rule.id:<40} {rule.severity:<8} {where:<6} {rule.title}  [source: {rule.source}]")


@rules.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """Check ruleset files: schema, sources, parameters, fields the facts have, engine-unsafe shapes.

    Exit 0 when every file is clean, 2 (with one line per problem) otherwise.
    """
    with Evaluator(processes=1) as evaluator:
        problems = 0
        files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
        files = [f for f in files if not f.name.endswith(".tests.yaml")]
        for file in files:
            try:
                ruleset = load_ruleset(file)
                evaluator.compile(ruleset)
            except MiprRulesError as exc:
                problems += 1
                click.echo(f"{exc}", err=True)
                continue
            click.echo(f"{file}: ok ({len(ruleset.rules)} rules)")
    sys.exit(2 if problems else 0)


COMMANDS = [rules]
