"""A small client for the CQC public API, on urllib from the standard library.

It sends the ``Ocp-Apim-Subscription-Key`` header, follows ``page``/``perPage`` paging, and retries
429 and 5xx responses and dropped connections (honouring ``Retry-After``, else backing off
exponentially). Every failure is a ``CqcApiError``: one line naming the request URL, never the key.
"""

from __future__ import annotations

import http
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import attrs

from mipr_rules.errors import InputError
from mipr_rules.loading import parse_json

KEY_HEADER = "Ocp-Apim-Subscription-Key"
"""The Azure API Management header carrying the subscription key."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Responses worth asking again for."""

AUTH_STATUSES = frozenset({401, 403})
"""Responses that mean the key is missing or refused."""


class CqcApiError(InputError):
    """A request to the CQC API failed; ``str()`` is ``"{where}: {reason}"``."""

    def __init__(self, where: str, reason: str, status: int | None) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        """The request URL (without any key)."""
        self.reason = reason
        """What went wrong, e.g. ``HTTP 404 Not Found``."""
        self.status = status
        """The HTTP status, or ``None`` when no response arrived."""


def _phrase(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


@attrs.define
class CqcApiClient:
    """Reads JSON from one CQC API base URL."""

    base_url: str
    """API base, e.g. ``https://api.service.cqc.org.uk/public/v1``."""
    api_key: str | None = attrs.field(default=None, repr=False)
    """Subscription key; ``None`` sends no key header."""
    user_agent: str = "mipr-rules-adapter-cqc"
    """``User-Agent`` sent with every request (CQC refuses requests without one)."""
    retries: int = 3
    """How many times a 429, a 5xx or a dropped connection is retried before giving up."""
    backoff: float = 1.0
    """First wait in seconds when the server gives no ``Retry-After``; doubled on each retry."""
    max_wait: float = 60.0
    """Longest single wait in seconds, whatever ``Retry-After`` asks for."""
    timeout: float = 30.0
    """Socket timeout of each request in seconds."""
    requests: int = 0
    """Requests sent so far (retries included)."""

    def url(self, path: str, params: Mapping[str, object] | Sequence[tuple[str, object]] = ()) -> str:
        """The full URL of ``path`` with ``params`` (never the key, which travels in a header)."""
        query = urlencode(list(params.items()) if isinstance(params, Mapping) else list(params))
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def get_json(self, path: str, params: Mapping[str, object] | Sequence[tuple[str, object]] = ()) -> Any:
        """GET ``path`` and parse the JSON body, retrying where that can help."""
        url = self.url(path, params)
        body = self._get(url)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CqcApiError(url, f"response is not UTF-8 (byte {exc.start})", 200) from None
        return parse_json(text, url)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if self.api_key:
            headers[KEY_HEADER] = self.api_key
        return headers

    def _get(self, url: str) -> bytes:
        # here, not at import: registering the adapter (every mipr run) does not load HTTP and TLS
        import http.client
        import urllib.error
        import urllib.request

        attempt = 0
        while True:
            self.requests += 1
            retry_after: str | None = None
            try:
                request = urllib.request.Request(url, headers=self._headers())
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body: bytes = response.read()
                    return body
            except urllib.error.HTTPError as exc:
                status = exc.code
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                exc.close()
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    raise CqcApiError(url, self._describe(status, attempt + 1), status) from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", None) or exc
                    detail = getattr(reason, "strerror", None) or type(reason).__name__
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise CqcApiError(url, f"cannot reach the CQC API ({detail}){tries}", None) from None
            time.sleep(self._wait(attempt, retry_after))
            attempt += 1

    def _describe(self, status: int, attempts: int) -> str:
        if status in AUTH_STATUSES:
            given = "the subscription key was refused" if self.api_key else "no subscription key was sent"
            return f"{_phrase(status)}: {given}; set MIPR_CQC_API_KEY or add ?key=… to the URL"
        if status == 429:
            return f"{_phrase(status)}: still rate limited after {attempts} attempts; try again later"
        if attempts > 1:
            return f"{_phrase(status)} after {attempts} attempts"
        return _phrase(status)

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None and retry_after.strip().isdigit():
            return min(float(retry_after.strip()), self.max_wait)
        return float(min(self.backoff * 2**attempt, self.max_wait))

    def paged(
        self,
        path: str,
        items_key: str,
        params: Sequence[tuple[str, object]],
        per_page: int,
    ) -> Iterator[tuple[str, int, Any]]:
        """Every item of a paged list (``page`` from 1, ``perPage``) with its page URL and index there.

        Pages are fetched as the items are used. Stops after ``totalPages`` when the response gives it,
        else when there is no ``nextPageUri`` or a page comes back empty.
        """
        page = 1
        while True:
            query = [*params, ("page", page), ("perPage", per_page)]
            url = self.url(path, query)
            body = self.get_json(path, query)
            items = body.get(items_key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise CqcApiError(url, f"expected a JSON array @ $.{items_key}", 200)
            for index, item in enumerate(items):
                yield url, index, item
            total_pages = body.get("totalPages")
            if isinstance(total_pages, int) and not isinstance(total_pages, bool):
                if page >= total_pages:
                    return
            elif not items or not body.get("nextPageUri"):
                return
            page += 1

    def location(self, location_id: str) -> Any:
        """The detail record of one location (``GET /locations/{id}``)."""
        return self.get_json(self.location_path(location_id))

    @staticmethod
    def location_path(location_id: str) -> str:
        """``/locations/{id}``, with the id quoted so that it cannot change the path."""
        return f"/locations/{quote(location_id, safe='')}"
