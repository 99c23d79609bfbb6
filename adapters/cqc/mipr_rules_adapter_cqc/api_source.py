"""The options of a live-API source, read from its URL.

``https://api.service.cqc.org.uk/public/v1`` reads every location (``/locations`` paged, then one
detail call each); ``…/locations/1-125856395`` or ``?ids=1-1,1-2`` reads those locations only;
``?since=2025-01-01`` reads the locations changed since then (``/changes/location``). The subscription
key may be given as ``?key=…``; other query parameters are passed on to ``/locations`` as filters.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl, urlsplit

import attrs

from mipr_rules.errors import InputError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts that may be reached over plain ``http`` (a local test server); everything else needs ``https``."""

RESERVED_PARAMETERS = frozenset({"page", "startTimestamp", "endTimestamp"})
"""Query parameters the adapter sets itself."""

_DETAIL_PATH = re.compile(r"^(?P<base>.*)/locations/(?P<id>[^/]+)$")


@attrs.frozen
class ApiSource:
    """Where the CQC API is and what to read from it."""

    base_url: str
    """API base, e.g. ``https://api.service.cqc.org.uk/public/v1``: no user info, query or trailing slash,
    so it can be shown in messages (it never carries a key)."""
    api_key: str | None = attrs.field(default=None, repr=False)
    """Subscription key given in the URL (``?key=``), if any."""
    location_ids: tuple[str, ...] = ()
    """Read only these locations (``/locations/{id}`` or ``?ids=``)."""
    since: str | None = None
    """``startTimestamp`` of an incremental read (``?since=``), as ``YYYY-MM-DDTHH:MM:SSZ``."""
    until: str | None = None
    """``endTimestamp`` of an incremental read (``?until=``); ``None`` means "now"."""
    per_page: int | None = None
    """Page size (``?perPage=``); ``None`` for the adapter's default."""
    filters: tuple[tuple[str, str], ...] = ()
    """Other query parameters, passed on to ``/locations`` unchanged."""


def is_api_url(source: str) -> bool:
    """Whether ``source`` names the live API rather than a file or folder."""
    return source.lower().startswith(("http://", "https://"))


def utc_timestamp(value: str, where: str, name: str) -> str:
    """``YYYY-MM-DD`` or an ISO 8601 date-time as CQC's ``YYYY-MM-DDTHH:MM:SSZ`` (naive times are UTC)."""
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.timezone.utc)
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: {name} must be a date or date-time (YYYY-MM-DD[THH:MM:SSZ])") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_api_source(source: str) -> ApiSource:
    """The ``ApiSource`` a URL names; ``InputError`` (never echoing a key) if it is unusable."""
    parts = urlsplit(source.strip())
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
        host = ""
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    path = parts.path.rstrip("/")
    display = f"{parts.scheme}://{netloc}{path}"
    if not host:
        raise InputError(f"{display}: not a usable URL (no host)")
    if parts.scheme.lower() != "https" and host not in LOOPBACK_HOSTS:
        raise InputError(f"{display}: use https; the subscription key must not travel in clear text")

    ids: list[str] = []
    match = _DETAIL_PATH.match(path)
    if match:
        path, ids = match["base"], [match["id"]]
    elif path.endswith("/locations"):
        path = path[: -len("/locations")]
    base_url = f"{parts.scheme}://{netloc}{path}"

    api_key = since = until = None
    per_page = None
    filters: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "key":
            api_key = value.strip() or None
        elif name == "ids":
            ids += [i.strip() for i in value.split(",") if i.strip()]
        elif name == "since":
            since = utc_timestamp(value, base_url, "since")
        elif name == "until":
            until = utc_timestamp(value, base_url, "until")
        elif name == "perPage":
            if not value.isdigit() or not 1 <= int(value) <= 10_000:
                raise InputError(f"{base_url}: perPage must be a whole number from 1 to 10000")
            per_page = int(value)
        elif name in RESERVED_PARAMETERS:
            raise InputError(f"{base_url}: {name} is set by the adapter; remove it from the URL")
        else:
            filters.append((name, value))
    if until and not since:
        raise InputError(f"{base_url}: until needs since (an incremental read is since … until …)")
    if since and ids:
        raise InputError(f"{base_url}: give either location ids or since, not both")
    return ApiSource(
        base_url=base_url,
        api_key=api_key,
        location_ids=tuple(dict.fromkeys(ids)),
        since=since,
        until=until,
        per_page=per_page,
        filters=tuple(filters),
    )
