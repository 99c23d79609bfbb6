"""Public sources only: every shipped rule cites a public document, and nothing names a file outside the repo."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules import plugins
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.loader import parse_ruleset
from mipr_rules.ruletest.lint import PUBLIC_SOURCE_HOSTS, lint_file, public_host, public_source_problems

Mipr = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for p in (ROOT / "rulesets").glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def test_every_ruleset_is_shipped_and_checked() -> None:
    assert {p.stem for p in SHIPPED} >= {
        "cqc-readiness", "cqc-timelines", "improvement-inspections-2023", "saf-rating-2024", "kloe-rating-2014",
        "mipr-2025", "mipr-panel-2025",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_ruleset_lints_clean_with_the_public_source_check(path: Path) -> None:
    problems = lint_file(path, plugins.plugin_manager(), tests=False, public_sources=True)
    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_source_is_a_public_document_with_its_section_and_basis(path: Path) -> None:
    ruleset = parse_ruleset(path.read_text(encoding="utf-8"), str(path))
    for source in ruleset.sources:
        assert (source.url and public_host(source.url)) or (source.publisher and source.date), source.id
        assert source.section and source.basis in ("law", "guidance", "policy"), source.id
    cited = {r.source for r in ruleset.rules}
    assert cited <= {s.id for s in ruleset.sources}


def test_figures_resting_on_common_policy_stay_parameters() -> None:
    ruleset = Catalogue.installed().get("cqc-readiness")
    policy_sources = {s.id for s in ruleset.sources if s.basis == "policy"}
    on_policy = {name: p for name, p in ruleset.parameters.items() if p.source in policy_sources}
    assert "care_plan_review_days" in on_policy and "dbs_recheck_months" in on_policy
    assert all(p.policy for p in on_policy.values())


def test_a_source_without_a_url_names_publisher_title_and_date() -> None:
    ccaf = Catalogue.installed().get("mipr-2025").source("ccaf-mipr")
    assert ccaf is not None and ccaf.url is None
    assert (ccaf.publisher, ccaf.title) == ("C-CAF", "How the MIPR process works: a step-by-step guide")
    assert ccaf.date


def test_results_cite_sources_without_a_seed() -> None:
    source = Catalogue.installed().get("cqc-readiness").source("reg-18")
    assert source is not None
    assert list(source.as_dict()) == ["id", "title", "url", "publisher", "section", "date", "basis", "note",
                                      "confidence"]
    assert source.as_dict()["url"] == "https://www.legislation.gov.uk/uksi/2009/3112/regulation/18"


# --- the check itself ----------------------------------------------------------------------------------

HEAD = """\
id: cite-me
version: 1.0.0
framework: SAF_2024_12
kind: readiness
title: A ruleset citing one source
effective_from: 2024-12-01
sources:
  - {SOURCE}
parameters:
  days: {default: 28, description: A threshold, source: src{POLICY}}
rules:
  - id: overdue
    title: Overdue
    fact: care_plan
    when:
      - days_since_review: {gt: $days}
    source: src
"""
GOOD = ("id: src, title: 'Regulation 9: Person-centred care', url: 'https://www.legislation.gov.uk/uksi/2014/2936/"
        "regulation/9', section: 'regulation 9(3)', basis: policy")


def source_problems(tmp_path: Path, source: str, policy: str = "") -> list[str]:
    path = tmp_path / "cite-me.yaml"
    path.write_text(HEAD.replace("{SOURCE}", "{" + source + "}").replace("{POLICY}", policy))
    ruleset = parse_ruleset(path.read_text(), str(path))
    return [f"{p.level}: {p.message}" for p in public_source_problems(ruleset, None, str(path))]


def test_a_complete_public_source_passes(tmp_path: Path) -> None:
    assert source_problems(tmp_path, GOOD) == []


def test_publisher_title_and_date_stand_in_for_a_url(tmp_path: Path) -> None:
    text = "id: src, title: 'How the MIPR process works', publisher: C-CAF, date: '2025', section: x, basis: guidance"
    assert source_problems(tmp_path, text) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("id: src, title: A source, section: x, basis: law", "neither a url nor a publisher"),
    ("id: src, title: 'QCS Ask Sheila', url: 'https://www.qcs.co.uk/', section: x, basis: policy",
     "is not on a public source host"),
    ("id: src, title: t, url: 'http://www.legislation.gov.uk/uksi/2014/2936', section: x, basis: law",
     "is not on a public source host"),
    ("id: src, title: t, url: 'https://legislation.gov.uk.example.com/x', section: x, basis: law",
     "is not on a public source host"),
    ("id: src, title: 'cqc-reference.md §4.2: alert rules', publisher: CQC, date: '2024', section: x, basis: policy",
     "title names 'cqc-reference"),
    ("id: src, title: 'C-CAF guide (seed 000)', publisher: C-CAF, date: '2025', section: x, basis: guidance",
     "title names 'seed"),
    ("id: src, title: t, publisher: C-CAF, date: '2025', section: 'see 000_2fb98fc190561ef6.txt', basis: law",
     "section names '000_2fb98fc190561ef6.txt'"),
    ("id: src, title: t, publisher: C-CAF, date: '2025', section: x, basis: folklore", "basis must be one of"),
])
def test_lint_fails_on_a_source_that_is_not_a_public_document(tmp_path: Path, source: str, expected: str) -> None:
    found = source_problems(tmp_path, source)
    assert any(p.startswith("error: ") and expected in p for p in found), found


def test_subdomains_of_public_hosts_are_public() -> None:
    assert public_host("https://api.service.cqc.org.uk/public/v1")
    assert public_host("https://www.nice.org.uk/guidance/sc1")
    assert not public_host("https://www.nice.org.uk.example.com/guidance/sc1")
    assert "legislation.gov.uk" in PUBLIC_SOURCE_HOSTS and "skillsforcare.org.uk" in PUBLIC_SOURCE_HOSTS


def test_a_figure_marked_as_law_cannot_rest_on_a_policy_source(tmp_path: Path) -> None:
    found = source_problems(tmp_path, GOOD, policy=", policy: false")
    assert found == ["error: parameter days is marked as law (policy: false) but its source 'src' says the figure "
                     "is policy"]


def test_missing_section_and_basis_are_warnings(tmp_path: Path) -> None:
    found = source_problems(tmp_path, "id: src, title: t, url: 'https://www.cqc.org.uk/assessment'")
    assert found == ["warning: source 'src' does not say its basis (law, guidance, policy)",
                     "warning: source 'src' does not name the section it encodes"]


def test_the_lint_command_fails_on_a_non_public_source(tmp_path: Path, mipr: Mipr) -> None:
    path = tmp_path / "cite-me.yaml"
    path.write_text(HEAD.replace("{SOURCE}", "{id: src, title: Vendor checklist, url: 'https://www.qcs.co.uk/'}")
                    .replace("{POLICY}", ""))
    done = mipr("rules", "lint", str(path))
    assert done.returncode == 2
    assert "https://www.qcs.co.uk/ is not on a public source host" in done.stderr


# --- nothing in the repository names a file outside it -------------------------------------------------

FORBIDDEN = re.compile(
    r"cqc-reference|/work/|/root/|\bshared/|\b\d{3}_[0-9a-f]{16}\.txt\b"
    r"|(?<![-\w])seeds?\s+\d{1,3}\b|\bseeds/|seed's|seed_claim",
    re.IGNORECASE,
)
RANDOM_SEED = re.compile(r"random-number seed|\bseed\s*(?:\+?=|:\s*int\b)|\bseed=|\(seed\)|\{seed\}")
"""A random-number generator's seed in code, which is not a reference to a document."""
CHECKERS = {Path(__file__).resolve(), ROOT / "mipr_rules" / "ruletest" / "lint.py"}
"""This test and the lint check spell the forbidden patterns out to look for them."""
SKIP_DIRS = {".git", ".tox", ".nox", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
             "node_modules", ".venv", "venv", ".eggs"}


def repository_files() -> list[Path]:
    files = []
    stack = [ROOT]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            # a worktree's .git is a file naming the main checkout; other dot-folders are tools' caches
            if entry.name in SKIP_DIRS or (entry.is_dir() and entry.name.startswith(".") and entry.name != ".ci"):
                continue
            if entry.is_dir():
                if not entry.name.endswith(".egg-info") and not (entry / "pyvenv.cfg").exists():
                    stack.append(entry)
            elif entry.is_file() and entry.resolve() not in CHECKERS:
                files.append(entry)
    return files


def test_no_file_in_the_repository_names_a_file_outside_it() -> None:
    found = []
    files = repository_files()
    assert len(files) > 100 and ROOT / "rulesets" / "cqc-readiness.yaml" in files
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for match in FORBIDDEN.finditer(line):
                if match.group(0).lower().startswith("seed") and RANDOM_SEED.search(line):
                    continue
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r}")
    assert found == []


def test_the_repository_check_would_catch_a_stray_reference() -> None:
    for line in ("see cqc-reference.md §4.2", "(seed 002)", "in the seed's order", "/work/main/adapters",
                 "shared/domain/durable-rules-limits.md", "000_2fb98fc190561ef6.txt"):
        assert FORBIDDEN.search(line) and not RANDOM_SEED.search(line), line
    for line in ("rng = random.Random(seed)", "seed: int = 1,", "generate_home(as_of, seed=3)"):
        assert RANDOM_SEED.search(line), line
