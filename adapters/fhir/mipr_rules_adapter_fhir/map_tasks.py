"""Task → the actions agreed from feedback: ``Feedback.action_required`` and ``Feedback.actioned``.

An action agreed from a piece of feedback is a Task whose ``focus`` → the QuestionnaireResponse read as
that feedback, with any status but ``draft``, ``rejected`` or ``cancelled`` (not agreed). The feedback is
actioned when every such Task is ``completed``: on the latest local date of their ``executionPeriod.end``
(else ``lastModified``). Tasks about anything else (or not agreed) are counted as read and not used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading

NOT_AGREED = ("draft", "rejected", "cancelled")
"""Task statuses of an action that was not agreed."""
NOT_USED = "Task (not an action agreed from feedback)"
"""Read-summary label of the Tasks the adapter does not use."""


def feedback_actions(reading: Reading) -> dict[str, list[Entry]]:
    """Agreed actions grouped by the ``Entry.where`` of the QuestionnaireResponse they are about."""
    grouped: dict[str, list[Entry]] = defaultdict(list)
    for entry in reading.of_type("Task"):
        node = Node(entry.resource)
        focus = node.reference("focus") if isinstance(node.raw("focus"), dict) else None
        if (
            focus is None
            or node.raw("status") in NOT_AGREED
            or reading.type_of(focus) != "QuestionnaireResponse"
        ):
            reading.context.ignore(NOT_USED)
            continue
        target = reading.attempt(
            entry, partial(reading.resolve, focus, "QuestionnaireResponse", path=".focus"), whole=True
        )
        if target is not None:
            grouped[target.where].append(entry)
    return grouped


def actioned(reading: Reading, tasks: list[Entry]) -> dt.date | None:
    """The date every task was done, ``None`` while one is open (a bad task is skipped and reported)."""
    days = []
    for entry in tasks:
        node = Node(entry.resource)
        if node.raw("status") != "completed":
            return None
        day = reading.attempt(entry, partial(_done, node), whole=True)
        if day is not None:
            days.append(day)
    return max(days, default=None)


def _done(node: Node) -> dt.date:
    period = node.child("executionPeriod")
    day = period.date("end") if period is not None else None
    if day is None:
        day = node.date("lastModified")
    if day is None:
        raise RecordProblem(".executionPeriod.end", "required date missing (nor is there a .lastModified)")
    return day
