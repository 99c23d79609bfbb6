"""A generated corpus of hostile data inputs for ``mipr readiness``: location JSON, YAML and CSV folders.

Each input (at least 1,000 per format) goes through the CLI's entry point in this process and must be
accepted (exit 0 or 1) or refused in one line (exit 2), never an internal error, never a value from a
record in a message. Where the right answer is known it is checked too: a byte-order mark changes
nothing, and one unclosed quote in a lenient CSV read skips exactly that one row.

Runs are derandomized (a fixed seed): the corpus is the same on every run and cannot flake.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PER_FORMAT = int(os.environ.get("MIPR_HOSTILE_EXAMPLES", "1000"))
"""Generated inputs per format (``MIPR_HOSTILE_EXAMPLES`` overrides, e.g. for a longer run on demand)."""

CORPUS = settings(
    max_examples=PER_FORMAT,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

HOLE = "\u2063HOLE\u2063"
"""Placeholder put where a hostile fragment goes, then replaced in the serialised text."""

NAME, BIRTH, NHS, NHS_DIGITS = "Margaret Thistlewood", "1931-04-17", "943 476 5919", "9434765919"

# Hostile fragments of JSON text (sizes included) that replace one value of a valid location.
JSON_FRAGMENTS = st.one_of(
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 4000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 4000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from([131_071, 131_072, 131_073, 300_000]).map(lambda n: json.dumps("x" * n)),
    st.sampled_from(
        [
            "NaN",
            "-Infinity",
            "1e999",
            "-1",
            "0",
            "true",
            "null",
            "{}",
            "[]",
            '"2099-12-31"',
            '"0001-01-01"',
            '"9999-12-31T23:59"',
            '"2026-02-30"',
            '"[link=https://evil.example/]x[/link]"',
            '"\\u001b[31mred"',
            '"\\ud800"',
            json.dumps(NAME),
            json.dumps(BIRTH),
            json.dumps(NHS),
            json.dumps([NAME, BIRTH, NHS]),
            json.dumps({"name": NAME, "nhs_number": NHS_DIGITS}),
        ]
    ),
    st.text(max_size=50).map(json.dumps),
    st.floats(allow_nan=False).map(json.dumps),
)

YAML_FRAGMENTS = st.one_of(
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(1, 4000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 4000).map(lambda n: "{a: " * n + "1" + "}" * n),
    st.just("x" * 5_000),  # long text is the JSON corpus's (a pure-Python YAML scan of it is slow)
    st.sampled_from(
        [
            ".nan",
            ".inf",
            "0x1F",
            "0o17",
            "1_000",
            "~",
            "2026-13-45",
            "2099-12-31",
            "0001-01-01",
            "!!python/object/apply:os.system ['true']",
            "!!binary aGVsbG8=",
            "!!set {a, b}",
            "&anchor x",
            "*anchor",
            "'unterminated",
            "{a: 1, a: 2}",
            "[a, b",
            "\t tab",
            "? [complex, key]",
            "!!timestamp 2026-99-99",
            "!!int 12x",
            "!!float abc",
            "'[link=https://evil.example/]x[/link]'",
            f"'{NAME}'",
            BIRTH,
            f"'{NHS}'",
            f"[{NAME}, {BIRTH}, {NHS_DIGITS}]",
        ]
    ),
    st.text(max_size=50).map(lambda text: json.dumps(text)),  # JSON strings are YAML flow scalars
)


class Generated(bytes):
    """Bytes of a generated input whose repr stays short (hypothesis prints failing inputs)."""

    def __repr__(self) -> str:
        head = bytes(self[:300])
        return f"Generated({len(self)} bytes: {head!r}{'...' if len(self) > 300 else ''})"


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _with_hole(home: dict[str, Any], path: tuple[Any, ...]) -> Any:
    data = json.loads(json.dumps(home))
    if not path:
        return HOLE
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = HOLE
    return data


def _home_paths(home: dict[str, Any]) -> list[tuple[Any, ...]]:
    return list(_paths(home))


@st.composite
def json_inputs(draw: st.DrawFn, home: dict[str, Any]) -> tuple[bytes, bool]:
    """(bytes of a ``.json`` file, whether to read leniently)."""
    lenient = draw(st.booleans())
    kind = draw(st.sampled_from(["replace", "replace", "replace", "list", "raw", "bytes"]))
    if kind in ("replace", "list"):
        path = draw(st.sampled_from(_home_paths(home)))
        text = json.dumps(_with_hole(home, path), ensure_ascii=False)
        text = text.replace(json.dumps(HOLE, ensure_ascii=False), draw(JSON_FRAGMENTS), 1)
        if kind == "list":
            text = f"[{json.dumps(home)}, {text}]"
        return Generated(text.encode("utf-8", "surrogatepass")), lenient
    if kind == "raw":
        value = draw(
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                max_leaves=30,
            )
        )
        return Generated(json.dumps(value).encode()), lenient
    good = json.dumps(home).encode()
    cut = draw(st.integers(0, len(good)))
    return Generated(
        draw(
            st.sampled_from(
                [
                    b"",
                    b"   \n",
                    b"\xef\xbb\xbf" + good,
                    good[:cut],
                    good[:cut] + b"\xff\xfe" + good[cut:],
                    good[:cut] + b"\x00" + good[cut:],
                ]
            )
        )
    ), lenient


@functools.cache
def _yaml_with_hole(home: str, path: tuple[Any, ...]) -> str:
    data = _with_hole(json.loads(home), path)
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=None, width=10**9)


@st.composite
def yaml_inputs(draw: st.DrawFn, home: dict[str, Any]) -> tuple[bytes, bool]:
    """(bytes of a ``.yaml`` file, whether to read leniently)."""
    lenient = draw(st.booleans())
    kind = draw(st.sampled_from(["replace", "replace", "replace", "raw", "bytes"]))
    if kind == "replace":
        path = draw(st.sampled_from(_home_paths(home)))
        text = _yaml_with_hole(json.dumps(home), path)
        fragment = draw(YAML_FRAGMENTS)
        for quoted in (f"'{HOLE}'", f'"{HOLE}"', HOLE):
            if quoted in text:
                text = text.replace(quoted, fragment, 1)
                break
        return Generated(text.encode("utf-8", "surrogatepass")), lenient
    if kind == "raw":
        depth = draw(st.integers(1, 3000))
        return Generated(
            draw(
                st.sampled_from(
                    [
                        "".join("  " * i + "a:\n" for i in range(min(depth, 300))),
                        "".join(" " * i + "-\n" for i in range(min(depth, 300))),
                        "- " * depth + "x\n",
                        "%YAML 1.1\n---\na: 1\n---\nb: 2\n",
                        "# only a comment\n",
                        "---\n...\n",
                        "a: &x [1]\nb: *x\n",
                        f"name: {NAME}\nbirth: {BIRTH}\nnhs: {NHS}\n",
                    ]
                )
            ).encode()
        ), lenient
    good = yaml.safe_dump(home).encode()
    cut = draw(st.integers(0, len(good)))
    return Generated(
        draw(st.sampled_from([b"", b"\xef\xbb\xbf" + good, good[:cut], good[:cut] + b"\xc3\x28" + good[cut:]]))
    ), lenient


CSV_MUTATIONS = [
    "unclosed_quote",
    "extra_cell",
    "missing_cell",
    "long_cell",
    "bom",
    "no_header",
    "personal_header",
    "nul",
    "cr_endings",
    "text_line",
    "cell_text",
    "empty",
    "not_utf8",
    "repeat_line",
    "quote_in_cell",
]


@st.composite
def csv_inputs(draw: st.DrawFn, files: dict[str, str]) -> tuple[str, str, bytes, bool]:
    """(mutation, file name, new bytes of that file, whether to read leniently)."""
    lenient = draw(st.booleans())
    name = draw(st.sampled_from(sorted(files)))
    mutation = draw(st.sampled_from(CSV_MUTATIONS))
    lines = files[name].split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    row = draw(st.integers(1, max(1, len(lines) - 1))) if len(lines) > 1 else 0
    cells = lines[row].split(",")
    column = draw(st.integers(0, len(cells) - 1))
    if mutation == "unclosed_quote":
        cells[column] = '"' + cells[column]
    elif mutation == "extra_cell":
        cells.append(NHS_DIGITS)
    elif mutation == "missing_cell" and len(cells) > 1:
        cells.pop(column)
    elif mutation == "long_cell":
        cells[column] = "y" * draw(st.sampled_from([131_072, 131_073, 200_000]))
    elif mutation == "cell_text":
        cells[column] = draw(st.text(max_size=40))
    elif mutation == "quote_in_cell":
        cells[column] = cells[column] + '"x'
    lines[row] = ",".join(cells)
    if mutation == "no_header":
        lines = lines[1:]
    elif mutation == "personal_header":
        lines[0] = ",".join([NAME, BIRTH, NHS][: max(1, len(cells))])
    elif mutation == "text_line":
        lines.insert(row, draw(st.text(max_size=60)))
    elif mutation == "repeat_line":
        lines[row:row] = [lines[row]] * draw(st.integers(1, 300))
    text = "\n".join(lines) + "\n"
    if mutation == "cr_endings":
        text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n"])))
    data = text.encode("utf-8", "surrogatepass")
    if mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    elif mutation == "nul":
        data = data[:-1] + b"\x00\n"
    elif mutation == "empty":
        data = b""
    elif mutation == "not_utf8":
        data = data[:-1] + b"\xff\n"
    return mutation, name, Generated(data), lenient


# --- the tests --------------------------------------------------------------------------------------------


def _one_skip(out: str, says: str) -> bool:
    skipped = json.loads(out)["skipped"]
    if not skipped or isinstance(skipped[0], str):  # the format before skips were grouped
        return len(skipped) == 1 and says in skipped[0]
    return [group["count"] for group in skipped] == [1] and says in skipped[0]["reasons"][0]


def _alerts(out: str) -> int | None:
    try:
        return int(json.loads(out)["summary"]["alerts"])
    except (ValueError, KeyError, TypeError):
        return None


@pytest.fixture(scope="module")
def baseline(hostile: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Exit code and alert count of the unchanged inputs."""
    folder = tmp_path_factory.mktemp("baseline")
    path = folder / "home.json"
    path.write_text(json.dumps(hostile.home))
    home = hostile.run(*hostile.args(path, "--format", "json"))
    csv = hostile.run(*hostile.args(hostile.csv, "--format", "json"))
    assert home.code in (0, 1) and csv.code in (0, 1), home.err + csv.err
    assert _alerts(home.out) == _alerts(csv.out) and _alerts(home.out)
    return {"code": home.code, "alerts": _alerts(home.out)}


def test_location_json_corpus(hostile: Any, baseline: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("json") / "home.json"

    @CORPUS
    @given(json_inputs(hostile.home))
    def check(generated: tuple[bytes, bool]) -> None:
        data, lenient = generated
        path.write_bytes(data)
        outcome = hostile.run(*hostile.args(path, "--format", "json", *(["--lenient"] if lenient else [])))
        right = True
        if data == b"\xef\xbb\xbf" + json.dumps(hostile.home).encode():
            right = (outcome.code, _alerts(outcome.out)) == (baseline["code"], baseline["alerts"])
        hostile.judge(outcome, "json", right=right)

    check()


def test_location_yaml_corpus(hostile: Any, baseline: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("yaml") / "home.yaml"

    @CORPUS
    @given(yaml_inputs(hostile.home))
    def check(generated: tuple[bytes, bool]) -> None:
        data, lenient = generated
        path.write_bytes(data)
        outcome = hostile.run(*hostile.args(path, "--format", "json", *(["--lenient"] if lenient else [])))
        right = True
        if data == b"\xef\xbb\xbf" + yaml.safe_dump(hostile.home).encode():
            right = (outcome.code, _alerts(outcome.out)) == (baseline["code"], baseline["alerts"])
        hostile.judge(outcome, "yaml", right=right)

    check()


LEAF_FILES = {
    "care_plans.csv",
    "risk_assessments.csv",
    "training.csv",
    "supervisions.csv",
    "incidents.csv",
    "safeguarding.csv",
    "complaints.csv",
    "audits.csv",
    "feedback.csv",
    "evidence.csv",
}


def test_csv_folder_corpus(hostile: Any, baseline: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {path.name: path.read_text(encoding="utf-8") for path in Path(hostile.csv).iterdir()}
    folder = tmp_path_factory.mktemp("csv") / "export"

    @CORPUS
    @given(csv_inputs(files))
    def check(generated: tuple[str, str, bytes, bool]) -> None:
        mutation, name, data, lenient = generated
        hostile.copy_csv(hostile.csv, folder)
        (folder / name).write_bytes(data)
        outcome = hostile.run(*hostile.args(folder, "--format", "json", *(["--lenient"] if lenient else [])))
        right = True
        if mutation == "bom":
            right = (outcome.code, _alerts(outcome.out)) == (baseline["code"], baseline["alerts"])
        if mutation == "unclosed_quote" and lenient and name in LEAF_FILES and outcome.code in (0, 1):
            # one row skipped alone, whichever way the stray quote breaks it (never the rows after it)
            right = _one_skip(outcome.out, "quote not closed") or _one_skip(outcome.out, "not valid CSV")
        hostile.judge(outcome, "csv", right=right)

    check()
