"""Task → actions agreed from feedback: whether one was agreed and when every one was done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import entry_index, ext_url, read, refused, small_home

Write = Callable[..., str]
NOT_USED = "Task (not an action agreed from feedback)"


def response(rid: str, feedback: bool = True) -> dict[str, Any]:
    """A completed QuestionnaireResponse: residents' meeting feedback, or a clinical form."""
    found: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "status": "completed",
        "authored": "2026-09-03",
        "source": {"type": "Organization"},
    }
    if feedback:
        found["extension"] = [{"url": ext_url("feedback-channel"), "valueCode": "residents_meeting"}]
    return found


def task(rid: str, focus: str, status: str = "completed", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": rid,
        "status": status,
        "intent": "order",
        "focus": {"reference": focus},
        **fields,
    }



def test_feedback_is_actioned_when_every_agreed_task_is_done(write_bundle: Write) -> None:
    bundle = small_home(
        response("done"),
        response("open"),
        response("none"),
        response("form", feedback=False),
        task("t1", "QuestionnaireResponse/done", executionPeriod={"end": "2026-10-01T23:30:00Z"}),
        task("t2", "QuestionnaireResponse/done", lastModified="2026-09-20T10:00:00+01:00"),
        task("t3", "QuestionnaireResponse/done", "cancelled"),
        task("t4", "QuestionnaireResponse/open", executionPeriod={"end": "2026-09-10"}),
        task("t5", "QuestionnaireResponse/open", "in-progress"),
        task("t6", "QuestionnaireResponse/form"),
        task("t7", "Location/home", "requested"),
    )
    location, context = read(write_bundle(bundle))
    assert [(f.action_required, f.actioned) for f in location.feedback] == [
        (True, dt.date(2026, 10, 2)),  # the last one done, on its UK local date
        (True, None),
        (False, None),
    ]
    assert context.ignored == {"QuestionnaireResponse (not feedback)": 1, NOT_USED: 3}


@pytest.mark.parametrize(
    ("bad", "where", "why"),
    [
        (task("x", "QuestionnaireResponse/done"), ".executionPeriod.end", "required date missing"),
        (task("x", "QuestionnaireResponse/gone", "requested"), ".focus", "refers to a QuestionnaireResponse"),
    ],
)
def test_a_bad_task_names_the_record_and_element(
    write_bundle: Write, bad: dict[str, Any], where: str, why: str
) -> None:
    bundle = small_home(response("done"), bad)
    index = entry_index(bundle, "Task/x")
    path = write_bundle(bundle)
    message = refused(path)
    assert message.startswith(f"{path}: entry[{index}] (Task/x) {where}: {why}")
    location, context = read(path, lenient=True)
    assert len(location.feedback) == 1 and len(context.skipped) == 1
