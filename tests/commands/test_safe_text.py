"""Text and HTML output cannot be steered by data: markup and control characters in records print literally."""

from __future__ import annotations

import datetime as dt
import io
import os

import attrs
import pytest
from rich.console import Console

from mipr_rules import plugins
from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport
from mipr_rules.safe_text import REPLACEMENT, plain, safe

LINK = "[link=https://evil.example/]x[/link]"
HOSTILE_NAME = f"{LINK} \x1b[31mred\x1b]0;title\x07 [/] \x9b2J\u202eevil"
HOSTILE_ID = "1-[/]x[bold]"


@pytest.fixture(scope="module")
def hostile_report(evaluator: Evaluator, sample: Location, as_of: dt.date) -> ReadinessReport:
    home = attrs.evolve(sample, name=HOSTILE_NAME, location_id=HOSTILE_ID)
    return Session(evaluator=evaluator).readiness([home], as_of=as_of)


def render(report: ReadinessReport, fmt: str, force_colour: bool = False) -> str:
    old = os.environ.get("FORCE_COLOR")
    if force_colour:
        os.environ["FORCE_COLOR"] = "1"
    try:
        return plugins.output(fmt).render(report)
    finally:
        if old is None:
            os.environ.pop("FORCE_COLOR", None)
        else:
            os.environ["FORCE_COLOR"] = old


def test_markup_in_a_location_name_prints_literally_and_links_nothing(hostile_report: ReadinessReport) -> None:
    text = render(hostile_report, "text", force_colour=True)
    assert LINK in text
    assert "[/]" in text and HOSTILE_ID in text
    assert "\x1b]8;" not in text  # no OSC 8 hyperlink
    assert "evil.example" not in text.replace(LINK, "")


def test_escape_sequences_from_data_never_reach_the_terminal(hostile_report: ReadinessReport) -> None:
    text = render(hostile_report, "text")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert f"{REPLACEMENT}[31mred" in text


def test_html_output_escapes_the_name(hostile_report: ReadinessReport) -> None:
    html = render(hostile_report, "html")
    assert "\x1b" not in html and "\x07" not in html
    assert "<link" not in html and "[link=https://evil.example/]x[/link]" in html
    assert "<script" not in render(
        attrs.evolve(hostile_report, locations=tuple(
            attrs.evolve(loc, name="<script>alert(1)</script>") for loc in hostile_report.locations
        )), "html",
    ).split("<body", 1)[-1].replace("&lt;script&gt;", "")


@pytest.mark.parametrize("value", ["[/]", "[bold]x", "a\\", "\\[b]", LINK, "[", "]", "x[/link]"])
def test_safe_values_render_as_themselves(value: str) -> None:
    stream = io.StringIO()
    Console(file=stream, width=200, force_terminal=False).print(f"[dim]{safe(value)}[/dim] end")
    assert stream.getvalue() == f"{value} end\n"


def test_plain_replaces_every_control_character() -> None:
    controls = "".join(chr(c) for c in [*range(0, 9), *range(11, 32), *range(127, 160)])
    assert plain(controls + "ok\tline\n") == REPLACEMENT * len(controls) + "ok\tline\n"
