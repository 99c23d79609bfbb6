"""Reading reports from YAML, JSON, Markdown and Word: the same model, and one-line errors naming the place."""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import attrs
import docx
import pytest
import yaml

from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError
from mipr_rules.mipr import read_report
from mipr_rules.mipr.markdown import read_markdown, render_markdown
from mipr_rules.mipr.report import EvidenceSource, Priority, Timescale, TimescaleUnit
from mipr_rules.mipr.samples import SAMPLES, generated_files, sample_path
from mipr_rules.mipr.structure import structure_report
from mipr_rules.mipr.word import docx_blocks, write_docx
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue

MARKDOWN_DOC = resources.files("mipr_rules.mipr") / "MARKDOWN.md"


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_yaml_json_markdown_and_word_read_to_the_same_report(key: str, tmp_path: Path) -> None:
    from_yaml = read_report(sample_path(key))
    as_json = tmp_path / "report.json"
    as_json.write_text(json.dumps(unstructure(from_yaml)))
    assert read_report(as_json) == from_yaml
    assert read_report(sample_path(key, ".md")) == from_yaml
    assert read_report(sample_path(key, ".docx")) == from_yaml


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_committed_markdown_and_word_samples_are_up_to_date(key: str, tmp_path: Path) -> None:
    """Regenerate with ``python tests/mipr/generate_samples.py`` after editing a sample's YAML.

    Markdown is compared byte for byte; Word by its paragraphs (style and text), since the bytes of a
    .docx also depend on the python-docx version's template.
    """
    generated = generated_files(sample_path(key))
    assert sample_path(key, ".md").read_bytes() == generated[".md"], "stale Markdown sample"
    fresh = tmp_path / "fresh.docx"
    fresh.write_bytes(generated[".docx"])
    committed = [(b.kind, b.level, b.text) for b in docx_blocks(sample_path(key, ".docx"), "x")]
    assert committed == [(b.kind, b.level, b.text) for b in docx_blocks(fresh, "x")], "stale Word sample"


def test_the_documented_example_reads_the_same_in_markdown_and_yaml() -> None:
    text = MARKDOWN_DOC.read_text(encoding="utf-8")
    markdown = re.search(r"```markdown\n(.*?)```", text, re.S)
    data = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert markdown and data
    report = read_markdown(markdown[1], "example.md")
    assert report == structure_report(yaml.safe_load(data[1]), "example.yaml")
    assert report.finding_for("C1") is not None and report.finding_for("C1").score is RatingValue.GOOD  # type: ignore[union-attr]
    assert report.recommendations[0].timescale == Timescale(2, TimescaleUnit.WEEKS)


def test_the_sample_reads_as_written() -> None:
    report = read_report(sample_path("requires_improvement"))
    assert report.location.name == "Oakfield House"
    assert report.scope.quality_statements[-2:] == ("W3", "W5")
    s8 = report.finding_for("S8")
    assert s8 is not None and s8.score == 1 and s8.evidence[0].source is EvidenceSource.DOCUMENTATION
    assert report.recommendations[2].owner is None and report.recommendations[0].priority is Priority.URGENT
    assert report.proposed_ratings.key_questions[KeyQuestion.SAFE] is RatingValue.GOOD
    assert report.publication_consent is False


HANDWRITTEN = """\
<!-- a consultant's own layout: wrapped lines, bold labels, other bullet marks, loose case -->
# Draft report

* **Location ID:** 1-9
* Location name: Birch House
+ Consultant: Jo Bloggs
- Visit dates: 2025-01-10
- publication consent: Yes

## scope
- Services: Care home
- Quality Statements: S3, W5

---

## SAFE

### S3: Safeguarding

**Score:** 3

Staff knew how to report
abuse, and referrals were
made the same day.

Second paragraph.

**Evidence**
- Staff interview: Interviews with
  4 care staff
- documentation: Safeguarding log

## Well-led

### w5 Governance

Score: Requires improvement

Audits missed the concerns.

Risk RISK-A:
- Kind: actual
- Affects: service, people
- Severity: high
- Description: Concerns go unnoticed.

## Recommendations

Recommendation REC-A
- Action: Revise the audits.
- Priority: high
- Timescale: by 2025-03-01
- Findings: W5
- Risks: RISK-A
"""


def test_markdown_layout_variations_read_as_the_convention_says() -> None:
    report = read_markdown(HANDWRITTEN, "draft.md")
    assert report.location.id == "1-9" and report.publication_consent is True
    assert report.scope.quality_statements == ("S3", "W5")
    s3, w5 = report.findings
    assert s3.narrative == "Staff knew how to report abuse, and referrals were made the same day.\n\nSecond paragraph."
    assert s3.evidence[0].reference == "Interviews with 4 care staff"
    assert w5.statement == "W5" and w5.score is RatingValue.REQUIRES_IMPROVEMENT
    assert report.risks[0].finding == "W5" and report.risks[0].id == "RISK-A"
    assert report.recommendations[0].timescale is not None
    assert str(report.recommendations[0].timescale) == "2025-03-01"
    assert render_markdown(report) and read_markdown(render_markdown(report), "again.md") == report


def _oakfield_markdown() -> str:
    return sample_path("requires_improvement", ".md").read_text(encoding="utf-8")


MARKDOWN_ERRORS = [
    ("Score: 1", "Score: 5", r"report\.md:\d+: expected a score from 1 to 4$"),
    (
        "### S5 Safe environments",
        "### S3 Safe environments",
        r"report\.md:\d+: a second finding for the same quality statement$",
    ),
    ("S1, S3, S5, S8", "S1, S3, S5, S9", r"report\.md:13: expected a quality statement id \(S1-S8, "),
    ("- Visit dates: 2025-06-17", "- Visit dates: soon", r"report\.md:6: expected date \(YYYY-MM-DD\)$"),
]

MARKDOWN_TOLERATED = [
    ("- Action: Check the administration", "- Actin: Check the administration", "unscored_section", "field 'Actin'"),
    ("- Severity: critical", "- Severity: severe", "non_cqc_spelling", "risk severity 'severe' read as 'high'"),
    ("- Severity: critical", "- Severity: dreadful", "unscored_section", "without a readable 'Severity:'"),
    ("- Visit dates: 2025-06-17", "- Visit dates: 17/06/2025", "non_cqc_spelling", "read as 2025-06-17"),
    ("- Publication consent: no", "- Publication consent: maybe", "unread_value", "neither yes nor no"),
    ("- Location ID: 1-101000003\n", "", "unread_value", "front matter without 'Location ID:'"),
    ("Risk RISK-1\n", "Risk\n", "unread_value", "Risk block without an id"),
    ("- Priority: urgent\n- Owner: Clinical lead", "- Owner: Clinical lead", "unscored_section", "'Priority:'"),
    ("- Kind: potential\n", "", "unscored_section", "without a readable 'Kind:'"),
]


@pytest.mark.parametrize(
    ("old", "new", "kind", "detail"), MARKDOWN_TOLERATED, ids=[e[1][:30] for e in MARKDOWN_TOLERATED]
)
def test_consultants_variants_are_read_and_noted_not_refused(old: str, new: str, kind: str, detail: str) -> None:
    text = _oakfield_markdown()
    assert old in text
    report = read_markdown(text.replace(old, new, 1), "report.md")
    assert any(n.kind == kind and detail in n.detail for n in report.reading_notes), report.reading_notes


@pytest.mark.parametrize(("old", "new", "expected"), MARKDOWN_ERRORS, ids=[e[1][:30] for e in MARKDOWN_ERRORS])
def test_markdown_errors_are_one_line_naming_the_line(old: str, new: str, expected: str) -> None:
    text = _oakfield_markdown()
    assert old in text
    with pytest.raises(InputError) as info:
        read_markdown(text.replace(old, new, 1), "report.md")
    message = str(info.value)
    assert "\n" not in message
    assert re.match(expected, message), message


def test_markdown_error_line_number_is_the_offending_line() -> None:
    text = _oakfield_markdown().replace("Score: 1", "Score: 5", 1)
    line = text.splitlines().index("Score: 5") + 1
    with pytest.raises(InputError, match=rf"^report\.md:{line}: "):
        read_markdown(text, "report.md")


def test_error_messages_never_quote_the_report_text() -> None:
    text = _oakfield_markdown().replace("- Visit dates: 2025-06-17", "- Visit dates: Oakfield 17th", 1)
    with pytest.raises(InputError) as info:
        read_markdown(text, "report.md")
    assert "Oakfield" not in str(info.value) and "17th" not in str(info.value)


def _yaml_data() -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(sample_path("good").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["findings"][2].update(score="three"),
            "report.yaml: expected a score 1-4 or a rating word ('Outstanding', 'Good', 'Requires improvement', "
            "'Inadequate') @ $.findings[2].score",
        ),
        (lambda d: d["findings"][2].update(score=True), "@ $.findings[2].score"),
        (
            lambda d: d["risks"][0].update(severity="severe"),
            "report.yaml: expected one of 'low', 'medium', 'high', 'critical' @ $.risks[0].severity",
        ),
        (
            lambda d: d["recommendations"][1].update(timescale="asap"),
            "report.yaml: expected a timescale: 'immediately', 'N days', 'N weeks', 'N months' or a date YYYY-MM-DD "
            "@ $.recommendations[1].timescale",
        ),
        (
            lambda d: d["scope"]["quality_statements"].append("X1"),
            "report.yaml: expected a quality statement id (S1-S8, E1-E6, C1-C5, R1-R7, W1-W8) "
            "@ $.scope.quality_statements[15]",
        ),
        (lambda d: d["findings"][0].update(notes="x"), "report.yaml: unknown field(s) notes @ $.findings[0]"),
        (lambda d: d.pop("consultant"), "report.yaml: required field missing @ $.consultant"),
        (lambda d: d.update(visit_dates=[]), "report.yaml: at least one visit date expected @ $.visit_dates"),
        (
            lambda d: d["recommendations"][1].update(id="REC-1"),
            "report.yaml: duplicate recommendation id @ $.recommendations[1].id",
        ),
        (
            lambda d: d["findings"][1].update(statement="S1"),
            "report.yaml: a second finding for the same quality statement @ $.findings[1].statement",
        ),
        (
            lambda d: d["proposed_ratings"].update(overall="Requires Improvement"),
            "report.yaml: expected one of 'Outstanding', 'Good', 'Requires improvement', 'Inadequate' "
            "@ $.proposed_ratings.overall",
        ),
    ],
)
def test_yaml_errors_name_the_file_and_the_path(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = _yaml_data()
    change(data)
    with pytest.raises(InputError) as info:
        structure_report(data, "report.yaml")
    assert "\n" not in str(info.value)
    assert expected in str(info.value), str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    path.write_text("location: {id: 1\nconsultant: [\n")
    with pytest.raises(InputError, match=r"report\.yaml:\d+:\d+: invalid YAML"):
        read_report(path)


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"report\.pdf: unsupported report file type \.pdf; expected "):
        read_report(path)


def _word(tmp_path: Path, paragraphs: list[tuple[str, str | None]]) -> Path:
    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    path = tmp_path / "report.docx"
    document.save(str(path))
    return path


FRONT = [
    ("Draft", "Heading 1"),
    ("Location ID: 1-9", None),
    ("Location name: Birch House", None),
    ("Consultant: Jo Bloggs", None),
    ("Visit dates: 2025-01-10", None),
]


def test_word_report_written_by_hand_with_plain_paragraphs_and_numbered_lists(tmp_path: Path) -> None:
    path = _word(
        tmp_path,
        [
            *FRONT,
            ("Safe", "Heading 2"),
            ("S3 Safeguarding", "Heading 3"),
            ("Score: 3", None),
            ("Staff knew how to report abuse.", None),
            ("", None),
            ("Evidence", None),
            ("Observation: Handover, 10 January 2025", "List Number"),
            ("Recommendations", "Heading 2"),
            ("Recommendation REC-1", None),
            ("Action: Refresh safeguarding training.", "List Bullet"),
            ("Priority: low", "List Bullet"),
            ("Findings: S3", "List Bullet"),
        ],
    )
    report = read_report(path)
    assert report.findings[0].narrative == "Staff knew how to report abuse."
    assert report.findings[0].evidence[0].source is EvidenceSource.OBSERVATION
    assert report.recommendations[0].owner is None and report.recommendations[0].findings == ("S3",)


def test_word_notes_name_the_paragraph(tmp_path: Path) -> None:
    path = _word(
        tmp_path,
        [*FRONT, ("Recommendations", "Heading 2"), ("Recommendation REC-1", None), ("Priority: low", "List Bullet")],
    )
    notes = [(n.kind, n.place, n.detail) for n in read_report(path).reading_notes]
    assert (
        "unscored_section",
        f"{path}: paragraph 7",
        "Recommendation REC-1 without a readable 'Action:'; kept unscored",
    ) in notes


def test_word_heading_4_and_tables_are_read_not_refused(tmp_path: Path) -> None:
    path = _word(tmp_path, [*FRONT, ("Appendix", "Heading 4")])
    assert read_report(path).findings == ()
    path = _word(tmp_path, [*FRONT, ("Safe", "Heading 2")])
    document = docx.Document(str(path))
    document.add_table(rows=1, cols=2)
    document.save(str(path))
    assert read_report(path).findings == ()


def test_a_file_that_is_not_word_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_text("not a zip")
    with pytest.raises(InputError, match=r"report\.docx: not a Word \.docx document$"):
        read_report(path)
    with pytest.raises(InputError, match=r"missing\.docx: file not found$"):
        read_report(tmp_path / "missing.docx")


def test_rendering_needs_findings_grouped_by_key_question() -> None:
    report = read_report(sample_path("good"))
    s1, s3, *_, c1 = report.findings[:8]
    shuffled = attrs.evolve(report, findings=(s1, c1, s3), risks=())
    with pytest.raises(ValueError, match="grouped by key question"):
        render_markdown(shuffled)


def test_rendering_needs_each_risk_under_a_finding() -> None:
    report = read_report(sample_path("good"))
    orphan = attrs.evolve(report, findings=report.findings[:2])
    with pytest.raises(ValueError, match="every risk must belong to a finding"):
        render_markdown(orphan)


def test_without_python_docx_word_reports_fail_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mipr_rules.errors import ConfigError

    monkeypatch.setitem(sys.modules, "docx", None)
    assert read_report(sample_path("good")).location.name == "Meadowbank Home Care"
    with pytest.raises(ConfigError, match=r"^Word reports need python-docx, a core dependency; reinstall mipr-rules$"):
        read_report(sample_path("good", ".docx"))


def test_word_output_is_reproducible() -> None:
    blocks = docx_blocks(sample_path("good", ".docx"), "x")
    assert write_docx(blocks) == write_docx(blocks)


TOLERATED = [
    # (original, written instead, the reading note expected)
    ("Score: 1", "Score: Requires Improvement", "non_cqc_spelling"),
    ("- Safe: Good", "- Safe: Requires Improvement", "non_cqc_spelling"),
    ("## Well-led", "## Well Led", "non_cqc_spelling"),
    ("### E1 Assessing needs", "### S6 Safe and effective staffing", "statement_title_mismatch"),
    ("### S3 Safeguarding", "### S3 Nutrition and hydration", "statement_title_mismatch"),
    ("### S3 Safeguarding", "### E3 Nutrition and hydration", "kloe_heading"),
    ("Score: 3\n\nStaff knew how to report abuse", "Staff knew how to report abuse", "unscored_finding"),
    (
        "## Methodology",
        "## Appendix B: documents reviewed\n\nThe list is held by the provider.\n\n## Methodology",
        "unscored_section",
    ),
]


@pytest.mark.parametrize(("original", "changed", "kind"), TOLERATED, ids=[t[1][:30] for t in TOLERATED])
def test_real_world_variations_are_read_and_noted_not_refused(original: str, changed: str, kind: str) -> None:
    text = sample_path("requires_improvement", ".md").read_text(encoding="utf-8")
    assert original in text
    report = read_markdown(text.replace(original, changed, 1), "report.md")
    assert kind in {n.kind for n in report.reading_notes}
    assert all(n.place.startswith("report.md:") for n in report.reading_notes)


def test_a_kloe_heading_is_never_read_as_the_saf_statement_of_the_same_id() -> None:
    text = sample_path("requires_improvement", ".md").read_text(encoding="utf-8")
    report = read_markdown(text.replace("### S3 Safeguarding", "### E3 Nutrition and hydration", 1), "report.md")
    assert "E3" not in {f.statement for f in report.findings} and "S3" not in {f.statement for f in report.findings}


def test_bullets_in_a_finding_are_narrative_and_unlabelled_evidence_is_kept() -> None:
    text = sample_path("requires_improvement", ".md").read_text(encoding="utf-8")
    text = text.replace("Staff knew how to report abuse", "- Staff knew how to report abuse", 1)
    text = text.replace("- Documentation: Safeguarding log, 2025", "- Safeguarding log, 2025", 1)
    report = read_markdown(text, "report.md")
    s3 = report.finding_for("S3")
    assert s3 is not None and "Staff knew how to report abuse" in s3.narrative
    assert any(e.reference == "Safeguarding log, 2025" and e.source.value == "documentation" for e in s3.evidence)


def test_pipe_tables_are_read_as_evidence_ratings_and_action_plans() -> None:
    text = sample_path("requires_improvement", ".md").read_text(encoding="utf-8")
    text = text.replace(
        "- Safe: Good\n",
        "",
        1,
    ).replace(
        "## Proposed ratings\n", "## Proposed ratings\n\n| Key question | Rating |\n|---|---|\n| Safe | Good |\n", 1
    )
    report = read_markdown(text, "report.md")
    assert report.proposed_ratings.key_questions[KeyQuestion.SAFE] is RatingValue.GOOD


def test_a_timescale_that_gives_no_time_is_read_as_none_and_noted_not_refused(tmp_path: Path) -> None:
    text = _oakfield_markdown()
    assert "- Timescale: 4 weeks" in text
    path = tmp_path / "report.md"
    path.write_text(
        text.replace("- Timescale: 4 weeks", "- Timescale: ongoing", 1).replace(
            "- Timescale: 2 weeks", "- Timescale: within 2 weeks", 1
        ),
        encoding="utf-8",
    )
    report = read_report(path)
    notes = {(n.kind, n.detail) for n in report.reading_notes}
    assert ("unread_value", "timescale 'ongoing' gives no time; read as no timescale") in notes
    assert any(r.timescale is None for r in report.recommendations)
