"""The built-in ``email`` notifier: a plain-text and HTML summary of alert changes, sent over SMTP.

``mipr watch --notify 'email:smtp://mail.example.org:587?from=mipr@example.org&to=manager@example.org&starttls=true'``

The SMTP URL: ``smtp://`` (plain, optionally upgraded with ``starttls=true``) or ``smtps://`` (TLS from the
start); ``user[:password]@`` for login, the password otherwise from ``MIPR_RULES_SMTP_PASSWORD``; query keys
``from`` (one address), ``to`` (one or more, comma separated or repeated), ``starttls`` and ``timeout``
(seconds one delivery attempt may take in all: connecting, TLS, login and sending; a server that answers
slowly is cut off then). The message holds what the alerts hold (pseudonymous ids only); the HTML part is
autoescaped.
"""

from __future__ import annotations

import email.message
import email.utils
import functools
import os
import re
import smtplib
import socket
import ssl
import urllib.parse
from typing import TYPE_CHECKING, Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.alerts.deadline import Deadline
from mipr_rules.alerts.notify import AlertChanges, DeliveryError, StoredAlert, redact
from mipr_rules.alerts.policy import DeliveryPolicy

if TYPE_CHECKING:
    import jinja2

PASSWORD_ENV = "MIPR_RULES_SMTP_PASSWORD"
"""Environment variable holding the SMTP password when the URL names a user but no password."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
DEFAULT_TIMEOUT = 30.0
"""Seconds one delivery attempt may take in all, unless the URL or the provider configuration says otherwise."""


@attrs.frozen
class SmtpSettings:
    """Where and how to send, read from an SMTP URL."""

    host: str
    """SMTP server host."""
    port: int
    """SMTP server port (default 25 for smtp://, 465 for smtps://)."""
    sender: str
    """Envelope and header sender."""
    recipients: tuple[str, ...]
    """Envelope and header recipients."""
    tls: str = "none"
    """``none``, ``starttls`` or ``ssl``."""
    username: str | None = None
    """Login user, if the server needs one."""
    password: str | None = attrs.field(default=None, repr=False)
    """Login password (from the URL or ``MIPR_RULES_SMTP_PASSWORD``)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one delivery attempt may take in all."""

    @classmethod
    def parse(cls, url: str, default_timeout: float = DEFAULT_TIMEOUT) -> SmtpSettings:
        """Read an ``smtp://`` or ``smtps://`` URL; ``DeliveryError`` naming what is wrong."""
        where = f"email {redact(url)}"
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            raise DeliveryError(f"{where}: not a valid SMTP URL") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DeliveryError(f"{where}: expected smtp://host[:port]?from=…&to=… or smtps://…")
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"from", "to", "starttls", "timeout"}
        if unknown:
            raise DeliveryError(
                f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; expected from, to, starttls, timeout"
            )
        senders = query.get("from", [])
        recipients = tuple(a.strip() for value in query.get("to", []) for a in value.split(",") if a.strip())
        if len(senders) != 1 or not _ADDRESS.fullmatch(senders[0].strip()):
            raise DeliveryError(f"{where}: from: expected one email address")
        if not recipients or not all(_ADDRESS.fullmatch(a) for a in recipients):
            raise DeliveryError(f"{where}: to: expected one or more email addresses, comma separated")
        starttls = _flag(query.get("starttls", ["false"])[-1], f"{where}: starttls")
        if starttls and parts.scheme == "smtps":
            raise DeliveryError(f"{where}: starttls: smtps:// is already encrypted; use smtp://…&starttls=true")
        try:
            timeout = float(query.get("timeout", [str(default_timeout)])[-1])
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise DeliveryError(f"{where}: timeout: expected seconds between 0 and 600")
        username = urllib.parse.unquote(parts.username) if parts.username else None
        password = urllib.parse.unquote(parts.password) if parts.password else None
        if username and password is None:
            password = os.environ.get(PASSWORD_ENV)
        return cls(
            host=parts.hostname,
            port=port or (465 if parts.scheme == "smtps" else 25),
            sender=senders[0].strip(),
            recipients=recipients,
            tls="ssl" if parts.scheme == "smtps" else "starttls" if starttls else "none",
            username=username,
            password=password,
            timeout=timeout,
        )


def _flag(value: str, where: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise DeliveryError(f"{where}: expected true or false")


_TEXT = """\
CQC readiness alerts as of {{ c.as_of }} (ruleset {{ c.ruleset }})
{% for loc in c.locations %}
{{ loc.title }}
{{ "=" * loc.title|length }}
{% if loc.error %}Not evaluated: {{ loc.error }}
Its open alerts were kept as they were; they will be compared again at the next check.
{% endif %}{% if loc.new %}
New ({{ loc.new|length }}):
{% for a in loc.new %}  [{{ a.severity }}] {{ a.message }}
      {{ a.title }} · {{ a.where }} · {{ a.rule }} · {{ a.alert_id }}
      Source: {{ a.source }}
{% endfor %}{% endif %}{% if loc.resolved %}
Resolved ({{ loc.resolved|length }}):
{% for a in loc.resolved %}  {{ a.title }} · {{ a.subject }} (open {{ a.first_seen }} to {{ a.resolved_on }})
{% endfor %}{% endif %}
Still open: {{ loc.ongoing }}
{% endfor %}
Change set {{ c.id }}. Acknowledge an alert with: mipr ack ALERT-ID --store STORE --by YOUR-STAFF-ID
"""

_HTML = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; max-width: 46em">
<h1 style="font-size: 1.3em">CQC readiness alerts as of {{ c.as_of }}</h1>
<p style="color: #555">Ruleset {{ c.ruleset }}</p>
{% for loc in c.locations %}
<h2 style="font-size: 1.1em">{{ loc.title }}</h2>
{% if loc.error %}<p><strong>Not evaluated:</strong> {{ loc.error }}.
Its open alerts were kept as they were.</p>{% endif %}
{% if loc.new %}<h3 style="font-size: 1em">New ({{ loc.new|length }})</h3>
<table cellpadding="4" style="border-collapse: collapse">
<tr><th align="left">Severity</th><th align="left">Alert</th><th align="left">Where</th></tr>
{% for a in loc.new %}<tr style="border-top: 1px solid #ddd">
<td>{{ a.severity }}</td>
<td>{{ a.message }}<br><small>{{ a.title }} · {{ a.rule }} · {{ a.alert_id }}<br>Source: {{ a.source }}</small></td>
<td>{{ a.where }}</td></tr>
{% endfor %}</table>{% endif %}
{% if loc.resolved %}<h3 style="font-size: 1em">Resolved ({{ loc.resolved|length }})</h3>
<ul>{% for a in loc.resolved %}<li>{{ a.title }}: {{ a.subject }} (open {{ a.first_seen }} to {{ a.resolved_on }})</li>
{% endfor %}</ul>{% endif %}
<p>Still open: {{ loc.ongoing }}</p>
{% endfor %}
<p style="color: #555"><small>Change set {{ c.id }}. Acknowledge an alert with
<code>mipr ack ALERT-ID --store STORE --by YOUR-STAFF-ID</code>.</small></p>
</body></html>
"""

@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    """The template environment of the text or HTML part, made on first use (not when mipr starts)."""
    import jinja2

    if html:
        return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _alert_view(alert: StoredAlert) -> dict[str, Any]:
    source = alert.detail.get("source") or {}
    detail = alert.detail
    statement = " ".join(str(x) for x in (detail.get("quality_statement"), detail.get("quality_statement_name")) if x)
    where = " · ".join(x for x in (str(detail.get("key_question") or ""), statement) if x)
    return {
        "alert_id": alert.alert_id,
        "severity": alert.severity,
        "title": alert.title,
        "message": alert.message,
        "rule": alert.identity.rule_id,
        "subject": alert.identity.subject,
        "where": where or "-",
        "source": source.get("title") or source.get("id") or "-",
        "first_seen": alert.first_seen.isoformat(),
        "resolved_on": alert.resolved_on.isoformat() if alert.resolved_on else "",
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def subject_line(changes: AlertChanges) -> str:
    """The email subject, e.g. ``[mipr] Sunrise House: 2 new, 1 resolved alerts as of 2026-11-02``."""
    names = {loc.location_id for loc in changes.locations}
    who = changes.location_name(next(iter(names))) if len(names) == 1 else f"{len(names)} locations"
    counts = changes.counts()
    plural = "" if counts["new"] + counts["resolved"] == 1 else "s"
    return _one_line(
        f"[mipr] {who}: {counts['new']} new, {counts['resolved']} resolved alert{plural} as of {changes.as_of}"
    )


def render(changes: AlertChanges) -> tuple[str, str, str]:
    """``(subject, plain text, html)`` of the summary of ``changes``."""
    locations = []
    for loc in changes.locations:
        mine = loc.location_id
        locations.append(
            {
                "title": f"{loc.name or mine} ({mine})",
                "error": loc.error,
                "new": [_alert_view(a) for a in changes.new if a.identity.location_id == mine],
                "resolved": [_alert_view(a) for a in changes.resolved if a.identity.location_id == mine],
                "ongoing": sum(a.identity.location_id == mine for a in changes.ongoing),
            }
        )
    view = {
        "id": changes.id,
        "as_of": changes.as_of.isoformat(),
        "ruleset": f"{changes.ruleset_id} {changes.ruleset_version}",
        "locations": locations,
    }
    subject = subject_line(changes)
    text = _environment(False).from_string(_TEXT).render(c=view)
    html = _environment(True).from_string(_HTML).render(c=view, subject=subject)
    return subject, text, html


def message(changes: AlertChanges, settings: SmtpSettings) -> email.message.EmailMessage:
    """The email (text with an HTML alternative) for ``changes``."""
    subject, text, html = render(changes)
    msg = email.message.EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = f"<{changes.id}@mipr-rules.invalid>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class _SMTP(smtplib.SMTP):
    """SMTP whose connection is resolved, made and watched under a ``Deadline``."""

    def __init__(self, deadline: Deadline, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self.deadline.connect(self.deadline.resolve(host, port))


class _SMTPS(smtplib.SMTP_SSL):
    """SMTP over TLS from the start, under a ``Deadline``."""

    def __init__(self, deadline: Deadline, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = self.deadline.connect(self.deadline.resolve(host, port))
        return self.context.wrap_socket(sock, server_hostname=self._host)  # type: ignore[attr-defined]


@attrs.frozen
class EmailNotifier:
    """Sends a summary of alert changes by SMTP, within a total deadline per attempt."""

    name: str = "email"
    description: str = "Built in: email a text and HTML summary of alert changes (smtp:// or smtps:// URL)"
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one attempt may take in all, unless the URL gives ``timeout=``."""

    def with_policy(self, policy: DeliveryPolicy) -> EmailNotifier:
        """This notifier with the provider configuration's ``notify.timeout``, if set."""
        return attrs.evolve(self, timeout=policy.timeout or self.timeout)

    def validate(self, target: str) -> None:
        """Refuse a malformed SMTP URL."""
        SmtpSettings.parse(target, self.timeout)

    def send(self, changes: AlertChanges, target: str) -> None:
        """Send the summary; ``DeliveryError`` naming the server (never the password) if it fails."""
        settings = SmtpSettings.parse(target, self.timeout)
        msg = message(changes, settings)
        where = f"email {redact(target)}"
        with Deadline(settings.timeout) as deadline:
            try:
                self._send(msg, settings, deadline)
            except (OSError, smtplib.SMTPException) as exc:
                if deadline.expired:
                    raise DeliveryError(
                        f"{where}: not done within {settings.timeout:g} s; left for the next check"
                    ) from None
                raise DeliveryError(f"{where}: {_problem(exc)}") from None

    @staticmethod
    def _send(msg: email.message.EmailMessage, settings: SmtpSettings, deadline: Deadline) -> None:
        client: smtplib.SMTP
        timeout = deadline.remaining()
        if settings.tls == "ssl":
            client = _SMTPS(deadline, timeout=timeout, context=ssl.create_default_context())
        else:
            client = _SMTP(deadline, timeout=timeout)
        client.connect(settings.host, settings.port)
        with client:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password or "")
            # Some recipients refused while others accepted still counts as delivered: sending again
            # would repeat the message to those who have it.
            client.send_message(msg, from_addr=settings.sender, to_addrs=list(settings.recipients))


def _problem(exc: OSError | smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error).encode()
        text = _one_line(said.decode("utf-8", "replace"))[:120]
        return f"server answered {exc.smtp_code} {text}".rstrip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused"
    if isinstance(exc, smtplib.SMTPException):
        return type(exc).__name__
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host ({exc.strerror or type(exc).__name__})"
    return f"cannot connect ({exc.strerror or type(exc).__name__})"


@hookimpl
def mipr_register_notifiers(register: Any) -> None:
    register(EmailNotifier())
