"""Reading a FHIR server's search results over HTTP(S), page by page (``Bundle.link[relation=next]``)."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.loading import parse_json
from mipr_rules_adapter_fhir.entries import Entry, bundle_entries

SEARCHES = (
    "Location",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "Encounter",
    "CarePlan",
    "RiskAssessment",
    "Observation",
    "MedicationRequest",
    "MedicationAdministration",
    "Procedure",
    "DocumentReference",
    "AdverseEvent",
    "Flag",
    "Communication",
    "QuestionnaireResponse",
    "Basic",
    "Task",
)
"""Resource types searched, in this order, each as ``GET [base]/[type]?_count=PAGE_SIZE``."""

PAGE_SIZE = 100
"""``_count`` asked for; servers may return fewer per page."""
MAX_PAGES = 10_000
"""Pages followed per search before the read is refused (a server looping its next links)."""
MAX_PAGE_BYTES = 64 * 1024 * 1024
"""Largest page accepted."""
TIMEOUT_SECONDS = 60.0
"""Socket timeout of each request."""
TOKEN_ENV = "MIPR_RULES_FHIR_TOKEN"
"""Environment variable holding a bearer token sent as ``Authorization: Bearer …`` (never logged)."""


UNSUPPORTED_STATUSES = frozenset({400, 404})
"""Statuses of a first search page that mean "this server does not support the resource type": with
``--lenient`` the type is skipped and reported (``ReadContext.unsupported``), otherwise the read stops."""


class _NotSupported(InputError):
    def __init__(self, origin: str, why: str) -> None:
        super().__init__(f"{origin}: {why}")
        self.why = why


def is_server_url(source: str) -> bool:
    """Whether ``source`` names a FHIR server rather than a file."""
    return source.startswith(("http://", "https://"))


def server_entries(source: str, context: ReadContext) -> list[Entry]:
    """Every resource the server at base URL ``source`` returns for the searches in ``SEARCHES``."""
    base = source.rstrip("/")
    if urlsplit(base).query or urlsplit(base).fragment:
        raise InputError(f"{base}: give the FHIR base URL without a query")
    entries: list[Entry] = []
    for resource_type in SEARCHES:
        entries += _search(base, resource_type, context)
    return entries


def _search(base: str, resource_type: str, context: ReadContext) -> list[Entry]:
    url: str | None = f"{base}/{resource_type}?_count={PAGE_SIZE}"
    seen: set[str] = set()
    entries: list[Entry] = []
    page = 0
    while url is not None:
        page += 1
        origin = f"{base}/{resource_type} page {page}"
        if url in seen or page > MAX_PAGES:
            raise InputError(f"{origin}: the server's next links loop or never end")
        seen.add(url)
        try:
            bundle = _get_json(url, origin)
        except _NotSupported as exc:
            if page > 1 or not context.lenient:
                raise
            context.unsupported_type(resource_type, f"{origin}: {exc.why}")
            return []
        outcome = isinstance(bundle, Mapping) and bundle.get("resourceType") == "OperationOutcome"
        if page == 1 and outcome and context.lenient:
            context.unsupported_type(resource_type, f"{origin}: the server answered with an OperationOutcome")
            return []
        entries += bundle_entries(bundle, origin, context, expect=resource_type)
        url = _next_link(bundle, url, base, origin)
    return entries


def _next_link(bundle: Mapping[str, Any], current: str, base: str, origin: str) -> str | None:
    links = bundle.get("link") or []
    if not isinstance(links, list):
        raise InputError(f"{origin}: Bundle.link must be an array")
    for link in links:
        if isinstance(link, Mapping) and link.get("relation") == "next":
            target = link.get("url")
            if not isinstance(target, str) or not target:
                raise InputError(f"{origin}: Bundle.link (next) has no url")
            absolute = urljoin(current, target)
            here, there = urlsplit(base), urlsplit(absolute)
            if (here.scheme, here.netloc) != (there.scheme, there.netloc):
                raise InputError(f"{origin}: the next link points to another server; not followed")
            return absolute
    return None


def _get_json(url: str, origin: str) -> Any:
    headers = {"Accept": "application/fhir+json, application/json;q=0.9"}
    token = os.environ.get(TOKEN_ENV)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in UNSUPPORTED_STATUSES:
            raise _NotSupported(origin, f"HTTP {exc.code} {exc.reason}") from None
        raise InputError(f"{origin}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InputError(f"{origin}: cannot reach the server ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise InputError(f"{origin}: cannot reach the server ({type(exc).__name__})") from None
    if len(body) > MAX_PAGE_BYTES:
        raise InputError(f"{origin}: page larger than {MAX_PAGE_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{origin}: response is not UTF-8 (byte {exc.start})") from None
    return parse_json(text, origin)
