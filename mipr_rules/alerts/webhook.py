"""The built-in ``webhook`` notifier: POST the ``alert_changes`` JSON document to a URL.

``mipr watch --notify webhook:https://example.org/hooks/mipr``. The body is ``AlertChanges.as_dict()``
(docs/commands/watch.md). Headers: ``X-Mipr-Event: alert_changes``, ``X-Mipr-Delivery: <change set id>``
(the same on every retry, so a receiver can ignore repeats), ``Idempotency-Key: <key>`` (one notification
to this target, also across watchers sharing a store) and, when ``MIPR_RULES_WEBHOOK_SECRET`` is set,
``X-Mipr-Timestamp: <unix seconds>`` and ``X-Mipr-Signature: sha256=<hex HMAC-SHA256 of "TIMESTAMP." + body>``;
receivers check both with ``verify_signature`` and refuse a timestamp older than ``REPLAY_TOLERANCE``.

Safe by default (``DeliveryPolicy``): https only unless ``allow_http``; the host is resolved once, every
address it resolves to must be public (or allowed in the provider configuration), and the connection goes to
an address that was checked, so a name that changes its answer between check and connect (DNS rebinding)
cannot steer a delivery elsewhere. One attempt, from name resolution to the answer's headers, must finish
within ``timeout`` seconds. A 2xx answer is delivery; 5xx answers and failed connections are retried a
few times within the cycle; 3xx, 4xx, a refused address and an attempt that ran out of time are not (the
next cycle tries again). Redirects are not followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import socket
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs

import mipr_rules
from mipr_rules import hookimpl
from mipr_rules.alerts.deadline import Deadline
from mipr_rules.alerts.notify import AlertChanges, DeliveryError, redact
from mipr_rules.delivery_policy import DeliveryPolicy

SECRET_ENV = "MIPR_RULES_WEBHOOK_SECRET"
"""Environment variable holding the shared secret that signs webhook requests."""
SIGNATURE_HEADER = "X-Mipr-Signature"
TIMESTAMP_HEADER = "X-Mipr-Timestamp"
DELIVERY_HEADER = "X-Mipr-Delivery"
EVENT_HEADER = "X-Mipr-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
"""The same on every attempt of one notification to one target: receivers drop a repeat by it."""
REPLAY_TOLERANCE = 300
"""Seconds a signed request stays valid: receivers refuse a timestamp further than this from their clock."""
DEFAULT_TIMEOUT = 10.0
"""Seconds one delivery attempt may take in all, unless the provider configuration says otherwise."""


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Mipr-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body``."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: float = REPLAY_TOLERANCE,
    now: float | None = None,
) -> bool:
    """For receivers: whether a request is signed under ``secret`` and was signed within ``tolerance`` seconds.

    ``body`` is the raw request body, ``headers`` the request headers (any capitalisation). The comparison
    is in constant time. A captured request replayed later than ``tolerance`` fails; within it, ignore an
    ``X-Mipr-Delivery`` id already processed.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower())
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    if signature is None or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    timestamp = int(stamp)
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(body, secret, timestamp), signature)


class _Refused(Exception):
    """The target may not be reached under the delivery policy."""


@attrs.frozen
class WebhookNotifier:
    """POSTs alert changes as JSON, signed when a secret is set, within a total deadline per attempt."""

    name: str = "webhook"
    description: str = "Built in: POST alert changes as JSON to an https URL (HMAC-SHA256 signed if a secret is set)"
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one attempt may take in all: resolving, connecting, sending and reading the answer."""
    attempts: int = 3
    """Attempts within one cycle on a 5xx answer or a failed connection."""
    backoff: float = 0.5
    """Seconds before the second attempt; doubled before each further one."""
    policy: DeliveryPolicy = attrs.field(factory=DeliveryPolicy)
    """Which schemes and addresses may be reached (``allow_http``, ``allow_hosts``...)."""

    def with_policy(self, policy: DeliveryPolicy) -> WebhookNotifier:
        """This notifier under ``policy`` (its ``timeout``, if set, replaces this one's)."""
        return attrs.evolve(self, policy=policy, timeout=policy.timeout or self.timeout)

    def validate(self, target: str) -> None:
        """Refuse anything but an absolute https URL (or http with ``allow_http``) to an allowed host."""
        parts = self._parts(target)
        host = parts.hostname or ""
        literal = _literal_address(host)
        if literal is None and (host == "localhost" or host.endswith(".localhost")):
            literal = ipaddress.ip_address("127.0.0.1")
        if literal is not None:
            refusal = self.policy.refusal(host, literal)
            if refusal:
                raise DeliveryError(f"{self.name} {redact(target)}: {refusal}")

    def warnings(self, target: str) -> list[str]:
        """What an operator should know before the first delivery: an unsigned webhook."""
        if os.environ.get(SECRET_ENV):
            return []
        return [
            f"webhook {redact(target)}: {SECRET_ENV} is not set; deliveries are not signed, "
            "so the receiver cannot tell them from forgeries"
        ]

    def headers(self, changes: AlertChanges, body: bytes, target: str) -> dict[str, str]:
        """The headers of one attempt (signed now, when a secret is set)."""
        parts = urllib.parse.urlsplit(target)
        host = parts.hostname or ""
        shown = f"[{host}]" if ":" in host else host
        default = 443 if parts.scheme == "https" else 80
        headers = {
            "Host": shown if parts.port in (None, default) else f"{shown}:{parts.port}",
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"mipr-rules/{mipr_rules.__version__}",
            EVENT_HEADER: "alert_changes",
            DELIVERY_HEADER: changes.id,
        }
        if changes.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = changes.idempotency_key
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        secret = os.environ.get(SECRET_ENV)
        if secret:
            timestamp = int(time.time())
            headers[TIMESTAMP_HEADER] = str(timestamp)
            headers[SIGNATURE_HEADER] = sign(body, secret, timestamp)
        return headers

    def body(self, changes: AlertChanges) -> bytes:
        """What one delivery POSTs: the ``alert_changes`` JSON document (other notifiers built on this one, such
        as a chat card, override it)."""
        return changes.to_json().encode("utf-8")

    def send(self, changes: AlertChanges, target: str) -> None:
        """POST ``changes``; ``DeliveryError`` naming the host (never the path or query) if it fails."""
        import http.client  # here, not at import: registering the notifier stays cheap

        self.validate(target)
        body = self.body(changes)
        where = f"{self.name} {redact(target)}"
        attempts = max(1, self.attempts)
        problem, made = "", 0
        started = time.monotonic()
        for attempt in range(attempts):
            if attempt:
                pause = self.backoff * 2 ** (attempt - 1)
                if time.monotonic() + pause - started >= self.timeout:
                    break  # retries only within one deadline's worth of time: a send takes at most about two
                time.sleep(pause)
            made += 1
            with Deadline(self.timeout) as deadline:
                try:
                    status, reason = self._post(target, body, self.headers(changes, body, target), deadline)
                except _Refused as exc:
                    raise DeliveryError(f"{where}: {exc}") from None
                except (OSError, http.client.HTTPException) as exc:
                    if deadline.expired:
                        raise DeliveryError(
                            f"{where}: no complete answer within {self.timeout:g} s; left for the next check"
                        ) from None
                    problem = _problem(exc)
                    continue
            if 200 <= status < 300:
                return
            problem = f"HTTP {status} {reason}".strip()
            if status < 500:
                raise DeliveryError(f"{where}: {problem}")
        raise DeliveryError(f"{where}: {problem} after {made} attempt(s)")

    def _parts(self, target: str) -> urllib.parse.SplitResult:
        try:
            parts = urllib.parse.urlsplit(target)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise DeliveryError(f"{self.name} {redact(target)}: not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(f"{self.name} {redact(target)}: expected an http:// or https:// URL")
        if parts.scheme == "http" and not self.policy.allow_http:
            raise DeliveryError(
                f"{self.name} {redact(target)}: plain http:// is refused (unencrypted); use https://, or --allow-http"
            )
        return parts

    def _post(self, target: str, body: bytes, headers: dict[str, str], deadline: Deadline) -> tuple[int, str]:
        """One attempt: resolve, check every address, connect to a checked one, send, read the status."""
        parts = self._parts(target)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = deadline.resolve(host, port)
        for _, address in addresses:
            refusal = self.policy.refusal(host, ipaddress.ip_address(str(address[0]).split("%")[0]))
            if refusal:
                raise _Refused(refusal)
        import http.client
        import ssl

        sock = deadline.connect(addresses)
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        connection = http.client.HTTPConnection(host, port, timeout=deadline.remaining())
        connection.sock = sock  # already connected, to a checked address: http.client does not connect again
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            # The status is the answer; the body is not read (a receiver may keep it open).
            return response.status, response.reason
        finally:
            connection.close()


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _problem(exc: BaseException) -> str:
    import http.client
    import ssl

    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, ConnectionRefusedError):
        return "cannot connect (Connection refused)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or type(exc).__name__})"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot connect ({exc.strerror})"
    return f"connection failed ({exc or type(exc).__name__})"


@hookimpl
def mipr_register_notifiers(register: Any) -> None:
    register(WebhookNotifier())
