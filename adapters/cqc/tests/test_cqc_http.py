"""The cqc adapter against a real HTTP server on 127.0.0.1 serving recorded CQC API responses."""

from __future__ import annotations

import datetime as dt
import socket
from typing import TYPE_CHECKING

import pytest

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_cqc import CqcAdapter, CqcApiError

ALL_FIVE = [
    "Lucerne House",
    "Meadowbank Lodge",
    "Brightpath Home Care - Norwich",
    "The Old Rectory Care Home",
    "Sunrise House",
]

if TYPE_CHECKING:
    from conftest import CqcServer


def read(source: str, context: ReadContext | None = None, **options: object) -> list[Location]:
    adapter = CqcAdapter(backoff=0, **options)  # type: ignore[arg-type]
    return list(adapter.read(source, context or ReadContext(key=TEST_KEY)))


def names(locations: list[Location]) -> list[str]:
    return [loc.name for loc in locations]


# --- Full read: /locations paged, then one detail call per location.


def test_reads_every_page_then_every_location(cqc_server: CqcServer, api_key: str) -> None:
    locations = read(f"{cqc_server.base_url}?perPage=2")

    assert names(locations) == ALL_FIVE
    pages = cqc_server.requests_to("/locations")
    assert [(s.query["page"], s.query["perPage"]) for s in pages] == [
        (["1"], ["2"]),
        (["2"], ["2"]),
        (["3"], ["2"]),
    ]
    assert len([s for s in cqc_server.seen if s.path.startswith("/locations/")]) == 5
    assert all(s.headers["Ocp-Apim-Subscription-Key"] == api_key for s in cqc_server.seen)
    assert all(s.headers["User-Agent"].startswith("mipr-rules-adapter-cqc/") for s in cqc_server.seen)


def test_locations_are_fetched_as_they_are_used(cqc_server: CqcServer, api_key: str) -> None:
    stream = iter(CqcAdapter().read(f"{cqc_server.base_url}?perPage=2", ReadContext(key=TEST_KEY)))
    first = next(stream)

    assert first.name == "Lucerne House"
    assert [s.path for s in cqc_server.seen] == ["/locations", "/locations/1-125856395"]


def test_other_query_parameters_are_passed_on_as_filters(cqc_server: CqcServer, api_key: str) -> None:
    read(f"{cqc_server.base_url}/locations?perPage=2&careHome=Y&localAuthority=Devon")
    query = cqc_server.requests_to("/locations")[0].query
    assert query["careHome"] == ["Y"] and query["localAuthority"] == ["Devon"]


def test_one_location_by_url(cqc_server: CqcServer, api_key: str) -> None:
    assert names(read(f"{cqc_server.base_url}/locations/1-125856395")) == ["Lucerne House"]
    assert [s.path for s in cqc_server.seen] == ["/locations/1-125856395"]


def test_chosen_locations_by_ids(cqc_server: CqcServer, api_key: str) -> None:
    locations = read(f"{cqc_server.base_url}?ids=1-000000001,1-9000000301,1-000000001")
    assert names(locations) == ["Sunrise House", "The Old Rectory Care Home"]
    assert cqc_server.requests_to("/locations") == []


# --- The subscription key.


def test_key_from_the_url(cqc_server: CqcServer, server_key: str) -> None:
    assert names(read(f"{cqc_server.base_url}/locations/1-125856395?key={server_key}")) == ["Lucerne House"]
    assert all("key" not in s.query for s in cqc_server.seen)  # it travels in the header only


def test_key_from_the_adapter_option(cqc_server: CqcServer, server_key: str) -> None:
    source = f"{cqc_server.base_url}/locations/1-125856395"
    assert names(read(source, api_key=server_key)) == ["Lucerne House"]


@pytest.mark.parametrize("lenient", [False, True])
def test_missing_key_is_a_clear_error_even_when_lenient(cqc_server: CqcServer, lenient: bool) -> None:
    with pytest.raises(CqcApiError) as info:
        read(cqc_server.base_url, ReadContext(lenient=lenient, key=TEST_KEY))
    assert str(info.value) == (
        f"{cqc_server.base_url}/locations?page=1&perPage=500: HTTP 401 Unauthorized: no subscription key"
        " was sent; set MIPR_CQC_API_KEY or add ?key=… to the URL"
    )
    assert info.value.status == 401
    assert len(cqc_server.seen) == 1  # not retried


def test_wrong_key_is_reported_without_showing_it(cqc_server: CqcServer) -> None:
    wrong = "wrong-key-abcdef"
    with pytest.raises(InputError) as info:
        read(f"{cqc_server.base_url}/locations/1-125856395?key={wrong}")
    message = str(info.value)
    assert "the subscription key was refused" in message and wrong not in message and "\n" not in message


# --- Incremental reads: /changes/location.


def test_changes_since_read_only_the_changed_locations(cqc_server: CqcServer, api_key: str) -> None:
    locations = read(f"{cqc_server.base_url}?since=2024-01-01&until=2024-02-01T12:30:00Z&perPage=2")

    assert names(locations) == ["Brightpath Home Care - Norwich", "Lucerne House"]  # listed twice, read once
    changes = cqc_server.requests_to("/changes/location")
    assert [s.query["page"] for s in changes] == [["1"], ["2"]]
    assert changes[0].query["startTimestamp"] == ["2024-01-01T00:00:00Z"]
    assert changes[0].query["endTimestamp"] == ["2024-02-01T12:30:00Z"]
    assert cqc_server.requests_to("/locations") == []


def test_changes_timestamps_are_sent_in_utc(cqc_server: CqcServer, api_key: str) -> None:
    read(f"{cqc_server.base_url}?since=2024-06-01T09:00:00%2B01:00&until=2024-06-02T00:00:00")
    query = cqc_server.requests_to("/changes/location")[0].query
    assert (query["startTimestamp"], query["endTimestamp"]) == (
        ["2024-06-01T08:00:00Z"],
        ["2024-06-02T00:00:00Z"],
    )


def test_changes_until_now_by_default(cqc_server: CqcServer, api_key: str) -> None:
    read(f"{cqc_server.base_url}?since=2024-01-01")
    (end,) = cqc_server.requests_to("/changes/location")[0].query["endTimestamp"]
    assert dt.datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ") > dt.datetime(2024, 1, 1)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "since must be a date or date-time"),
        ("until=2024-01-01", "until needs since"),
        ("since=2024-01-01&ids=1-1", "give either location ids or since, not both"),
        ("perPage=0", "perPage must be a whole number from 1 to 10000"),
        ("page=2", "page is set by the adapter"),
    ],
)
def test_bad_options_are_reported_before_any_request(cqc_server: CqcServer, query: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read(f"{cqc_server.base_url}?{query}")
    assert cqc_server.seen == []


# --- Retries and failures.


def test_rate_limit_is_retried_after_the_servers_retry_after(cqc_server: CqcServer, api_key: str) -> None:
    cqc_server.failures["/locations/1-125856395"] = [429, 429]

    assert names(read(f"{cqc_server.base_url}/locations/1-125856395")) == ["Lucerne House"]
    assert len(cqc_server.requests_to("/locations/1-125856395")) == 3


def test_server_errors_are_retried(cqc_server: CqcServer, api_key: str) -> None:
    cqc_server.failures["/locations"] = [500, 503]

    assert names(read(f"{cqc_server.base_url}?perPage=2")) == ALL_FIVE
    assert len(cqc_server.requests_to("/locations")) == 5  # page 1 three times, pages 2 and 3 once


def test_persistent_server_error_on_a_page_is_a_clear_error(cqc_server: CqcServer, api_key: str) -> None:
    cqc_server.failures["/locations"] = [500] * 10

    with pytest.raises(CqcApiError) as info:
        read(f"{cqc_server.base_url}?perPage=2", ReadContext(lenient=True, key=TEST_KEY), retries=2)
    assert str(info.value) == (
        f"{cqc_server.base_url}/locations?page=1&perPage=2: HTTP 500 Internal Server Error after 3 attempts"
    )


def test_persistent_rate_limit_stops_the_read(cqc_server: CqcServer, api_key: str) -> None:
    cqc_server.failures["/locations/1-125856395"] = [429] * 10

    with pytest.raises(CqcApiError, match="HTTP 429 Too Many Requests: still rate limited after 2 attempts"):
        lenient = ReadContext(lenient=True, key=TEST_KEY)
        read(f"{cqc_server.base_url}/locations/1-125856395", lenient, retries=1)


def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CqcApiError) as info:
        read(f"http://127.0.0.1:{port}/public/v1/locations/1-1", retries=1)
    assert str(info.value) == (
        f"http://127.0.0.1:{port}/public/v1/locations/1-1: cannot reach the CQC API (Connection refused)"
        " after 2 attempts"
    )


def test_plain_http_is_refused_for_anything_but_this_machine() -> None:
    with pytest.raises(InputError) as info:
        read("http://api.service.cqc.org.uk/public/v1?key=secret-key-value")
    assert str(info.value) == (
        "http://api.service.cqc.org.uk/public/v1: use https;"
        " the subscription key must not travel in clear text"
    )


# --- Bad records from the API: strict fails, lenient skips and counts.


def test_unknown_location_fails_when_strict_and_is_skipped_when_lenient(
    cqc_server: CqcServer, api_key: str
) -> None:
    source = f"{cqc_server.base_url}?ids=1-404,1-125856395"
    with pytest.raises(InputError, match=r"/locations/1-404: HTTP 404 Not Found$"):
        read(source)

    context = ReadContext(lenient=True, key=TEST_KEY)
    assert names(read(source, context)) == ["Lucerne House"]
    assert context.skipped == [f"{cqc_server.base_url}/locations/1-404: HTTP 404 Not Found"]


def test_malformed_record_names_the_url_and_the_json_path(cqc_server: CqcServer, api_key: str) -> None:
    source = f"{cqc_server.base_url}?ids=1-9000000501,1-9000000101"
    with pytest.raises(InputError) as info:
        read(source)
    assert str(info.value) == (
        f"{cqc_server.base_url}/locations/1-9000000501: expected one of 'Outstanding', 'Good',"
        " 'Requires improvement', 'Inadequate' @ $.currentRatings.overall.rating"
    )

    context = ReadContext(lenient=True, key=TEST_KEY)
    assert names(read(source, context)) == ["Meadowbank Lodge"]
    assert len(context.skipped) == 1


def test_location_ids_cannot_escape_the_locations_path(cqc_server: CqcServer, api_key: str) -> None:
    context = ReadContext(lenient=True, key=TEST_KEY)
    read(f"{cqc_server.base_url}?ids=../changes/location", context)
    assert [s.path for s in cqc_server.seen] == ["/locations/../changes/location"]
    assert context.skipped == [f"{cqc_server.base_url}/locations/..%2Fchanges%2Flocation: HTTP 404 Not Found"]
