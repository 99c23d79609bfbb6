"""``mipr rules lint``: every problem in a ruleset file, one line each, with its line number.

Errors: YAML keys given twice (YAML keeps the last silently), the schema (unknown fields, parameters
without defaults, rules without sources, duplicate ids: the loader), each rule's conditions against the
fields the fact calculators declare ("did you mean"), the shapes that crash or hang durable-rules (the
compiler), message and ``emit`` templates naming fields or parameters that do not exist, and the
ruleset's test file (``<id>.tests.yaml``), and sources that are not public, citable documents (see
``public_source_problems``). Warnings: sources no rule or parameter cites, a source without its section or
basis, and a ruleset without a test file.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import pluggy
import yaml

from mipr_rules import plugins
from mipr_rules.convert import converter, error_messages
from mipr_rules.engine.compile import CompiledRuleset, compile_conditions, compile_rule, compile_ruleset
from mipr_rules.engine.ids import fact_ids
from mipr_rules.engine.worker import EnginePool, Job
from mipr_rules.errors import EngineCrash, MiprRulesError, RulesetError
from mipr_rules.loading import read_text
from mipr_rules.ruleset.extends import is_extension
from mipr_rules.ruleset.loader import line_of, read_yaml, ruleset_from_data
from mipr_rules.ruleset.schema import CONFIDENCES, SOURCE_BASES, Rule, Ruleset, Source
from mipr_rules.ruletest.suite import SUFFIX, did_you_mean, fact_fields, load_suite, subject_type_for

_LOCATED = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?:\d+:)? (?P<message>.*)$")
_RULE_PATH = re.compile(r"rule (\S+): (when\S*|fact)")
ENGINE_TRIAL_SECONDS = 10.0
"""How long a throw-away engine worker may take over one pattern before it counts as a hang."""
_PROBES = ("", "abc123", "A b-C_9 %.*", "x" * 300)
"""Strings each ``matches`` pattern is run over at lint time."""

PUBLIC_SOURCE_HOSTS = (
    "legislation.gov.uk",  # Acts and statutory instruments
    "cqc.org.uk",  # CQC guidance for providers, the assessment framework, CQC's public API
    "gov.uk",  # DHSC and DBS guidance
    "nice.org.uk",  # NICE guidelines and quality standards
    "skillsforcare.org.uk",  # Care Certificate, core and mandatory training
    "nhs.uk",
    "england.nhs.uk",
    "digital.nhs.uk",
    "standards.nhs.uk",
    "hl7.org",  # FHIR and UK Core data standards
    "hl7.org.uk",
    "fhir.nhs.uk",
    "local.gov.uk",  # Local Government Association
    "parliament.uk",  # Hansard and written answers
)
"""Hosts a source's URL may be on (a host or any of its subdomains): public bodies that publish the law,
the regulator's guidance, national guidelines and data standards. A document on any other host (a
consultancy, a law firm, a training vendor) is cited by publisher, title and date, without a URL."""

_EXTERNAL_REFERENCE = re.compile(
    r"cqc-reference|\bseeds?\b|\bseed\s*\d|/work/|/root/|/home/|/tmp/|~/|\bshared/"
    r"|\b[\w.-]+\.(?:md|txt|docx?|odt|csv|json|ya?ml)\b",
    re.IGNORECASE,
)
"""Text that names a file outside the repository, a working note or a seed document instead of a document
a reader can obtain."""


@attrs.frozen
class Problem:
    """One lint finding."""

    file: str
    """The file."""
    line: int | None
    """Its line, when known."""
    level: str
    """``error`` or ``warning``."""
    message: str
    """What is wrong."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.level}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"file": self.file, "line": self.line, "level": self.level, "message": self.message}


def _from_error(file: str, exc: MiprRulesError) -> Problem:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    match = _LOCATED.match(text)
    if match and match.group("file") == file:
        return Problem(file, int(match.group("line")), "error", match.group("message"))
    return Problem(file, None, "error", text.removeprefix(f"{file}: "))


def _duplicate_keys(node: yaml.Node | None, file: str) -> Iterator[Problem]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            name = getattr(key, "value", None)
            if isinstance(name, str):
                if name in seen:
                    yield Problem(file, key.start_mark.line + 1, "error",
                                  f"key {name!r} given twice (first on line {seen[name]}); YAML keeps only the last")
                else:
                    seen[name] = key.start_mark.line + 1
            yield from _duplicate_keys(value, file)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, file)


def _template_names(template: str) -> list[str]:
    names = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            names.append(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def _condition_errors(items: Any, params: Mapping[str, Any], fields: Mapping[str, str] | None,
                      where: str) -> Iterator[RulesetError]:
    """Every error in a ``when`` list, one per condition (the compiler stops at the first one)."""
    if not isinstance(items, (list, tuple)) or not items:
        yield RulesetError(f"{where}: expected a non-empty list of conditions")
        return
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if isinstance(item, Mapping) and len(item) == 1:
            ((key, body),) = item.items()
            if key in ("any", "all"):
                yield from _condition_errors(body, params, fields, f"{here}.{key}")
                continue
            if isinstance(body, Mapping) and len(body) > 1:
                singles: list[Any] = [{key: {op: raw}} for op, raw in body.items()]
            else:
                singles = [item]
        else:
            singles = [item]
        for single in singles:
            try:
                compile_conditions([single], params, fields, where)
            except RulesetError as exc:
                yield RulesetError(str(exc).replace(f"{where}[0]", here, 1))


def _rule_errors(ruleset: Ruleset, rule: Rule, params: Mapping[str, Any],
                 fields: Mapping[str, Mapping[str, str]] | None) -> list[RulesetError]:
    """Every error of one rule: its fact type, or each of its conditions that does not compile."""
    try:
        compile_rule(ruleset, rule, params, fields)
    except RulesetError as first:
        if fields is None or rule.fact not in fields:
            return [first]
        where = f"{ruleset.path or ruleset.id}: rule {rule.id}: when"
        errors = list(_condition_errors(list(rule.when), params, fields[rule.fact], where))
        return errors if errors and str(first) in {str(e) for e in errors} else [first, *errors]
    return []


def _rule_problems(ruleset: Ruleset, root: yaml.Node | None, fields: Mapping[str, Mapping[str, str]] | None,
                   file: str) -> Iterator[Problem]:
    params = ruleset.defaults()
    for index, rule in enumerate(ruleset.rules):
        errors = _rule_errors(ruleset, rule, params, fields)
        for exc in errors:
            text = str(exc).removeprefix(f"{ruleset.path or ruleset.id}: ")
            match = _RULE_PATH.search(text)
            line = None
            if match:
                sub = match.group(2)
                where = f"$.rules[{index}].fact" if sub == "fact" else sub.replace("when", f"$.rules[{index}].when", 1)
                line = line_of(root, where)
            yield Problem(file, line, "error", text)
        known = set(params) | {"subject", "type"} | set((fields or {}).get(rule.fact, {}))
        templates = [("message", rule.message)] + [(f"emit.{k}", v) for k, v in rule.emit.items() if isinstance(v, str)]
        for where, template in templates:
            line = line_of(root, f"$.rules[{index}].{where}")
            try:
                names = _template_names(template)
            except ValueError as exc:
                yield Problem(file, line, "error", f"rule {rule.id}: {where}: malformed template ({exc})")
                continue
            if fields is None or rule.fact not in fields:
                continue
            for name in names:
                if name not in known:
                    yield Problem(file, line, "error", f"rule {rule.id}: {where}: {{{name}}} is neither a field of "
                                                       f"{rule.fact} facts nor a parameter{did_you_mean(name, known)}")


def public_host(url: str) -> bool:
    """Whether ``url`` is an ``https`` address on one of ``PUBLIC_SOURCE_HOSTS`` (or a subdomain of one)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in PUBLIC_SOURCE_HOSTS)


def _one_source_problems(source: Source) -> Iterator[tuple[str, str]]:
    """``(level, message)`` for each way ``source`` falls short of a public, citable document."""
    name = f"source {source.id!r}"
    if not source.title.strip():
        yield "error", f"{name} has no title"
    if not source.url and not (source.publisher and source.publisher.strip()):
        yield "error", f"{name} has neither a url nor a publisher: cite a public document by its URL, or by " \
                       "its publisher, title and date"
    if source.url and not public_host(source.url):
        yield "error", f"{name}: {source.url} is not on a public source host ({', '.join(PUBLIC_SOURCE_HOSTS)}); " \
                       "cite the publisher's own page, or give publisher, title and date without a url"
    for field in ("id", "title", "publisher", "section", "note", "url"):
        text = getattr(source, field) or ""
        match = _EXTERNAL_REFERENCE.search(text if field != "url" else urlsplit(text).netloc)
        if match:
            yield "error", f"{name}: {field} names {match.group(0)!r}, which is not a public document; cite " \
                           "the document itself"
    if source.basis is not None and source.basis not in SOURCE_BASES:
        yield "error", f"{name}: basis must be one of {', '.join(SOURCE_BASES)}"
    if source.confidence is not None and source.confidence not in CONFIDENCES:
        yield "error", f"{name}: confidence must be one of {', '.join(CONFIDENCES)}"
    if source.basis is None:
        yield "warning", f"{name} does not say its basis ({', '.join(SOURCE_BASES)})"
    if not source.section:
        yield "warning", f"{name} does not name the section it encodes"
    if not source.url and not source.date:
        yield "warning", f"{name} has no url and no date"


def public_source_problems(ruleset: Ruleset, root: yaml.Node | None, file: str) -> Iterator[Problem]:
    """Sources that are not public, citable documents, and parameters that contradict their source's basis.

    Errors: a source with neither a URL nor a publisher, a URL off ``PUBLIC_SOURCE_HOSTS``, text naming a
    file outside the repository or a seed, an unknown ``basis`` or ``confidence``, a parameter marked as
    law (``policy: false``) whose source says the figure is policy. Warnings: no ``section``, no
    ``basis``, neither URL nor date.
    """
    for index, source in enumerate(ruleset.sources):
        line = line_of(root, f"$.sources[{index}]")
        for level, message in _one_source_problems(source):
            yield Problem(file, line, level, message)
    for name, param in ruleset.parameters.items():
        cited = ruleset.source(param.source) if param.source else None
        if cited is not None and cited.basis == "policy" and param.policy is False:
            yield Problem(file, line_of(root, f"$.parameters.{name}"), "error",
                          f"parameter {name} is marked as law (policy: false) but its source {cited.id!r} "
                          "says the figure is policy")


def _patterns(expr: Any) -> Iterator[str]:
    if isinstance(expr, Mapping):
        for key, value in expr.items():
            if key == "$mt" and isinstance(value, Mapping):
                yield from (v for v in value.values() if isinstance(v, str))
            else:
                yield from _patterns(value)
    elif isinstance(expr, list):
        for item in expr:
            yield from _patterns(item)


def engine_problems(compiled: CompiledRuleset, root: yaml.Node | None, file: str) -> list[Problem]:
    """What a throw-away supervised engine worker makes of each rule with a ``matches`` pattern.

    Each such rule is loaded alone and given probe facts whose strings the pattern is run over, in an
    ``EnginePool`` of its own: a pattern the engine rejects (errors 501, 503, 508…), crashes on or hangs
    on (no answer within ``ENGINE_TRIAL_SECONDS``) is an error naming the rule. Rulesets without
    patterns are not run (the static limits of ``engine.compile`` cover the rest).
    """
    definition = json.loads(compiled.definition_json)
    jobs: list[tuple[Job, str]] = []
    for key, rule in compiled.rule_by_key.items():
        patterns = sorted(set(_patterns(definition[key])))
        for number, pattern in enumerate(patterns):
            probe = {f"t{number}": {"all": [{"m": {"$and": [{"type": "probe"}, {"$mt": {"v": pattern}}]}}]}}
            text = json.dumps(probe, sort_keys=True)
            name = f"lint-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
            facts = [{"id": fid, "type": "probe", "v": value}
                     for fid, value in zip(fact_ids(len(_PROBES)), _PROBES, strict=True)]
            jobs.append((Job(f"{rule.id}#{number}", name, text, facts), rule.id))
    if not jobs:
        return []
    index = {rule.id: i for i, rule in enumerate(compiled.ruleset.rules)}
    rule_of = {job.key: rule_id for job, rule_id in jobs}
    problems: list[Problem] = []
    with EnginePool(1, timeout=ENGINE_TRIAL_SECONDS) as pool:
        for result in pool.run(job for job, _ in jobs):
            if result.error is None:
                continue
            rule_id = rule_of[result.key]
            why = re.sub(r"^.*?rejected ruleset \S+: ", "the engine rejected it: ", str(result.error))
            if isinstance(result.error, EngineCrash):
                why = "the engine crashed or hung on it"
            problems.append(Problem(file, line_of(root, f"$.rules[{index[rule_id]}].when"), "error",
                                    f"rule {rule_id}: a matches pattern the engine cannot run: {why}"))
    return problems


def _schema_problems(data: Any, root: yaml.Node | None, file: str, first: RulesetError) -> list[Problem]:
    """Every schema error of the ruleset document (the loader reports the first only)."""
    out = [_from_error(file, first)]
    if not isinstance(data, dict):
        return out
    try:
        converter.structure(data, Ruleset)
    except Exception as exc:  # cattrs raises several unrelated types
        seen = {str(first)}
        for text in error_messages(exc)[1:]:
            message, _, path = text.partition(" @ ")
            line = line_of(root, path) if path else None
            problem = Problem(file, line, "error", f"{message} @ {path}" if path else message)
            if str(problem) not in seen:
                seen.add(str(problem))
                out.append(problem)
    return out


def lint_file(
    path: Path,
    pm: pluggy.PluginManager | None = None,
    tests: bool = True,
    engine: bool = True,
    public_sources: bool = True,
) -> list[Problem]:
    """Every problem found in the ruleset file ``path`` (and its test file, with ``tests``).

    With ``engine``, rules with ``matches`` patterns are also tried in a throw-away engine worker
    (``engine_problems``); with ``public_sources``, every source must be a public, citable document
    (``public_source_problems``).
    """
    pm = pm or plugins.plugin_manager()
    file = str(path)
    try:
        text = read_text(path, RulesetError)
    except RulesetError as exc:
        return [_from_error(file, exc)]
    try:
        data, root = read_yaml(text, file)
    except RulesetError as exc:
        return [_from_error(file, exc)]
    problems = list(_duplicate_keys(root, file))
    calculators = plugins.fact_calculators(pm)
    try:
        if is_extension(data):  # house rules: checked as merged with the ruleset they extend (no line numbers)
            from mipr_rules.ruleset.catalogue import Catalogue

            ruleset, root = next(r for r in Catalogue([path]).rulesets if r.path == file), None
        else:
            ruleset = ruleset_from_data(data, root, file)
    except RulesetError as exc:
        try:  # the schema holds but a rule does not compile: report every rule's problems below
            ruleset = converter.structure({**data, "path": file}, Ruleset)
        except Exception:  # cattrs raises several unrelated types
            return [*problems, *_schema_problems(data, root, file, exc)]
        fields = fact_fields(calculators, subject_type_for(ruleset, calculators)) if calculators else None
        found = list(_rule_problems(ruleset, root, fields, file))
        first = _from_error(file, exc)
        return [*problems, *([] if str(first) in {str(p) for p in found} else [first]), *found]
    fields = fact_fields(calculators, subject_type_for(ruleset, calculators)) if calculators else None
    rule_problems = list(_rule_problems(ruleset, root, fields, file))
    problems += rule_problems
    if not rule_problems:
        try:
            compiled = compile_ruleset(ruleset, None, fields)
        except RulesetError as exc:
            problems.append(_from_error(file, exc))
        else:
            if engine:
                problems += engine_problems(compiled, root, file)
    if public_sources:
        problems += public_source_problems(ruleset, root, file)
    cited = {r.source for r in ruleset.rules} | {p.source for p in ruleset.parameters.values() if p.source}
    for index, source in enumerate(ruleset.sources):
        if source.id not in cited:
            problems.append(Problem(file, line_of(root, f"$.sources[{index}]"), "warning",
                                    f"source {source.id!r} is cited by no rule or parameter"))
    if tests:
        test_file = path.with_name(path.name.removesuffix(path.suffix) + SUFFIX)
        if not test_file.exists():
            problems.append(Problem(file, None, "warning", f"no test cases: write {test_file.name} beside it"))
        else:
            try:
                load_suite(test_file, pm, {})
            except MiprRulesError as exc:
                problems.append(_from_error(str(test_file), exc))
    return problems
