"""The FHIR change feed on a real HTTP server on 127.0.0.1: ``_lastUpdated`` polls, the location read
again when something moved, a change reported only when the location differs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from conftest import FhirServer
from test_server import serve_sample

from mipr_rules.adapters.base import ReadContext
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.changes import FeedOptions
from mipr_rules_adapter_fhir import FhirAdapter
from mipr_rules_adapter_fhir.feed import FhirChangeFeed


def test_a_deleted_care_plan_is_a_change_and_an_unchanged_server_is_none(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server, patients_per_page=100)
    options = FeedOptions(ReadContext(key=TEST_KEY), "fhir:2026-01-01T00:00:00+00:00", poll=0.0)
    feed = FhirChangeFeed(FhirAdapter(), fhir_server.base, options)
    (before,) = list(feed.read_all())
    assert feed.wait(0.0) == []  # the server answered, but nothing differs
    asked = [parse_qs(urlsplit(path).query) for path, _ in fhir_server.requests]
    assert any(q.get("_lastUpdated") == ["gt2026-01-01T00:00:00+00:00"] for q in asked)
    page = fhir_server.pages["CarePlan"][0]
    page["entry"] = page["entry"][1:]
    (change,) = feed.wait(0.0)
    assert change.location_id == before.location_id
    (after,) = list(feed.read([change.location_id]))
    plans = sum(len(person.care_plans) for person in after.people)
    assert plans == sum(len(person.care_plans) for person in before.people) - 1
