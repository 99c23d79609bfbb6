"""Load and check rule-test files; every problem is one line ``file:line: message`` (exit 2 at the CLI).

Checked before anything runs: the schema (unknown or missing fields, wrong types), the ruleset, rule ids
in expectations, fact fields in expectations and given facts (with "did you mean"), parameter names and
values, inline data against the canonical model, fixtures, adapters and samples.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping
from difflib import get_close_matches
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import pluggy
import yaml

from mipr_rules import plugins
from mipr_rules.convert import converter, first_error
from mipr_rules.errors import RulesetError
from mipr_rules.facts.base import RESERVED_FIELDS, FactCalculator
from mipr_rules.loading import parse_yaml_document, read_text
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.loader import line_of
from mipr_rules.ruleset.parameters import check_parameter
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.ruletest.schema import RESULT_FIELDS, Expectation, Given, RuleTestCase, RuleTestFile
from mipr_rules.workdays import DEFAULT_REGION, REGIONS

INSTALLED = "<installed>"
"""Key of the installed rulesets' catalogue in a runner's ``catalogues``."""

SUFFIX = ".tests.yaml"
"""Rule-test files are ``<ruleset id>.tests.yaml``, beside the ruleset."""
_BASE_FIELDS = {"type": "string", "subject": "string"}


@attrs.frozen
class LoadedCase:
    """A checked case, ready to run."""

    case: RuleTestCase
    """The case as written."""
    index: int
    """Its position in the file."""
    line: int
    """Its line in the file."""
    ruleset: Ruleset
    """The ruleset it runs against."""
    as_of: dt.date
    """Its as-of date."""
    region: str
    """Its working-day region."""
    overrides: Mapping[str, Any]
    """Parameter overrides (the file's, then the case's)."""
    subject: Any = None
    """The structured inline subject, when ``given.inline`` is used."""

    @property
    def name(self) -> str:
        """The case's name."""
        return self.case.name


@attrs.frozen
class Suite:
    """A checked rule-test file."""

    path: Path
    """The file."""
    spec: RuleTestFile
    """Its content."""
    cases: tuple[LoadedCase, ...]
    """Its cases, checked."""
    subject_types: tuple[type, ...]
    """The classes of subject the ruleset's facts are measured from (``Location`` for readiness)."""

    @property
    def subject_type(self) -> type | None:
        """The one subject class rules are checked against, or ``None`` when there are several (or none)."""
        return self.subject_types[0] if len(self.subject_types) == 1 else None

    @property
    def ruleset_id(self) -> str:
        """Id of the ruleset under test."""
        return self.spec.ruleset


def did_you_mean(name: str, known: Any) -> str:
    """``; did you mean 'x'?`` when a close match exists."""
    close = get_close_matches(name, [str(k) for k in known], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def subject_types_for(ruleset: Ruleset, calculators: Mapping[str, FactCalculator]) -> tuple[type, ...]:
    """The subject classes whose calculators produce the ruleset's fact types."""
    wanted = {rule.fact for rule in ruleset.rules}
    found = [calc.subject_type for calc in calculators.values() if wanted & {ft.name for ft in calc.fact_types}]
    return tuple(dict.fromkeys(found))


def subject_type_for(ruleset: Ruleset, calculators: Mapping[str, FactCalculator]) -> type | None:
    """The one subject class of the ruleset's facts (``None`` when there are several or none)."""
    types = subject_types_for(ruleset, calculators)
    return types[0] if len(types) == 1 else None


def fact_fields(calculators: Mapping[str, FactCalculator], subject_type: type | None) -> dict[str, dict[str, str]]:
    """Declared fields per fact type of the calculators for ``subject_type`` (as ``Evaluator.fact_fields``)."""
    out: dict[str, dict[str, str]] = {}
    for calc in calculators.values():
        if subject_type is None or issubclass(subject_type, calc.subject_type):
            for fact_type in calc.fact_types:
                out.setdefault(fact_type.name, dict(_BASE_FIELDS)).update(fact_type.fields)
    return out


def sample_location_path(name: str) -> Path:
    """``location.json`` of a bundled sample home."""
    return Path(str(resources.files("mipr_rules") / "samples" / name / "location.json"))


def find_test_files(paths: list[Path]) -> list[Path]:
    """Every ``*.tests.yaml`` in ``paths`` (files as given, folders searched, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob(f"*{SUFFIX}"))
        elif path.exists():
            found.append(path)
        else:
            raise RulesetError(f"{path}: file not found")
    return list(dict.fromkeys(found))


class _Checker:
    """Checks one file, raising ``RulesetError('file:line: …')`` at the first problem."""

    def __init__(
        self, path: Path, root: yaml.Node | None, pm: pluggy.PluginManager, catalogues: dict[str, Catalogue]
    ) -> None:
        self.path, self.root, self.pm, self.catalogues = path, root, pm, catalogues
        self.calculators = plugins.fact_calculators(pm)

    def line(self, where: str) -> int:
        return line_of(self.root, where) or 1

    def fail(self, where: str, message: str) -> RulesetError:
        return RulesetError(f"{self.path}:{self.line(where)}: {message}")

    def ruleset(self, spec: RuleTestFile, as_of: dt.date | None, where: str) -> Ruleset:
        """The ruleset in ``<id>.yaml`` beside the file if there is one, else the installed one."""
        local = self.path.parent / f"{spec.ruleset}.yaml"
        key = str(local.resolve()) if local.exists() else INSTALLED
        if key not in self.catalogues:
            # The installed catalogue is the runner's (its session's); ``mipr rules lint``, which checks a test
            # file without running it, loads it here.
            self.catalogues[key] = Catalogue([local]) if local.exists() else Catalogue.installed(self.pm)
        try:
            return self.catalogues[key].get(spec.ruleset, as_of, spec.version)
        except RulesetError as exc:
            raise self.fail(where, str(exc)) from None

    def parameters(self, ruleset: Ruleset, values: Mapping[str, Any], where: str) -> None:
        for name, value in values.items():
            here = f"{where}.{name}"
            if name not in ruleset.parameters:
                raise self.fail(
                    here, f"ruleset {ruleset.id} has no parameter {name!r}{did_you_mean(name, ruleset.parameters)}"
                )
            param = ruleset.parameters[name]
            check_parameter(param, value, lambda msg, here=here, name=name: self.fail(here, f"parameter {name}: {msg}"))

    def expectation(
        self, ruleset: Ruleset, exp: Expectation, fields: dict[str, dict[str, str]], where: str, negative: bool
    ) -> None:
        try:
            rule = ruleset.rule(exp.rule)
        except KeyError:
            raise self.fail(
                f"{where}.rule",
                f"unknown rule id {exp.rule!r} in ruleset {ruleset.id}"
                f"{did_you_mean(exp.rule, [r.id for r in ruleset.rules])}",
            ) from None
        if negative and exp.count is not None:
            raise self.fail(f"{where}.count", "count is for expect, not expect_not")
        known = fields.get(rule.fact)
        if known is not None:
            for name in exp.facts:
                if name not in known:
                    raise self.fail(
                        f"{where}.facts.{name}", f"{rule.fact} facts have no field {name!r}{did_you_mean(name, known)}"
                    )
        for name in exp.fields:
            if name not in RESULT_FIELDS:
                raise self.fail(
                    f"{where}.fields.{name}", f"results have no field {name!r}{did_you_mean(name, RESULT_FIELDS)}"
                )
        if exp.subject is not None and not exp.subject:
            raise self.fail(f"{where}.subject", "subject is empty")

    def subject_class(self, spec: RuleTestFile, given: Given, types: tuple[type, ...], where: str) -> type:
        """The class of an inline or fixture subject."""
        name, at = (given.type, f"{where}.type") if given.type is not None else (spec.type, "$.type")
        if name is not None:
            found = [t for t in types if t.__name__ == name]
            if not found:
                names = [t.__name__ for t in types]
                raise self.fail(
                    at, f"type must be one of {', '.join(names) or '(none installed)'}{did_you_mean(name, names)}"
                )
            return found[0]
        if len(types) == 1:
            return types[0]
        if not types:
            raise self.fail(where, "no installed fact calculator measures this ruleset's facts; give facts instead")
        raise self.fail(
            where,
            f"this ruleset's facts come from several kinds of subject "
            f"({', '.join(t.__name__ for t in types)}): say which with type",
        )

    def given(
        self,
        spec: RuleTestFile,
        case: RuleTestCase,
        types: tuple[type, ...],
        fields: dict[str, dict[str, str]],
        where: str,
    ) -> Any:
        given = case.given
        kinds = [k for k in ("inline", "fixture", "source", "sample", "facts") if getattr(given, k) is not None]
        if len(kinds) != 1:
            raise self.fail(
                where,
                "given needs exactly one of inline, fixture, source, sample, facts"
                + (f" (got {', '.join(kinds)})" if kinds else ""),
            )
        kind = kinds[0]
        if given.type is not None and kind not in ("inline", "fixture"):
            raise self.fail(f"{where}.type", "type goes with inline or fixture")
        if given.adapter is not None:
            if kind not in ("fixture", "source"):
                raise self.fail(f"{where}.adapter", "adapter goes with fixture or source")
            installed = plugins.adapters(self.pm)
            if given.adapter not in installed:
                hint = did_you_mean(given.adapter, installed)
                raise self.fail(
                    f"{where}.adapter",
                    f"no adapter named {given.adapter!r}; installed: {', '.join(sorted(installed))}{hint}",
                )
        if kind == "source" and given.adapter is None:
            raise self.fail(f"{where}.source", "source needs adapter (the adapter that reads it)")
        if kind == "fixture":
            fixture = self.path.parent / str(given.fixture)
            if not fixture.exists():
                raise self.fail(f"{where}.fixture", f"fixture {given.fixture} not found (relative to this file)")
        if kind == "sample" and not sample_location_path(str(given.sample)).exists():
            raise self.fail(f"{where}.sample", f"no bundled sample {given.sample!r}")
        if kind == "fixture" and given.adapter is None:
            self.subject_class(spec, given, types, where)
        if kind == "inline":
            cls = self.subject_class(spec, given, types, where)
            # the base is for subjects of the file's own type: a second pass's subject gets none
            with_base = given.type is None or given.type == spec.type or len(types) == 1
            return self.inline(spec if with_base else attrs.evolve(spec, base=None), given.inline or {}, cls, where)
        if kind == "facts":
            self.facts(given.facts or (), fields, f"{where}.facts")
        return None

    def inline(self, spec: RuleTestFile, inline: dict[str, Any], subject_type: type, where: str) -> Any:
        data = {**(spec.base or {}), **inline}
        try:
            return converter.structure(data, subject_type)
        except Exception as exc:  # cattrs raises several unrelated types
            message, path = first_error(exc)
            key = re.match(r"\$\.([A-Za-z0-9_]+)", path)
            if key and key.group(1) not in inline and spec.base and key.group(1) in spec.base:
                at = "$.base" + path[1:]
            else:
                at = f"{where}.inline" + path[1:]
            raise self.fail(at, f"{message} @ {at} ({subject_type.__name__})") from None

    def facts(self, facts: tuple[dict[str, Any], ...], fields: dict[str, dict[str, str]], where: str) -> None:
        for index, fact in enumerate(facts):
            here = f"{where}[{index}]"
            kind = fact.get("type")
            if not isinstance(kind, str) or kind not in fields:
                raise self.fail(f"{here}.type", f"unknown fact type {kind!r}{did_you_mean(str(kind), fields)}")
            if not isinstance(fact.get("subject"), str):
                raise self.fail(here, "a given fact needs a subject (text)")
            for name, value in fact.items():
                if name in RESERVED_FIELDS:
                    raise self.fail(f"{here}.{name}", f"{name!r} is reserved for the engine")
                if name not in fields[kind]:
                    raise self.fail(
                        f"{here}.{name}", f"{kind} facts have no field {name!r}{did_you_mean(name, fields[kind])}"
                    )
                expected = fields[kind][name]
                ok = {
                    "boolean": isinstance(value, bool),
                    "integer": isinstance(value, int) and not isinstance(value, bool),
                    "number": isinstance(value, (int, float)) and not isinstance(value, bool),
                    "string": isinstance(value, str),
                    "date": isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None,
                }.get(expected, value is not None)
                if not ok:
                    raise self.fail(f"{here}.{name}", f"field {name} is {expected}, got {type(value).__name__}")

    def check(self, spec: RuleTestFile) -> Suite:
        names: set[str] = set()
        loaded = []
        types: tuple[type, ...] = ()
        if spec.region is not None and spec.region not in REGIONS:
            raise self.fail("$.region", f"region must be one of {', '.join(REGIONS)}")
        if not spec.cases:
            raise self.fail("$.cases", "a test file needs at least one case")
        for index, case in enumerate(spec.cases):
            where = f"$.cases[{index}]"
            if not case.name.strip():
                raise self.fail(f"{where}.name", "case name is empty")
            if case.name in names:
                raise self.fail(f"{where}.name", f"duplicate case name {case.name!r}")
            names.add(case.name)
            as_of = case.as_of or spec.as_of
            if as_of is None:
                raise self.fail(where, f"case {case.name!r} has no as_of (give it, or as_of at the top)")
            region = case.region or spec.region or DEFAULT_REGION
            if region not in REGIONS:
                raise self.fail(f"{where}.region", f"region must be one of {', '.join(REGIONS)}")
            ruleset = self.ruleset(spec, as_of, "$.ruleset")
            self.parameters(ruleset, spec.parameters, "$.parameters")
            self.parameters(ruleset, case.parameters, f"{where}.parameters")
            types = subject_types_for(ruleset, self.calculators)
            fields = fact_fields(self.calculators, types[0] if len(types) == 1 else None)
            for kind, negative in (("expect", False), ("expect_not", True)):
                for j, exp in enumerate(getattr(case, kind)):
                    self.expectation(ruleset, exp, fields, f"{where}.{kind}[{j}]", negative)
            if not (case.expect or case.expect_not or case.only_expected):
                raise self.fail(
                    where, f"case {case.name!r} checks nothing: give expect, expect_not or only_expected: true"
                )
            subject = self.given(spec, case, types, fields, f"{where}.given")
            loaded.append(
                LoadedCase(
                    case,
                    index,
                    self.line(where),
                    ruleset,
                    as_of,
                    region,
                    {**spec.parameters, **case.parameters},
                    subject,
                )
            )
        return Suite(self.path, spec, tuple(loaded), types)


def parse_suite(
    text: str, path: Path, pm: pluggy.PluginManager | None = None, catalogues: dict[str, Catalogue] | None = None
) -> Suite:
    """Parse and check the text of a rule-test file at ``path``."""
    name = str(path)
    data, root = parse_yaml_document(text, name, RulesetError)
    if not isinstance(data, dict):
        raise RulesetError(f"{name}:1: a rule-test file is a mapping with ruleset and cases")
    checker = _Checker(path, root, pm or plugins.plugin_manager(), catalogues if catalogues is not None else {})
    try:
        spec = converter.structure(data, RuleTestFile)
    except Exception as exc:  # cattrs raises several unrelated types
        message, where = first_error(exc)
        raise checker.fail(where, f"{message} @ {where}") from None
    return checker.check(spec)


def load_suite(
    path: Path | str, pm: pluggy.PluginManager | None = None, catalogues: dict[str, Catalogue] | None = None
) -> Suite:
    """Load and check one rule-test file."""
    path = Path(path)
    return parse_suite(read_text(path, RulesetError), path, pm, catalogues)


def subject_matches(pattern: str | None, subject: str) -> bool:
    """Whether ``subject`` matches an expectation's subject (``*`` and ``?`` are wildcards)."""
    if pattern is None:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(subject, pattern)
    return pattern == subject
