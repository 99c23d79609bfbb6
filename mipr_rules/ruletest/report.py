"""The report of ``mipr rules test``: readable text, JSON (docs/commands/rules-test.md) and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

import attrs

from mipr_rules.ruletest.coverage import RulesetCoverage
from mipr_rules.ruletest.runner import CaseResult

FORMATS = ("text", "json", "junit")


@attrs.frozen
class RunReport:
    """Every case run, and coverage if it was asked for."""

    cases: tuple[CaseResult, ...]
    """Outcomes, in file order."""
    coverage: tuple[RulesetCoverage, ...] | None = None
    """Per-ruleset coverage (``--coverage`` or ``--threshold``)."""
    threshold: float | None = None
    """Least rule coverage, in percent, every ruleset must reach."""

    def count(self, status: str) -> int:
        """Cases with this status."""
        return sum(c.status == status for c in self.cases)

    @property
    def below_threshold(self) -> list[RulesetCoverage]:
        """Rulesets whose rule coverage is under the threshold."""
        if self.threshold is None or self.coverage is None:
            return []
        return [c for c in self.coverage if c.percent + 1e-9 < self.threshold]

    @property
    def exit_code(self) -> int:
        """2 if a case could not run, 1 if one failed or coverage is under the threshold, else 0."""
        if self.count("error"):
            return 2
        return 1 if self.count("failed") or self.below_threshold else 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (docs/commands/rules-test.md)."""
        return {
            "kind": "rules-test",
            "ok": self.exit_code == 0,
            "summary": {"files": len({c.file for c in self.cases}), "cases": len(self.cases),
                        "passed": self.count("passed"), "failed": self.count("failed"), "errors": self.count("error")},
            "cases": [c.as_dict() for c in self.cases],
            "coverage": None if self.coverage is None else [c.as_dict() for c in self.coverage],
            "threshold": None if self.threshold is None else {
                "percent": self.threshold, "met": not self.below_threshold,
                "below": [{"id": c.ruleset_id, "version": c.version, "percent": round(c.percent, 2)}
                          for c in self.below_threshold],
            },
        }

    def text(self, verbose: bool = False) -> str:
        """Readable report: failures in full, then coverage and a summary line."""
        out: list[str] = []
        by_file: dict[str, list[CaseResult]] = defaultdict(list)
        for case in self.cases:
            by_file[case.file].append(case)
        for file, cases in by_file.items():
            marks = "".join({"passed": ".", "failed": "F", "error": "E"}[c.status] for c in cases)
            out.append(f"{file} {marks}")
            if verbose:
                out += [f"  {c.status.upper():<6} {c.name}" for c in cases]
        problems = [c for c in self.cases if c.status != "passed"]
        for case in problems:
            out += ["", *case.lines()]
        if self.coverage is not None:
            out += ["", "Coverage:"]
            for cov in self.coverage:
                cond_total = len(cov.conditions)
                cond_false = len([c for c in cov.conditions if c.failed])
                out.append(f"  {cov.ruleset_id} {cov.version}: {len(cov.fired)}/{len(cov.rules)} rules fired "
                           f"({cov.percent:.1f}%) in {cov.cases} case(s); {cond_false}/{cond_total} conditions "
                           "false in some case")
                if not cov.cases:
                    out.append("    no test cases")
                if cov.never_fired:
                    out.append(f"    never fired: {', '.join(cov.never_fired)}")
                for cond in cov.never_false:
                    out.append(f"    never false: {cond.rule_id} {cond.path}: {cond.text}")
                for cond in cov.not_evaluated:
                    out.append(f"    never reached: {cond.rule_id} {cond.path}: {cond.text}")
        if self.threshold is not None:
            below = self.below_threshold
            if below:
                names = ", ".join(f"{c.ruleset_id} {c.version} ({c.percent:.1f}%)" for c in below)
                out.append(f"\nRule coverage under {self.threshold:g}%: {names}")
            else:
                out.append(f"\nRule coverage of every ruleset is at least {self.threshold:g}%")
        summary = f"{self.count('passed')} passed, {self.count('failed')} failed, {self.count('error')} error(s)"
        out += ["", f"{summary} in {len(by_file)} file(s)"]
        return "\n".join(out) + "\n"

    def junit(self) -> str:
        """JUnit XML: one ``testsuite`` per file, one ``testcase`` per case; coverage as properties."""
        root = ET.Element("testsuites", name="mipr rules test", tests=str(len(self.cases)),
                          failures=str(self.count("failed")), errors=str(self.count("error")),
                          time=f"{sum(c.duration for c in self.cases):.3f}")
        by_file: dict[str, list[CaseResult]] = defaultdict(list)
        for case in self.cases:
            by_file[case.file].append(case)
        coverage = {c.ruleset_id: c for c in self.coverage or ()}
        for file, cases in by_file.items():
            suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(cases)),
                                  failures=str(sum(c.status == "failed" for c in cases)),
                                  errors=str(sum(c.status == "error" for c in cases)), skipped="0",
                                  time=f"{sum(c.duration for c in cases):.3f}")
            props = ET.SubElement(suite, "properties")
            rulesets = sorted({(c.ruleset_id, c.ruleset_version) for c in cases})
            for ruleset_id, version in rulesets:
                ET.SubElement(props, "property", name="ruleset", value=f"{ruleset_id} {version}")
                if ruleset_id in coverage:
                    cov = coverage[ruleset_id]
                    ET.SubElement(props, "property", name=f"coverage.{ruleset_id}.rules",
                                  value=f"{cov.percent:.1f}")
            for case in cases:
                element = ET.SubElement(suite, "testcase", name=case.name, classname=case.ruleset_id,
                                        file=case.file, line=str(case.line), time=f"{case.duration:.3f}")
                if case.status == "failed":
                    failure = ET.SubElement(element, "failure", type="expectation",
                                            message=case.failures[0].message if case.failures else "failed")
                    failure.text = "\n".join(case.lines())
                elif case.status == "error":
                    error = ET.SubElement(element, "error", type="error", message=case.error or "error")
                    error.text = "\n".join(case.lines())
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def render(self, fmt: str, verbose: bool = False) -> str:
        """The report in ``fmt`` (``text``, ``json`` or ``junit``)."""
        import json

        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
        if fmt == "junit":
            return self.junit()
        return self.text(verbose)
