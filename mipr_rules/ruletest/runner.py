"""Run rule-test cases through the real engine, match the results, explain what did not match."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import structure
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluation, Evaluator
from mipr_rules.engine.probes import ProbeResults, run_probes
from mipr_rules.errors import MiprRulesError
from mipr_rules.explain import Explanation, explain_results, probes_for
from mipr_rules.loading import load_data_file
from mipr_rules.model import Location
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.ruletest.given import GivenFacts, ensure_registered
from mipr_rules.ruletest.keyword import Matcher
from mipr_rules.ruletest.schema import Expectation
from mipr_rules.ruletest.suite import (
    INSTALLED,
    LoadedCase,
    Suite,
    load_suite,
    sample_location_path,
    subject_matches,
)


def result_dict(hit: RuleHit) -> dict[str, Any]:
    """A result as test expectations see it (``fields`` match these keys)."""
    return {
        "rule": hit.rule_id, "title": hit.title, "severity": hit.severity, "subject": hit.subject,
        "partition": hit.partition, "message": hit.message, "facts": dict(hit.facts),
        "parameters": dict(hit.parameters), "emit": dict(hit.emit),
        "maps_to": {k: v for k, v in attrs.asdict(hit.maps_to).items() if v is not None},
        "source": hit.source.as_dict(),
        "citation": hit.citation,
    }


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


def partial_diff(expected: Any, actual: Any, path: str) -> list[str]:
    """Where ``actual`` differs from ``expected``, comparing only the keys ``expected`` gives."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path}: expected a mapping, got {json.dumps(actual, default=str)}"]
        out = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}.{key}: expected {json.dumps(value, default=str)}, not present")
            else:
                out += partial_diff(value, actual[key], f"{path}.{key}")
        return out
    if _same(expected, actual):
        return []
    return [f"{path}: expected {json.dumps(expected, default=str)}, got {json.dumps(actual, default=str)}"]


def differences(exp: Expectation, hit: RuleHit) -> list[str]:
    """Why ``hit`` does not match ``exp`` (empty when it matches)."""
    out = []
    if hit.rule_id != exp.rule:
        out.append(f"rule: expected {exp.rule}, got {hit.rule_id}")
    if not subject_matches(exp.subject, hit.subject):
        out.append(f"subject: expected {exp.subject}, got {hit.subject}")
    if exp.partition is not None and exp.partition != hit.partition:
        out.append(f"partition: expected {exp.partition}, got {hit.partition}")
    out += partial_diff(exp.facts, hit.facts, "facts")
    out += partial_diff(exp.fields, result_dict(hit), "fields")
    return out


def describe(exp: Expectation) -> str:
    """An expectation in one line."""
    parts = [exp.rule]
    if exp.subject:
        parts.append(f"on {exp.subject}")
    if exp.partition:
        parts.append(f"in {exp.partition}")
    if exp.facts:
        parts.append(f"with facts {json.dumps(exp.facts, default=str)}")
    if exp.fields:
        parts.append(f"with fields {json.dumps(exp.fields, default=str)}")
    if exp.count is not None:
        parts.append(f"exactly {exp.count} time(s)")
    return " ".join(parts)


def hit_line(hit: RuleHit) -> str:
    """A result in one line."""
    return f"{hit.rule_id} on {hit.subject}: {hit.message}"


@attrs.frozen
class Failure:
    """One expectation a case did not meet."""

    kind: str
    """``missing`` (an expected result did not come out), ``count``, ``unexpected`` (an ``expect_not``
    result came out) or ``extra`` (with ``only_expected``, a result no expectation covers)."""
    message: str
    """One line."""
    expected: str
    """What was expected, in one line."""
    actual: tuple[str, ...]
    """The results that bear on it, one line each."""
    differences: tuple[str, ...] = ()
    """Per-field differences from the closest results."""
    explanation: Explanation | None = None
    """Why (for results that came out) or why not (for a rule that did not fire), from the engine's probes."""

    def lines(self) -> list[str]:
        """Readable text."""
        out = [f"  {self.message}", f"    expected: {self.expected}"]
        if self.actual:
            out.append(f"    actual:   {self.actual[0]}")
            out += [f"              {a}" for a in self.actual[1:]]
        else:
            out.append("    actual:   (nothing)")
        out += [f"    differs:  {d}" for d in self.differences]
        if self.explanation is not None:
            out += ["    " + line for line in self.explanation.lines()]
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "message": self.message, "expected": self.expected, "actual": list(self.actual),
                "differences": list(self.differences),
                "explanation": self.explanation.as_dict() if self.explanation else None}


@attrs.frozen
class CaseResult:
    """The outcome of one case."""

    file: str
    """The test file."""
    line: int
    """The case's line."""
    name: str
    """The case's name."""
    ruleset_id: str
    """Ruleset id."""
    ruleset_version: str
    """Ruleset version."""
    status: str
    """``passed``, ``failed`` or ``error``."""
    failures: tuple[Failure, ...] = ()
    """What did not match."""
    error: str | None = None
    """Why the case could not run (one line)."""
    hits: tuple[RuleHit, ...] = ()
    """Every result the case produced."""
    duration: float = 0.0
    """Seconds spent."""

    @property
    def id(self) -> str:
        """``file::name``."""
        return f"{self.file}::{self.name}"

    def lines(self) -> list[str]:
        """Readable text of a failure or error (empty when passed)."""
        if self.status == "passed":
            return []
        out = [f"{self.status.upper()} {self.file}:{self.line}: {self.name}"]
        if self.error:
            out.append(f"  error: {self.error}")
        for failure in self.failures:
            out += failure.lines()
        if self.status == "failed":
            shown = [hit_line(h) for h in self.hits]
            out.append(f"  all results ({len(shown)}):" if shown else "  all results: none")
            out += [f"    {line}" for line in shown[:25]]
            if len(shown) > 25:
                out.append(f"    … and {len(shown) - 25} more")
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON form (docs/commands/rules-test.md)."""
        return {"file": self.file, "line": self.line, "name": self.name,
                "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version}, "status": self.status,
                "failures": [f.as_dict() for f in self.failures], "error": self.error,
                "results": [{"rule": h.rule_id, "subject": h.subject, "partition": h.partition, "message": h.message}
                            for h in self.hits],
                "duration": round(self.duration, 4)}


@attrs.frozen
class Observation:
    """What coverage needs from one case: the results and, per condition probe, where it held."""

    ruleset: Ruleset
    """The ruleset (as run)."""
    hits: tuple[RuleHit, ...]
    """The results."""
    probes: tuple[ProbeResults, ...] = ()
    """Probe results, one per partition (when coverage was asked for)."""


def _partition(subject: Any, index: int) -> str:
    for name in ("location_id", "report_id", "id", "key"):
        value = getattr(subject, name, None)
        if isinstance(value, str) and value:
            return value
    return "given" if isinstance(subject, GivenFacts) else f"subject-{index + 1}"


class Runner:
    """Runs rule-test suites in one set of engine workers. Use as a context manager."""

    def __init__(self, evaluator: Evaluator, catalogue: Catalogue) -> None:
        """``evaluator`` and ``catalogue`` (the installed rulesets) are a session's: ``Session.rule_tests()``."""
        self.pm = evaluator.pm
        ensure_registered(self.pm)
        self.evaluator = evaluator
        self.catalogue = catalogue
        """The installed rulesets (a test file names one, unless its ruleset file is beside it)."""
        self.catalogues: dict[str, Catalogue] = {INSTALLED: catalogue}

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: the evaluator's owner (the session) stops its workers."""

    def load(self, path: Path | str) -> Suite:
        """Load and check a rule-test file."""
        return load_suite(path, self.pm, self.catalogues)

    def subjects(self, suite: Suite, case: LoadedCase) -> list[Any]:
        """The subjects a case evaluates."""
        given = case.case.given
        if given.inline is not None:
            return [case.subject]
        if given.facts is not None:
            return [GivenFacts(tuple(given.facts))]
        if given.sample is not None:
            source, adapter = str(sample_location_path(given.sample)), "file"
        elif given.fixture is not None:
            source, adapter = str(suite.path.parent / given.fixture), given.adapter or "file"
            cls = self._fixture_class(suite, given.type or suite.spec.type)
            if given.adapter is None and cls is not None and not issubclass(cls, Location):
                data = load_data_file(source)
                return [structure(item, cls, source, f"$[{n}]" if isinstance(data, list) else "$")
                        for n, item in enumerate(data if isinstance(data, list) else [data])]
        else:
            source, adapter = str(given.source), str(given.adapter)
        # Test cases name records by the ids in their fixtures; a pseudonym made here is never compared
        # across runs, so a fresh key keeps the user's own key out of rule tests.
        context = ReadContext(key=secrets.token_bytes(32))
        return list(plugins.adapter(adapter, self.pm).read(source, context))

    @staticmethod
    def _fixture_class(suite: Suite, name: str | None) -> type | None:
        if name is not None:
            return next((t for t in suite.subject_types if t.__name__ == name), None)
        return suite.subject_type

    def run_suite(self, suite: Suite, *, select: Matcher | None = None, ruleset: Ruleset | None = None,
                  observe: bool = False, names: Collection[str] | None = None,
                  ) -> Iterator[tuple[CaseResult, Observation | None]]:
        """Run the cases of ``suite`` (those ``select`` accepts, or those ``names``), against ``ruleset`` if given.

        Cases sharing a ruleset, parameters, as-of date and region go to the engine as one batch.
        With ``observe``, also run the condition probes (for coverage).
        """
        chosen = [c for c in suite.cases
                  if (select is None or select(f"{suite.path.name} {suite.ruleset_id} {c.name}"))
                  and (names is None or c.name in names)]
        batches: dict[str, list[LoadedCase]] = {}
        for case in chosen:
            key = json.dumps([id(ruleset or case.ruleset), case.overrides, case.as_of.isoformat(), case.region],
                             sort_keys=True, default=str)
            batches.setdefault(key, []).append(case)
        done: dict[int, tuple[CaseResult, Observation | None]] = {}
        for cases in batches.values():
            for case, outcome in zip(cases, self._run_batch(suite, cases, ruleset, observe), strict=True):
                done[case.index] = outcome
        for case in chosen:
            yield done[case.index]

    def _run_batch(self, suite: Suite, cases: list[LoadedCase], ruleset: Ruleset | None,
                   observe: bool) -> list[tuple[CaseResult, Observation | None]]:
        first = cases[0]
        target = ruleset or first.ruleset
        started = time.perf_counter()
        try:
            compiled = self.evaluator.compile(target, first.overrides, suite.subject_type)
        except MiprRulesError as exc:
            return [(self._error(suite, c, target, exc, 0.0), None) for c in cases]
        subjects: list[tuple[str, Any]] = []
        owners: dict[str, tuple[int, str]] = {}
        errors: dict[int, MiprRulesError] = {}
        for n, case in enumerate(cases):
            try:
                found = self.subjects(suite, case)
            except MiprRulesError as exc:
                errors[n] = exc
                continue
            for index, subject in enumerate(found):
                partition = _partition(subject, index)
                key = f"{case.index}#{index}"
                owners[key] = (n, partition)
                subjects.append((key, subject))
        evaluations: dict[int, list[tuple[str, Evaluation]]] = {n: [] for n in range(len(cases))}
        for evaluation in self.evaluator.run(compiled, subjects, first.as_of, first.region):
            n, partition = owners[evaluation.key]
            evaluations[n].append((partition, evaluation))
        per_case = (time.perf_counter() - started) / max(1, len(cases))
        out: list[tuple[CaseResult, Observation | None]] = []
        for n, case in enumerate(cases):
            if n in errors:
                out.append((self._error(suite, case, target, errors[n], per_case), None))
                continue
            failed = next((e for _, e in evaluations[n] if e.error is not None), None)
            if failed is not None and failed.error is not None:
                out.append((self._error(suite, case, target, failed.error, per_case), None))
                continue
            out.append(self._judge(suite, case, compiled, evaluations[n], observe, per_case))
        return out

    @staticmethod
    def _error(suite: Suite, case: LoadedCase, ruleset: Ruleset, error: MiprRulesError,
               duration: float) -> CaseResult:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return CaseResult(str(suite.path), case.line, case.name, ruleset.id, ruleset.version, "error",
                          error=message, duration=duration)

    def _judge(self, suite: Suite, case: LoadedCase, compiled: CompiledRuleset,
               evaluations: list[tuple[str, Evaluation]], observe: bool,
               duration: float) -> tuple[CaseResult, Observation | None]:
        hits = tuple(attrs.evolve(h, partition=partition) for partition, e in evaluations for h in e.hits)
        probe_cache: dict[str, ProbeResults] = {}

        def probes(partition: str) -> ProbeResults:
            if partition not in probe_cache:
                evaluation = next(e for p, e in evaluations if p == partition)
                probe_cache[partition] = run_probes(self.evaluator.pool, probes_for(compiled), partition,
                                                    list(evaluation.facts))
            return probe_cache[partition]

        failures = self._failures(case, hits, evaluations, probes)
        observation = None
        if observe:
            observation = Observation(compiled.ruleset, hits, tuple(probes(p) for p, _ in evaluations))
        ruleset = compiled.ruleset
        result = CaseResult(str(suite.path), case.line, case.name, ruleset.id, ruleset.version,
                            "failed" if failures else "passed", tuple(failures), hits=hits, duration=duration)
        return result, observation

    @staticmethod
    def _failures(case: LoadedCase, hits: Sequence[RuleHit], evaluations: list[tuple[str, Evaluation]],
                  probes: Any) -> list[Failure]:
        failures = []
        partitions = [p for p, _ in evaluations]
        for exp in case.case.expect:
            matching = [h for h in hits if not differences(exp, h)]
            if exp.count is not None and len(matching) != exp.count and matching:
                failures.append(Failure("count", f"expected {exp.count} matching result(s), got {len(matching)}",
                                        describe(exp), tuple(hit_line(h) for h in matching)))
            if matching:
                continue
            if exp.count == 0:
                continue
            same_rule = [h for h in hits if h.rule_id == exp.rule]
            closest = sorted(same_rule, key=lambda h: len(differences(exp, h)))[:5]
            diffs = tuple(f"{h.subject}: {d}" for h in closest for d in differences(exp, h))
            explanation = None
            if not any(subject_matches(exp.subject, h.subject) for h in same_rule):
                subject = exp.subject if exp.subject and not any(c in exp.subject for c in "*?[") else None
                where = [p for p in partitions if exp.partition in (None, p)]
                if where:
                    explanation = explain_results(probes(where[0]), [h for h in hits if h.partition == where[0]],
                                                  why_not=exp.rule, subject=subject, partition=where[0], limit=3)
            message = (f"expected result missing: {exp.rule} did not fire" if not same_rule
                       else f"expected result missing: {exp.rule} fired, but not as expected")
            failures.append(Failure("missing", message, describe(exp), tuple(hit_line(h) for h in closest),
                                    diffs, explanation))
        for exp in case.case.expect_not:
            matching = [h for h in hits if not differences(exp, h)]
            if matching:
                failures.append(Failure(
                    "unexpected", f"unexpected result: {exp.rule} fired {len(matching)} time(s)", "no " + describe(exp),
                    tuple(hit_line(h) for h in matching), (),
                    _why(matching, probes),
                ))
        if case.case.only_expected:
            extra = [h for h in hits if not any(not differences(exp, h) for exp in case.case.expect)]
            if extra:
                failures.append(Failure(
                    "extra", f"{len(extra)} result(s) no expectation covers (only_expected is set)",
                    "only the expected results", tuple(hit_line(h) for h in extra), (), _why(extra, probes),
                ))
        return failures


def _why(hits: Sequence[RuleHit], probes: Any) -> Explanation | None:
    partition = hits[0].partition
    return explain_results(probes(partition), [h for h in hits if h.partition == partition], partition=partition)


def run_paths(runner: Runner, files: Iterable[Path], **options: Any) -> Iterator[tuple[CaseResult, Observation | None]]:
    """Load each file and run it (loading errors propagate as ``RulesetError``)."""
    for file in files:
        yield from runner.run_suite(runner.load(file), **options)
