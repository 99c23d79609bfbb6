"""``mipr readiness`` streams (JSON lines in, spooled output out) and prints exactly what the report did."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext, SkippedRecords
from mipr_rules.errors import InputError
from mipr_rules.readiness import LocationReadiness, ReadinessReport
from mipr_rules.readiness_stream import StreamedReadiness

SKIPPED = (SkippedRecords("care_plans", 2, ("export/care_plans.csv:3: quote not closed", "x.csv:9: bad date")),)
FAILED = LocationReadiness("1-999", "Broken House", (), "1-999: the rules engine crashed on it")


def _streamed(report: ReadinessReport, fmt: str) -> str:
    streamed = StreamedReadiness(fmt, report.as_of, report.ruleset, report.parameters, report.region)
    out = io.StringIO()
    streamed.consume(report.locations).write(out, report.skipped)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("variant", ["as is", "skipped and not evaluated", "no locations"])
def test_the_stream_prints_byte_for_byte_what_the_report_renders(
    sample_report: ReadinessReport, fmt: str, variant: str
) -> None:
    report = sample_report
    if variant == "skipped and not evaluated":
        report = attrs.evolve(report, locations=(*report.locations, FAILED, *report.locations), skipped=SKIPPED)
    elif variant == "no locations":
        report = attrs.evolve(report, locations=())
    assert _streamed(report, fmt) == plugins.output(fmt).render(report)


def test_text_still_starts_with_what_was_not_evaluated_or_read(sample_report: ReadinessReport) -> None:
    report = attrs.evolve(sample_report, locations=(*sample_report.locations, FAILED), skipped=SKIPPED)
    first = _streamed(report, "text").splitlines()[:3]
    assert "not evaluated" in first[0].lower() or "1 of 2" in first[0], first
    assert any("skipped" in line for line in _streamed(report, "text").splitlines()[:6])


def _jsonl(tmp_path: Path, sample_json: Path, lines: list[str]) -> Path:
    data = json.loads(sample_json.read_text())
    rows = []
    for line in lines:
        rows.append(json.dumps(dict(data, location_id=line)) if line.startswith("1-") else line)
    path = tmp_path / "homes.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_json_lines_are_read_one_location_a_line(tmp_path: Path, sample_json: Path) -> None:
    path = _jsonl(tmp_path, sample_json, ["1-000000001", "", "1-000000002"])
    adapter = plugins.adapter("file")
    context = ReadContext(key=b"k" * 32)
    stream = context.stream(adapter, str(path))
    assert next(stream).location_id == "1-000000001"  # before the rest of the file is read
    assert [loc.location_id for loc in stream] == ["1-000000002"]


def test_a_bad_line_names_file_and_line_and_is_skipped_when_lenient(tmp_path: Path, sample_json: Path) -> None:
    path = _jsonl(tmp_path, sample_json, ["1-000000001", "[1, 2]", "1-000000002"])
    adapter = plugins.adapter("file")
    with pytest.raises(InputError, match=rf"^{path}:2: expected a location object"):
        ReadContext(key=b"k" * 32).read(adapter, str(path))
    lenient = ReadContext(lenient=True, key=b"k" * 32, max_skipped=0.5)
    assert [loc.location_id for loc in lenient.read(adapter, str(path))] == ["1-000000001", "1-000000002"]
    assert [(g.record_type, g.count) for g in lenient.summary()] == [("locations", 1)]


def test_too_many_skipped_lines_stop_the_run_after_the_stream(
    tmp_path: Path, sample_json: Path, mipr: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    path = _jsonl(tmp_path, sample_json, ["1-000000001", "nonsense", "{]", "[]"])
    done = mipr("readiness", "--source", str(path), "--lenient", "--max-skipped", "0", "--format", "json")
    assert done.returncode == 2
    assert done.stdout == ""  # nothing printed as if it were complete
    assert re.search(r"^mipr: error: 3 of \d+ records skipped, more than --max-skipped 0%", done.stderr, re.M)


def test_the_cli_on_json_lines_equals_the_cli_on_each_file(
    tmp_path: Path, sample_json: Path, mipr: Callable[..., subprocess.CompletedProcess[str]], as_of: object
) -> None:
    path = _jsonl(tmp_path, sample_json, ["1-000000001", "1-000000002"])
    many = mipr("readiness", "--source", str(path), "--as-of", str(as_of), "--format", "json")
    one = mipr("readiness", "--source", str(sample_json), "--as-of", str(as_of), "--format", "json")
    assert many.returncode == one.returncode == 0, many.stderr
    locations = json.loads(many.stdout)["locations"]
    assert [loc["location_id"] for loc in locations] == ["1-000000001", "1-000000002"]
    alone = json.loads(one.stdout)["locations"][0]
    for loc in locations:
        assert len(loc["alerts"]) == len(alone["alerts"])
