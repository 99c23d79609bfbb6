"""Named hostile data inputs (the cases reported in the issues on hostile input and silent all-clears).

Each case is checked precisely in this process (exit code and what the one line says), and all of them,
with further variants to make a sample of at least 50, run again as real ``mipr`` child processes
limited to 10 s of CPU and 300 MB of memory.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from mipr_rules import loading

NAME, BIRTH, NHS = "Margaret Thistlewood", "1931-04-17", "943 476 5919"


@attrs.frozen
class Case:
    """One named input: how to build it in a folder, the exit codes allowed and text the error must hold."""

    name: str
    build: Callable[[Any, Path], list[str]]
    """(hostile helper, scratch folder) -> the CLI arguments."""
    codes: tuple[int, ...]
    says: str = ""
    """Text the one error line must contain (exit 2 only)."""
    check: Callable[[Any], None] | None = None
    """Further check of the outcome."""
    env: tuple[tuple[str, str], ...] = ()
    """Environment the child process gets in addition (limits such as the input size cap)."""


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _csv(
    hostile: Any, folder: Path, file: str | None = None, edit: Callable[[list[str]], list[str]] | None = None
) -> Path:
    export = hostile.copy_csv(hostile.csv, folder / "export")
    if file and edit:
        path = export / file
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return export


def _json_home(hostile: Any, change: Callable[[dict[str, Any]], Any]) -> str:
    home = json.loads(json.dumps(hostile.home))
    change(home)
    return json.dumps(home)


def _set_cell(row: int, column: int, value: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        cells = lines[row].split(",")
        cells[column] = value
        lines[row] = ",".join(cells)
        return lines

    return edit


def _skipped(count: int, record_type: str, says: str) -> Callable[[Any], None]:
    def check(outcome: Any) -> None:
        skipped = json.loads(outcome.out)["skipped"]
        assert [(g["record_type"], g["count"]) for g in skipped] == [(record_type, count)], skipped
        assert says in skipped[0]["reasons"][0]

    return check


def _fifo(hostile: Any, folder: Path) -> list[str]:
    path = folder / "fifo.json"
    if not path.exists():
        os.mkfifo(path)
    return hostile.args(path)


def _deep_yaml(n: int) -> str:
    return "a: " + "[" * n + "]" * n + "\n"


NAMED = [
    Case(
        "yaml nested 3000 deep",
        lambda h, f: h.args(_write(f, "deep.yaml", _deep_yaml(3000))),
        (2,),
        "nested more than 100 levels deep",
    ),
    Case(
        "yaml block nesting 3000 deep",
        lambda h, f: h.args(_write(f, "block.yaml", "".join(" " * i + "- \n" for i in range(3000)))),
        (2,),
        "nested more than 100 levels deep",
    ),
    Case(
        "json nested 3000 deep",
        lambda h, f: h.args(_write(f, "deep.json", "[" * 3000 + "]" * 3000)),
        (2,),
        "nested more than 100 levels deep",
    ),
    Case(
        "json objects nested 50000 deep",
        lambda h, f: h.args(_write(f, "deeper.json", '{"a":' * 50000 + "1" + "}" * 50000)),
        (2,),
        "nested more than 100",
    ),
    Case(
        "yaml integer of 5000 digits",
        lambda h, f: h.args(_write(f, "int.yaml", "beds: " + "9" * 5000 + "\n")),
        (2,),
        "integer with more than 4300 digits",
    ),
    Case(
        "json integer of 5000 digits",
        lambda h, f: h.args(_write(f, "int.json", '{"beds": ' + "9" * 5000 + "}")),
        (2,),
        "integer with more than 4300 digits",
    ),
    Case(
        "csv cell over 131072 characters, strict",
        lambda h, f: h.args(_csv(h, f, "complaints.csv", _set_cell(1, 0, "z" * 200_000))),
        (2,),
        "complaints.csv:2: cell longer than 131072 characters (column complaint_id)",
    ),
    Case(
        "csv cell over 131072 characters, lenient",
        lambda h, f: h.args(
            _csv(h, f, "complaints.csv", _set_cell(1, 0, "z" * 200_000)),
            "--lenient",
            "--max-skipped",
            "50",
            "--format",
            "json",
        ),
        (0, 1),
        check=_skipped(1, "complaints", "cell longer than 131072 characters"),
    ),
    Case(
        "csv cell of 131072 characters is within the limit (then too long as text)",
        lambda h, f: h.args(_csv(h, f, "complaints.csv", _set_cell(1, 0, "z" * 131_072))),
        (2,),
        "complaints.csv:2: expected text of at most",
    ),
    Case(
        "excel csv utf-8 (byte-order mark) in every file",
        lambda h, f: h.args(_bom_folder(h, f), "--format", "json"),
        (0, 1),
    ),
    Case(
        "json with a byte-order mark",
        lambda h, f: h.args(_write(f, "bom.json", b"\xef\xbb\xbf" + json.dumps(h.home).encode()), "--format", "json"),
        (0, 1),
    ),
    Case("empty yaml", lambda h, f: h.args(_write(f, "empty.yaml", "")), (2,), "empty.yaml: empty file"),
    Case("yaml of comments only", lambda h, f: h.args(_write(f, "comments.yaml", "# nothing\n\n")), (2,), "empty file"),
    Case("empty json", lambda h, f: h.args(_write(f, "empty.json", " \n")), (2,), "empty.json: empty file"),
    Case(
        "csv without its header row (personal data in the first row)",
        lambda h, f: h.args(_csv(h, f, "people.csv", lambda lines: [f"{NAME},{BIRTH},{NHS}", *lines[1:]])),
        (2,),
        "people.csv:1: no header row",
    ),
    Case(
        "device as source (/dev/zero)",
        lambda h, f: h.args(_link(f, "zero.json", "/dev/zero")),
        (2,),
        "not a regular file",
    ),
    Case("fifo as source", _fifo, (2,), "not a regular file"),
    Case(
        "file over the size cap",
        lambda h, f: h.args(_write(f, "big.json", json.dumps(h.home))),
        (2,),
        "larger than the 1000-byte limit",
        env=(("MIPR_RULES_MAX_FILE_BYTES", "1000"),),
    ),
    Case(
        "one unclosed quote in care_plans.csv, lenient",
        lambda h, f: h.args(
            _csv(h, f, "care_plans.csv", _set_cell(1, 2, '"2026-01-01')),
            "--lenient",
            "--max-skipped",
            "50",
            "--format",
            "json",
        ),
        (0, 1),
        check=_skipped(1, "care_plans", ":2: quote not closed"),
    ),
    Case(
        "one unclosed quote in care_plans.csv, strict",
        lambda h, f: h.args(_csv(h, f, "care_plans.csv", _set_cell(1, 2, '"2026-01-01'))),
        (2,),
        "care_plans.csv:2: quote not closed",
    ),
    Case(
        "unmapped yes/no column, lenient",
        lambda h, f: h.args(
            _csv(h, f, "staff.csv", _bool_column("administers_medication", "Ja")), "--lenient", "--max-skipped", "100"
        ),
        (2,),
        "column administers_medication: no row has a value that can be read",
    ),
    Case(
        "every care plan skipped, lenient",
        lambda h, f: h.args(
            _csv(h, f, "care_plans.csv", _column_to("person_id", "NOBODY")), "--lenient", "--max-skipped", "100"
        ),
        (2,),
        "every care_plans record was skipped",
    ),
    Case(
        "more than --max-skipped skipped",
        lambda h, f: h.args(_csv(h, f, "care_plans.csv", _set_cell(1, 2, "soon")), "--lenient", "--max-skipped", "1"),
        (2,),
        "more than --max-skipped 1%",
    ),
    Case(
        "within --max-skipped",
        lambda h, f: h.args(
            _csv(h, f, "care_plans.csv", _set_cell(1, 2, "soon")),
            "--lenient",
            "--max-skipped",
            "50",
            "--format",
            "json",
        ),
        (0, 1),
        check=_skipped(1, "care_plans", "expected date"),
    ),
    Case(
        "a row with too many cells, lenient",
        lambda h, f: h.args(
            _csv(h, f, "training.csv", lambda lines: [*lines[:1], lines[1] + ",x", *lines[2:]]),
            "--lenient",
            "--max-skipped",
            "50",
            "--format",
            "json",
        ),
        (0, 1),
        check=_skipped(1, "training", ":2: 5 cells, the header has 4 columns"),
    ),
    Case(
        "nul byte in a csv cell",
        lambda h, f: h.args(_csv(h, f, "complaints.csv", _set_cell(1, 0, "a\x00b"))),
        (0, 1, 2),
    ),
    Case("missing file", lambda h, f: h.args(f / "nowhere.json"), (2,), "file not found"),
    Case(
        "unsupported suffix", lambda h, f: h.args(_write(f, "home.xml", "<home/>")), (2,), "unsupported file type .xml"
    ),
    Case(
        "yaml python object",
        lambda h, f: h.args(_write(f, "evil.yaml", "x: !!python/object/apply:os.system ['true']\n")),
        (2,),
        "invalid YAML",
    ),
    Case(
        "yaml alias bomb",
        lambda h, f: h.args(_write(f, "laughs.yaml", "a: &a [x, x]\nb: [*a, *a]\n")),
        (2,),
        "aliases are not allowed",
    ),
    Case("json NaN", lambda h, f: h.args(_write(f, "nan.json", '{"beds": NaN}')), (2,), "NaN is not allowed"),
    Case("truncated json", lambda h, f: h.args(_write(f, "cut.json", json.dumps(h.home)[:500])), (2,), "invalid JSON"),
    Case(
        "latin-1 text",
        lambda h, f: h.args(_write(f, "latin.yaml", f"name: {NAME}\xe9\n".encode("latin-1"))),
        (2,),
        "not UTF-8 text",
    ),
    Case(
        "lone surrogate in json",
        lambda h, f: h.args(_write(f, "sur.json", _json_home(h, lambda d: d.update(name="\ud800")))),
        (2,),
        "lone surrogate",
    ),
    Case(
        "name of 100001 characters",
        lambda h, f: h.args(_write(f, "long.json", _json_home(h, lambda d: d.update(name="n" * 100_001)))),
        (2,),
        "expected text of at most 100000 characters",
    ),
    Case("empty list of locations", lambda h, f: h.args(_write(f, "none.json", "[]")), (2,), "no location in the file"),
    Case(
        "duplicate csv column",
        lambda h, f: h.args(
            _csv(h, f, "complaints.csv", lambda lines: [lines[0].replace("responded", "received"), *lines[1:]])
        ),
        (2,),
        "received appear more than once",
    ),
    Case(
        "csv export with an empty location.csv",
        lambda h, f: h.args(_csv(h, f, "location.csv", lambda lines: [])),
        (2,),
        "location.csv: empty file",
    ),
    Case("folder with no csv", lambda h, f: h.args(_empty_folder(f)), (2,), "location.csv: file not found"),
]


def _link(folder: Path, name: str, target: str) -> Path:
    path = folder / name
    if not path.is_symlink():
        path.symlink_to(target)
    return path


def _empty_folder(folder: Path) -> Path:
    path = folder / "empty-export"
    path.mkdir(exist_ok=True)
    return path


def _bom_folder(hostile: Any, folder: Path) -> Path:
    export = hostile.copy_csv(hostile.csv, folder / "export")
    for path in export.iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return export


def _column_to(column: str, value: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index(column)
        for row in range(1, len(lines)):
            lines = _set_cell(row, index, f"{value}{row}")(lines)
        return lines

    return edit


def _bool_column(column: str, value: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        index = lines[0].split(",").index(column)
        for row in range(1, len(lines)):
            if lines[row].split(",")[index]:
                lines = _set_cell(row, index, value)(lines)
        return lines

    return edit


# Variants that fill the sample beyond the named cases: one hostile value at a time in a location.
_VALUES: list[tuple[str, Any]] = [
    ("beds", -1),
    ("beds", "44"),
    ("beds", 10**30),
    ("beds", 1.5),
    ("beds", True),
    ("registration_date", "2099-12-31"),
    ("registration_date", "0001-01-01"),
    ("registration_date", "2026-02-30"),
    ("registration_date", BIRTH + "T25:00"),
    ("name", "[link=https://evil.example/]x[/link]"),
    ("name", "\x1b[31mred\x1b[0m"),
    ("name", ""),
    ("location_id", "[/]"),
    ("location_id", NHS),
    ("care_home", "false"),
    ("service_types", NAME),
    ("provider", [NAME]),
    ("current_rating", {"overall": NAME}),
    ("people", {"person_id": NAME}),
    ("staff", [{"staff_id": "S1", "started": BIRTH, "role": NAME}]),
]


def _variant(key: str, value: Any) -> Case:
    def build(hostile: Any, folder: Path) -> list[str]:
        home = dict(json.loads(json.dumps(hostile.home)), **{key: value})
        # JSON output: escaping markup in the text report is another part's work (and its tests').
        return hostile.args(_write(folder, f"v-{key}.yaml", yaml.safe_dump(home)), "--format", "json")

    return Case(f"location {key} = {str(value)[:30]!r}", build, (0, 1, 2))


SAMPLE = NAMED + [_variant(key, value) for key, value in _VALUES]


def _expect(case: Case, outcome: Any) -> None:
    assert outcome.code in case.codes, f"{case.name}: exit {outcome.code}: {outcome.err[-500:]}"
    if outcome.code == 2 and case.says:
        assert case.says in outcome.err, f"{case.name}: {outcome.err}"
    if case.check is not None:
        case.check(outcome)


@pytest.mark.parametrize("case", NAMED, ids=[case.name for case in NAMED])
def test_named_case(hostile: Any, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = dict(case.env).get("MIPR_RULES_MAX_FILE_BYTES")
    if cap:
        monkeypatch.setattr(loading, "MAX_FILE_BYTES", int(cap))
    outcome = hostile.run(*case.build(hostile, tmp_path))
    hostile.judge(outcome, "named")
    _expect(case, outcome)
    assert outcome.seconds < 10


def test_bom_changes_nothing(hostile: Any, tmp_path: Path) -> None:
    plain = hostile.run(*hostile.args(hostile.csv, "--format", "json"))
    marked = hostile.run(*hostile.args(_bom_folder(hostile, tmp_path), "--format", "json"))
    assert plain.code == marked.code and json.loads(plain.out)["summary"] == json.loads(marked.out)["summary"]


def test_the_sample_under_limits(hostile: Any, tmp_path: Path) -> None:
    """At least 50 inputs as real ``mipr`` processes under 10 s of CPU and 300 MB: no internal error, no
    hang, each refusal one line; the named cases also give their expected answer."""
    assert len(SAMPLE) >= 50
    folders = []
    for index, case in enumerate(SAMPLE):
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        folders.append((case, case.build(hostile, folder)))

    def run(item: tuple[Case, list[str]]) -> tuple[Case, Any]:
        case, args = item
        return case, hostile.limited(*args, env=dict(case.env))

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, folders))
    failures = []
    for case, outcome in results:
        try:
            hostile.judge(outcome, "sample")
            _expect(case, outcome)
        except AssertionError as exc:
            failures.append(f"{case.name}: {exc}")
    assert not failures, "\n".join(failures)


def test_fifo_is_refused_without_blocking(hostile: Any, tmp_path: Path) -> None:
    args = _fifo(hostile, tmp_path)
    assert stat.S_ISFIFO((tmp_path / "fifo.json").stat().st_mode)
    outcome = hostile.run(*args)
    assert outcome.code == 2 and outcome.seconds < 5


def test_one_unclosed_quote_in_the_sample_care_plans_skips_one_plan_of_40(hostile: Any, tmp_path: Path) -> None:
    """The case reported: one quote in the sample's care_plans.csv swallowed 39 of its 40 plans."""
    from mipr_rules.testing.contract import sample_path

    export = hostile.copy_csv(sample_path("csv"), tmp_path / "export")
    plans = export / "care_plans.csv"
    lines = plans.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 41
    lines[5] = lines[5].replace(",", ',"', 2).replace(',"', ",", 1)  # a quote opens the third cell
    plans.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = hostile.run(*hostile.args(export, "--lenient", "--format", "json"))
    hostile.judge(outcome, "named")
    report = json.loads(outcome.out)
    assert report["skipped"] == [{"record_type": "care_plans", "count": 1, "reasons": [f"{plans}:6: quote not closed"]}]
