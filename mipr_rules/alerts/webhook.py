"""The built-in ``webhook`` notifier: POST the ``alert_changes`` JSON document to a URL.

``mipr watch --notify webhook:https://example.org/hooks/mipr``. The body is ``AlertChanges.as_dict()``
(docs/commands/watch.md). Headers: ``X-Mipr-Event: alert_changes``, ``X-Mipr-Delivery: <change set id>``
(the same on every retry, so a receiver can ignore repeats) and, when ``MIPR_RULES_WEBHOOK_SECRET`` is set,
``X-Mipr-Signature-256: sha256=<hex HMAC-SHA256 of the body under the secret>``. A 2xx answer is delivery;
5xx answers and network failures are retried a few times, then left for the next cycle; 3xx and 4xx are
not retried within the cycle. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import attrs

import mipr_rules
from mipr_rules import hookimpl
from mipr_rules.alerts.notify import AlertChanges, DeliveryError, redact

SECRET_ENV = "MIPR_RULES_WEBHOOK_SECRET"
"""Environment variable holding the shared secret that signs webhook bodies."""
SIGNATURE_HEADER = "X-Mipr-Signature-256"
DELIVERY_HEADER = "X-Mipr-Delivery"
EVENT_HEADER = "X-Mipr-Event"


def sign(body: bytes, secret: str) -> str:
    """The signature header value of ``body``: ``sha256=<hex digest>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret`` (for receivers; constant time)."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@attrs.frozen
class WebhookNotifier:
    """POSTs alert changes as JSON, optionally signed."""

    name: str = "webhook"
    description: str = "Built in: POST alert changes as JSON to an http(s) URL (HMAC-SHA256 signed if a secret is set)"
    timeout: float = 10.0
    """Seconds to wait for the receiver on each attempt."""
    attempts: int = 3
    """Attempts within one cycle on a 5xx answer or a network failure."""
    backoff: float = 0.5
    """Seconds before the second attempt; doubled before each further one."""

    def validate(self, target: str) -> None:
        """Refuse anything but an absolute http(s) URL."""
        try:
            parts = urllib.parse.urlsplit(target)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise DeliveryError(f"webhook {redact(target)}: not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(f"webhook {redact(target)}: expected an http:// or https:// URL")

    def request(self, changes: AlertChanges, target: str) -> urllib.request.Request:
        """The HTTP request that delivers ``changes``."""
        body = changes.to_json().encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"mipr-rules/{mipr_rules.__version__}",
            EVENT_HEADER: "alert_changes",
            DELIVERY_HEADER: changes.id,
        }
        secret = os.environ.get(SECRET_ENV)
        if secret:
            headers[SIGNATURE_HEADER] = sign(body, secret)
        return urllib.request.Request(target, data=body, headers=headers, method="POST")

    def send(self, changes: AlertChanges, target: str) -> None:
        """POST ``changes``; ``DeliveryError`` naming the host (never the path or query) if it fails."""
        self.validate(target)
        request = self.request(changes, target)
        where = f"webhook {redact(target)}"
        problem = ""
        for attempt in range(max(1, self.attempts)):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                with _OPENER.open(request, timeout=self.timeout) as response:
                    response.read()
                    return
            except urllib.error.HTTPError as exc:
                exc.close()
                problem = f"HTTP {exc.code} {exc.reason}".strip()
                if exc.code < 500:
                    raise DeliveryError(f"{where}: {problem}") from None
            except urllib.error.URLError as exc:
                problem = f"cannot connect ({_reason(exc.reason)})"
            except TimeoutError:
                problem = f"no answer within {self.timeout:g} s"
            except (ConnectionError, OSError) as exc:
                problem = f"connection failed ({_reason(exc)})"
        raise DeliveryError(f"{where}: {problem} after {max(1, self.attempts)} attempt(s)")


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


@hookimpl
def mipr_register_notifiers(register: Any) -> None:
    register(WebhookNotifier())
