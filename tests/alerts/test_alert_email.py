"""The email notifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from alert_support import MailServer, fix_care_plan_review, free_port

from mipr_rules.alerts import AlertChanges, AlertStore, DeliveryError
from mipr_rules.alerts.email import PASSWORD_ENV, EmailNotifier, SmtpSettings
from mipr_rules.readiness import ReadinessReport

Readiness = Callable[..., ReadinessReport]
NOTIFIER = EmailNotifier()


def parse(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.fixture
def changes(readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path) -> AlertChanges:
    """A second check in which one gap was fixed: one resolved, thirteen ongoing."""
    with AlertStore(tmp_path / "changes.db") as store:
        store.apply(readiness(home, as_of=as_of))
        fix_care_plan_review(home, as_of)
        return store.apply(readiness(home, as_of=as_of + dt.timedelta(days=1)))


def test_sends_a_text_and_html_summary(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, mail_server: MailServer
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        first = store.apply(readiness(home, as_of=as_of))
    NOTIFIER.send(first, mail_server.url())
    (envelope,) = mail_server.messages
    assert envelope.mail_from == "mipr@example.org"
    assert envelope.rcpt_tos == ["manager@example.org", "deputy@example.org"]
    message = parse(envelope)
    assert message["Subject"].strip() == "[mipr] Sunrise House: 23 new, 0 resolved alerts as of 2026-11-02"
    assert message["Message-ID"] == f"<{first.id}@mipr-rules.invalid>"
    text, html = parts(message)
    assert "New (23):" in text and "Still open: 0" in text
    assert "person:R07/care_plan:CP-R07" in text and "Effective · E1 Assessing needs" in text
    assert "<h3" in html and "person:R07/care_plan:CP-R07" in html
    assert all(a.alert_id in text and a.alert_id in html for a in first.new)


def test_resolved_alerts_are_listed(changes: AlertChanges, mail_server: MailServer) -> None:
    NOTIFIER.send(changes, mail_server.url())
    message = parse(mail_server.messages[0])
    assert message["Subject"].strip() == "[mipr] Sunrise House: 0 new, 1 resolved alert as of 2026-11-03"
    text, html = parts(message)
    assert "Resolved (1):" in text and "Care plan review overdue · person:R07/care_plan:CP-R07" in text
    assert "(open 2026-11-02 to 2026-11-03)" in text and "Still open: 22" in text
    assert "Resolved (1)" in html


def test_html_is_escaped(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, mail_server: MailServer
) -> None:
    home["name"] = "Sunrise <script>alert(1)</script> House"
    with AlertStore(tmp_path / "alerts.db") as store:
        changes = store.apply(readiness(home, as_of=as_of))
    NOTIFIER.send(changes, mail_server.url())
    text, html = parts(parse(mail_server.messages[0]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Sunrise <script>alert(1)</script> House" in text


def test_an_unreachable_server_is_a_delivery_error(changes: AlertChanges) -> None:
    url = f"smtp://127.0.0.1:{free_port()}?from=mipr@example.org&to=manager@example.org"
    with pytest.raises(DeliveryError, match=r"email smtp://127\.0\.0\.1:\d+/…: cannot connect \(Connection refused\)"):
        NOTIFIER.send(changes, url)


def test_login_is_refused_without_revealing_the_password(changes: AlertChanges, mail_server: MailServer) -> None:
    url = f"smtp://mipr:pa55w0rd@127.0.0.1:{mail_server.port}?from=mipr@example.org&to=manager@example.org"
    with pytest.raises(DeliveryError) as info:
        NOTIFIER.send(changes, url)  # the test server offers no AUTH
    assert "pa55w0rd" not in str(info.value) and "127.0.0.1" in str(info.value)
    assert not mail_server.messages


def test_settings_from_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    settings = SmtpSettings.parse(
        "smtp://mipr@mail.example.org:587?from=mipr@example.org&to=a@example.org,b@example.org&to=c@example.org"
        "&starttls=true&timeout=5"
    )
    assert (settings.host, settings.port, settings.tls, settings.timeout) == ("mail.example.org", 587, "starttls", 5)
    assert settings.recipients == ("a@example.org", "b@example.org", "c@example.org")
    assert (settings.username, settings.password) == ("mipr", "from-env")
    assert "from-env" not in repr(settings)
    secure = SmtpSettings.parse("smtps://mail.example.org?from=mipr@example.org&to=a@example.org")
    assert (secure.port, secure.tls) == (465, "ssl")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.org?from=a@example.org&to=b@example.org", "expected smtp://"),
        ("smtp://mail.example.org?to=b@example.org", "from: expected one email address"),
        ("smtp://mail.example.org?from=a@example.org", "to: expected one or more"),
        ("smtp://mail.example.org?from=a@example.org&to=Jane", "to: expected one or more"),
        ("smtp://mail.example.org?from=a@example.org&to=b@example.org&tls=1", "unknown setting"),
        ("smtp://mail.example.org?from=a@example.org&to=b@example.org&starttls=maybe", "starttls: expected true"),
        ("smtp://mail.example.org:99999?from=a@example.org&to=b@example.org", "not a valid SMTP URL"),
    ],
)
def test_bad_settings_are_named(url: str, problem: str) -> None:
    with pytest.raises(DeliveryError, match=problem) as info:
        NOTIFIER.validate(url)
    assert "\n" not in str(info.value)
