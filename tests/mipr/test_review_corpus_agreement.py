"""The corpus against an experienced reviewer's expected outcomes (``tests/fixtures/mipr/corpus/expected.yaml``),
in Markdown and in Word: agreement per criterion, printed, and every confident expectation met."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mipr_corpus_word import docx_from_markdown

from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import InputError
from mipr_rules.mipr.criteria import CRITERIA
from mipr_rules.mipr.review import ReviewReport

CORPUS = Path(__file__).parents[1] / "fixtures" / "mipr" / "corpus"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
AS_OF = dt.date(2025, 12, 1)
SHORT = {c.id.split(".", 1)[1]: c.id for c in CRITERIA}


def _agrees(expected: str, score: int | None) -> bool:
    if expected == "not_assessed":
        return score is None
    if score is None:
        return False
    return {"pass": score >= 3, "fail": score <= 2, "inadequate": score == 1}[expected]


@pytest.fixture(scope="module")
def engine() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as evaluator:
        yield evaluator


@pytest.fixture(scope="module")
def reviews(engine: Evaluator, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    """(report, format) → its review, or the refusal's message."""
    words = tmp_path_factory.mktemp("word")
    out: dict[tuple[str, str], Any] = {}
    for name in EXPECTED:
        source = CORPUS / name
        for fmt, path in (("md", source), ("docx", docx_from_markdown(source, words / f"{source.stem}.docx"))):
            try:
                out[(name, fmt)] = Session(evaluator=engine).review(path, as_of=AS_OF)
            except InputError as exc:
                out[(name, fmt)] = str(exc)
    return out


def test_the_corpus_is_realistic_and_covers_both_formats() -> None:
    assert len(EXPECTED) >= 13
    realistic = [n for n in EXPECTED if 550 <= len((CORPUS / n).read_text(encoding="utf-8").split()) <= 1500]
    assert len(realistic) >= 12, realistic


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_agreement_per_criterion_with_the_reviewer(
    reviews: dict[tuple[str, str], Any], fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tally: dict[str, list[int]] = {short: [0, 0] for short in SHORT}
    misses: list[str] = []
    known: list[str] = []
    proceeds = [0, 0]
    for name, expected in EXPECTED.items():
        result = reviews[(name, fmt)]
        if "refused" in expected:
            assert isinstance(result, str) and expected["refused"] in result, name
            continue
        assert isinstance(result, ReviewReport), f"{name} ({fmt}) refused: {result}"
        scores = {c.criterion.id: c.score for c in result.criteria}
        for short, want in expected.get("criteria", {}).items():
            ok = _agrees(want, scores[SHORT[short]])
            tally[short][0] += ok
            tally[short][1] += 1
            if not ok:
                misses.append(f"{name}: {short} expected {want}, scored {scores[SHORT[short]]}")
        proceeds[0] += result.proceeds_to_panel is expected["proceeds"]
        proceeds[1] += 1
        if result.proceeds_to_panel is not expected["proceeds"]:
            miss = f"{name}: proceeds expected {expected['proceeds']}, got {result.proceeds_to_panel}"
            (known if expected.get("known_disagreement") == "proceeds" else misses).append(miss)
        if "overall" in expected and result.overall.rating.value != expected["overall"]:
            misses.append(f"{name}: overall expected {expected['overall']}, got {result.overall.rating.value}")
    with capsys.disabled():
        print(f"\ncorpus agreement per criterion ({fmt}):")
        for short, (agree, total) in tally.items():
            print(f"  {short:26} {agree}/{total}")
        print(f"  {'proceeds to the panel':26} {proceeds[0]}/{proceeds[1]}")
        for miss in known:
            print(f"  known disagreement: {miss}")
        for miss in misses:
            print(f"  disagreement: {miss}")
    assert all(total >= 2 for _, total in tally.values()), "every criterion is pinned by at least 2 reports"
    assert misses == []


def test_word_and_markdown_editions_score_the_same(reviews: dict[tuple[str, str], Any]) -> None:
    for name, expected in EXPECTED.items():
        md, word = reviews[(name, "md")], reviews[(name, "docx")]
        if "refused" in expected:
            continue
        assert {c.criterion.id: c.score for c in md.criteria} == {c.criterion.id: c.score for c in word.criteria}, name
