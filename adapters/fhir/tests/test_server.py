"""Reading a FHIR server over HTTP: paged searches on a real server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from conftest import FhirServer, searchset
from fhir_build import SAMPLE_BUNDLE, patient, resources_of

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import model_differences, sample_location, without_fields
from mipr_rules_adapter_fhir import FhirAdapter
from mipr_rules_adapter_fhir.adapter import UNMAPPED
from mipr_rules_adapter_fhir.server import SEARCHES, TOKEN_ENV


def serve_sample(server: FhirServer, patients_per_page: int = 15) -> None:
    """Serve the sample home: Patients over several pages, every other type on one page."""
    bundle: dict[str, Any] = json.loads(SAMPLE_BUNDLE.read_text())
    for resource_type in SEARCHES:
        found = resources_of(bundle, resource_type)
        size = patients_per_page if resource_type == "Patient" else max(len(found), 1)
        chunks = [found[i : i + size] for i in range(0, len(found), size)] or [[]]
        pages = []
        for number, chunk in enumerate(chunks, 1):
            last = number == len(chunks)
            # Page 2 links on with a relative URL, the others with absolute ones: servers do both.
            link = None if last else f"{resource_type}?_count=100&page={number + 1}"
            if link and number != 2:
                link = f"{server.base}/{link}"
            pages.append(searchset(chunk, link))
        server.pages[resource_type] = pages


def test_reads_the_sample_home_over_three_pages_as_from_the_file(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server, patients_per_page=15)

    (location,) = FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY))

    assert fhir_server.page_requests("Patient") == [
        "/fhir/Patient?_count=100",
        "/fhir/Patient?_count=100&page=2",
        "/fhir/Patient?_count=100&page=3",
    ]
    assert len(location.people) == 40
    assert model_differences(without_fields(sample_location(), UNMAPPED), location) == []


def test_every_search_is_asked_for_as_fhir_json(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)

    list(FhirAdapter().read(fhir_server.base + "/", ReadContext(key=TEST_KEY)))

    first_pages = [path for path, _ in fhir_server.requests if "page=" not in path]
    assert first_pages == [f"/fhir/{kind}?_count=100" for kind in SEARCHES]
    assert all("application/fhir+json" in headers["Accept"] for _, headers in fhir_server.requests)
    assert all("Authorization" not in headers for _, headers in fhir_server.requests)


def test_bearer_token_from_the_environment_is_sent(
    fhir_server: FhirServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_sample(fhir_server)
    monkeypatch.setenv(TOKEN_ENV, "t0ken-for-tests")

    list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))

    assert {headers["Authorization"] for _, headers in fhir_server.requests} == {"Bearer t0ken-for-tests"}


def test_a_resource_of_the_wrong_type_in_a_search_is_a_named_problem(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)
    fhir_server.pages["Patient"][1]["entry"].insert(
        0, {"resource": {"resourceType": "Observation", "id": "obs-1", "status": "final", "code": {}}}
    )

    with pytest.raises(InputError) as info:
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))
    assert str(info.value) == (
        f"{fhir_server.base}/Patient page 2: entry[0] (Observation/obs-1) .resourceType: "
        "expected Patient in a Patient search"
    )

    context = ReadContext(lenient=True, key=TEST_KEY)
    (location,) = FhirAdapter().read(fhir_server.base, context)
    assert len(context.skipped) == 1
    assert len(location.people) == 40


def test_http_error_is_one_line_naming_the_search(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)
    fhir_server.status["CarePlan"] = 403

    with pytest.raises(
        InputError, match=r"^http://127\.0\.0\.1:\d+/fhir/CarePlan page 1: HTTP 403 Forbidden$"
    ):
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))


def test_next_link_to_another_server_is_not_followed(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)
    fhir_server.pages["Patient"][0]["link"] = [
        {"relation": "next", "url": "http://127.0.0.2:9/fhir/Patient?page=2"}
    ]

    with pytest.raises(InputError, match="next link points to another server"):
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))
    assert len(fhir_server.page_requests("Patient")) == 1


def test_next_links_that_loop_are_refused(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)
    fhir_server.pages["Patient"] = [searchset([patient("p1", pseudonym="R01")], "Patient?_count=100")]

    with pytest.raises(InputError, match=r"Patient page 2: the server's next links loop"):
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))


def test_a_page_that_is_not_a_bundle_is_refused(fhir_server: FhirServer) -> None:
    serve_sample(fhir_server)
    fhir_server.pages["Flag"] = [{"resourceType": "OperationOutcome", "issue": []}]

    with pytest.raises(InputError, match=r"/fhir/Flag page 1: expected a FHIR Bundle, got OperationOutcome$"):
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))


def test_unreachable_server_is_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port once the socket is closed.

    with pytest.raises(InputError, match=rf"^http://127\.0\.0\.1:{port}/fhir/Location page 1: cannot reach"):
        list(FhirAdapter().read(f"http://127.0.0.1:{port}/fhir", ReadContext(key=TEST_KEY)))
