"""``mipr rules``: list, show, lint, test and explain rulesets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mipr_rules import plugins
from mipr_rules.api import Session
from mipr_rules.commands.options import format_option, rules_path_option
from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import plain


@click.group()
def rules() -> None:
    """Work with rulesets: list, show, facts, lint, test, explain."""


@rules.command("list")
@rules_path_option
@format_option()
def list_rulesets(fmt: str) -> None:
    """List installed rulesets."""
    catalogue = Session().catalogue
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
@rules_path_option
@click.argument("ruleset_id")
@click.option("--version", "version", default=None, help="A specific version.")
@format_option()
def show(ruleset_id: str, version: str | None, fmt: str) -> None:
    """Show a ruleset: parameters with defaults and sources, and every rule."""
    ruleset = Session().catalogue.get(ruleset_id, version=version)
    from mipr_rules.convert import unstructure

    if fmt == "json":
        click.echo(json.dumps(unstructure(ruleset), indent=2, default=str))
        return
    click.echo(plain(f"{ruleset.id} {ruleset.version} — {ruleset.title}"))
    click.echo(
        f"framework {ruleset.framework}; effective {ruleset.effective_from}"
        f"{' to ' + str(ruleset.effective_to) if ruleset.effective_to else ''}; {ruleset.jurisdiction}"
    )
    click.echo(plain(f"file: {ruleset.path}"))
    if ruleset.extends:
        click.echo(plain(f"extends: {ruleset.extends} (each rule and parameter below says where it comes from)"))
    click.echo("\nParameters:")
    for name, param in ruleset.parameters.items():
        unit = f" {param.unit}" if param.unit else ""
        kind = "policy" if param.policy else "law"
        origin = f"  [from: {ruleset.origins.get('parameter:' + name)}]" if ruleset.extends else ""
        click.echo(plain(f"  {name} = {json.dumps(param.default)}{unit}  ({kind}; {param.description}){origin}"))
    click.echo("\nRules:")
    for rule in ruleset.rules:
        where = rule.maps_to.quality_statement or rule.maps_to.mipr_criterion or rule.maps_to.deadline or ""
        origin = f"  [from: {ruleset.origins.get('rule:' + rule.id)}]" if ruleset.extends else ""
        click.echo(
            plain(f"  {rule.id:<40} {rule.severity:<8} {where:<6} {rule.title}  [source: {rule.source}]{origin}")
        )
    if ruleset.disabled:
        click.echo(plain(f"\nDisabled rules of {ruleset.extends}:"))
        for rule_id, reason in ruleset.disabled.items():
            click.echo(plain(f"  {rule_id:<40} {reason}"))


@rules.command("facts")
@click.argument("fact", required=False)
@format_option()
def facts(fact: str | None, fmt: str) -> None:
    """List every fact type with its fields, types, units and meaning (or one FACT type)."""
    from mipr_rules.facts.reference import fact_reference, render_text

    found = fact_reference(plugins.fact_calculators().values())
    if fact is not None:
        found = [f for f in found if f.name == fact]
        if not found:
            from difflib import get_close_matches

            known = [f.name for f in fact_reference(plugins.fact_calculators().values())]
            close = get_close_matches(fact, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            raise click.UsageError(f"no fact type {plain(fact)!r}{hint}")
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in found], indent=2))
        return
    click.echo(plain(render_text(found)), nl=False)


@rules.command("lint")
@rules_path_option
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
def lint(paths: tuple[Path, ...], strict: bool, fmt: str) -> None:
    """Check ruleset files (default: every installed one), reporting every problem with its line.

    \b
    Errors: YAML keys given twice; the schema (unknown fields, parameters without defaults, rules without
    sources, duplicate ids); conditions on fields the facts do not have (with "did you mean"); shapes that
    crash or hang durable-rules; message templates naming unknown fields; the ruleset's test file.
    Warnings: sources nothing cites; no test file.
    Exit 0 when clean (warnings allowed unless --strict), 2 otherwise.

    \b
    Examples:
      mipr rules lint rulesets/
      mipr rules lint my-ruleset.yaml --strict --format json
    """
    from mipr_rules.ruletest.lint import lint_file

    targets = list(paths) or plugins.ruleset_paths()
    files = [f for p in targets for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    files = [f for f in files if not f.name.endswith(".tests.yaml")]
    pm = plugins.plugin_manager()
    report: list[dict[str, Any]] = []
    for file in files:
        problems = lint_file(file, pm)
        report.append({"file": str(file), "problems": [p.as_dict() for p in problems]})
        if fmt == "text":
            for problem in problems:
                click.echo(str(problem), err=problem.level == "error")
            if not problems:
                click.echo(f"{file}: ok")
    levels = [p["level"] for f in report for p in f["problems"]]
    if fmt == "json":
        click.echo(
            json.dumps(
                {"files": report, "errors": levels.count("error"), "warnings": levels.count("warning")}, indent=2
            )
        )
    failing = "error" in levels or (strict and "warning" in levels)
    sys.exit(2 if failing else 0)


@rules.command("test")
@rules_path_option
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_ids", multiple=True, metavar="ID", help="Only the test files of this ruleset.")
@click.option(
    "-k",
    "keyword",
    default=None,
    metavar="EXPR",
    help="Only cases whose file, ruleset or name match, e.g. -k 'care_plan and not audit'.",
)
@click.option("--coverage", is_flag=True, help="Report rules that never fired and conditions never false.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="Exit 1 if any ruleset's rule coverage is under PCT percent (implies --coverage).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
    help="Output format (json: docs/commands/rules-test.md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report to this file instead of standard output.",
)
@click.option("-v", "--verbose", is_flag=True, help="One line per case.")
@click.option("--schema", is_flag=True, help="Print the JSON Schema of test files and exit.")
def test(
    paths: tuple[Path, ...],
    ruleset_ids: tuple[str, ...],
    keyword: str | None,
    coverage: bool,
    threshold: float | None,
    fmt: str,
    output: Path | None,
    verbose: bool,
    schema: bool,
) -> None:
    """Run the test cases of rulesets (<id>.tests.yaml) through the engine.

    With no PATH, the test files beside every installed ruleset. Exit 0 when every case passes, 1 when one
    fails or coverage is under --threshold, 2 when a test file is malformed (file and line named) or a case
    cannot run.

    \b
    Examples:
      mipr rules test
      mipr rules test rulesets/cqc-readiness.tests.yaml -k "care_plan and not never"
      mipr rules test --coverage --threshold 100
      mipr rules test --format junit -o rule-tests.xml
    """
    from mipr_rules.ruletest.keyword import KeywordError, compile_keyword
    from mipr_rules.ruletest.schema import JSON_SCHEMA
    from mipr_rules.ruletest.session import run_tests

    if schema:
        click.echo(json.dumps(JSON_SCHEMA, indent=2))
        return
    try:
        select = compile_keyword(keyword) if keyword is not None else None
    except KeywordError as exc:
        raise click.BadParameter(str(exc), param_hint="-k") from None
    from mipr_rules.presentation.progress import progress

    with Session(pm=plugins.make_plugin_manager(), processes=1) as session, session.rule_tests() as runner, \
            progress("Rule test cases", fmt="text" if output else fmt) as tracker:
        report = run_tests(
            runner, paths, ruleset_ids=ruleset_ids, select=select, coverage=coverage, threshold=threshold,
            tracker=tracker,
        )
    text = report.render(fmt, verbose)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(report.text().rstrip().splitlines()[-1])
    else:
        click.echo(text, nl=False)
    sys.exit(report.exit_code)


def _find_rule(rule_id: str, ruleset_id: str | None, version: str | None) -> Ruleset:
    catalogue = Session().catalogue
    if ruleset_id is not None:
        return catalogue.get(ruleset_id, version=version)
    newest = [catalogue.get(i) for i in catalogue.ids()]
    found = [r for r in newest if any(rule.id == rule_id for rule in r.rules)]
    if not found:
        from mipr_rules.ruletest.suite import did_you_mean

        hint = did_you_mean(rule_id, [rule.id for r in newest for rule in r.rules])
        raise RulesetError(f"no installed ruleset has a rule {rule_id!r}{hint}")
    if len(found) > 1:  # a ruleset that inherits the rule unchanged does not make it ambiguous
        found = [r for r in found if not r.extends or r.origins.get(f"rule:{rule_id}") != r.extends] or found
    if len(found) > 1:
        raise RulesetError(f"rule {rule_id!r} is in {', '.join(r.id for r in found)}: choose one with --ruleset")
    return found[0]


@rules.command("explain")
@rules_path_option
@click.argument("rule_id")
@click.option("--ruleset", "ruleset_id", default=None, metavar="ID", help="The ruleset (when several have the rule).")
@click.option("--version", "version", default=None, help="A specific version of the ruleset.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Provider configuration: explain with its parameter values.",
)
@click.option("--no-example", is_flag=True, help="Do not run a test case for an example.")
@format_option()
def explain(
    rule_id: str, ruleset_id: str | None, version: str | None, config_path: Path | None, no_example: bool, fmt: str
) -> None:
    """Explain a rule: what it checks in words, its parameters and their values, its source, an example.

    \b
    Examples:
      mipr rules explain care_plan_review_overdue
      mipr rules explain care_plan_review_overdue --config provider.yaml --format json
    """
    from mipr_rules.explain import RuleDescription
    from mipr_rules.ruletest.examples import example_for

    session = Session.from_config(config_path)
    plugins.add_ruleset_paths(session.config.rules_path)
    ruleset = _find_rule(rule_id, ruleset_id, version)
    rule = ruleset.rule(rule_id)
    params = ruleset.defaults() | session.overrides(ruleset)
    pm = plugins.plugin_manager()
    fact_type = next(
        (ft for calc in plugins.fact_calculators(pm).values() for ft in calc.fact_types if ft.name == rule.fact), None
    )
    example = None
    if not no_example:
        with Session(pm=plugins.make_plugin_manager(), processes=1) as tests, tests.rule_tests() as runner:
            example = example_for(ruleset, rule_id, runner)
    description = RuleDescription(ruleset, rule, params, fact_type, example)
    if fmt == "json":
        click.echo(json.dumps(description.as_dict(), indent=2, default=str))
        return
    click.echo(plain("\n".join(description.lines())))


COMMANDS = [rules]
