"""Where a webhook may go: https and public addresses by default; http, loopback and private networks only
when the provider allows them (``--allow-http``, ``notify:`` in provider.yaml). Real receivers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alert_support import Receiver, run_mipr, write_source

from mipr_rules.alerts import AlertChanges, DeliveryError
from mipr_rules.alerts.webhook import SECRET_ENV, WebhookNotifier
from mipr_rules.config import load_config
from mipr_rules.delivery_policy import DeliveryPolicy, address_kind
from mipr_rules.errors import ConfigError
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.store import AlertStore

Readiness = Callable[..., ReadinessReport]


@pytest.fixture
def changes(readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path) -> AlertChanges:
    """The first check of the sample home."""
    with AlertStore(tmp_path / "changes.db") as store:
        return store.apply(readiness(home, as_of=as_of))


def test_plain_http_is_refused_unless_allowed() -> None:
    with pytest.raises(DeliveryError, match=r"plain http:// is refused .*--allow-http"):
        WebhookNotifier().validate("http://hooks.example.org/mipr")
    WebhookNotifier().validate("https://hooks.example.org/mipr")
    WebhookNotifier(policy=DeliveryPolicy(allow_http=True)).validate("http://hooks.example.org/mipr")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://localhost:8443/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://[fd00::1]/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://0.0.0.0/hook", "unspecified"),
    ],
)
def test_non_public_addresses_are_refused_by_default(url: str, kind: str) -> None:
    with pytest.raises(DeliveryError, match=f"{kind} address.*provider configuration") as info:
        WebhookNotifier().validate(url)
    message = str(info.value)
    assert "\n" not in message and "/hook" not in message and "meta-data" not in message, "host only, no path"


def test_private_networks_allowed_but_never_link_local() -> None:
    notifier = WebhookNotifier(policy=DeliveryPolicy(allow_private_networks=True))
    notifier.validate("https://10.1.2.3/hook")
    notifier.validate("https://127.0.0.1/hook")
    with pytest.raises(DeliveryError, match="link-local"):
        notifier.validate("https://169.254.169.254/latest/meta-data")
    listed = WebhookNotifier(policy=DeliveryPolicy(allow_hosts=("169.254.10.0/24",)))
    listed.validate("https://169.254.10.7/hook")
    with pytest.raises(DeliveryError, match="link-local"):
        listed.validate("https://169.254.169.254/hook")


def test_public_addresses_need_no_allowance() -> None:
    assert address_kind(ipaddress.ip_address("93.184.215.14")) is None
    assert address_kind(ipaddress.ip_address("2606:4700::6810:84e5")) is None
    WebhookNotifier().validate("https://93.184.215.14/hook")


def test_a_name_is_checked_by_every_address_it_resolves_to(changes: AlertChanges, receiver: Receiver) -> None:
    # "localhost" is not an address: it passes validation as a name, and is refused once resolved.
    port = receiver.port
    refused = WebhookNotifier(backoff=0.0, policy=DeliveryPolicy(allow_http=True))
    with pytest.raises(DeliveryError, match=r"localhost resolves to a loopback address \((127\.0\.0\.1|::1)\)"):
        refused.send(changes, f"http://localhost:{port}/hook")
    assert receiver.requests == [], "nothing was sent to a refused address"

    allowed = WebhookNotifier(backoff=0.0, policy=DeliveryPolicy(allow_http=True, allow_hosts=("localhost",)))
    allowed.send(changes, f"http://localhost:{port}/hook?token=s3cret")
    (request,) = receiver.requests
    assert request.path == "/hook?token=s3cret" and request.headers["Host"] == f"localhost:{port}"


def test_credentials_in_the_url_are_sent_as_basic_auth(changes: AlertChanges, receiver: Receiver) -> None:
    notifier = WebhookNotifier(policy=DeliveryPolicy(allow_http=True, allow_hosts=("127.0.0.1",)))
    notifier.send(changes, f"http://mipr:pa%3Ass@127.0.0.1:{receiver.port}/hook")
    (request,) = receiver.requests
    assert request.headers["Authorization"] == "Basic bWlwcjpwYTpzcw=="  # mipr:pa:ss
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_provider_configuration_reads_the_notify_section(tmp_path: Path) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text(
        "notify:\n  allow_hosts: [Hooks.Care.Internal, 10.20.0.0/16, 127.0.0.1]\n"
        "  allow_private_networks: true\n  timeout: 5\n"
    )
    policy = load_config(provider).notify
    assert policy.allow_hosts == ("hooks.care.internal", "10.20.0.0/16", "127.0.0.1/32")
    assert policy.allow_private_networks and policy.timeout == 5.0 and not policy.allow_http
    assert WebhookNotifier().with_policy(policy).timeout == 5.0
    assert load_config(None).notify == DeliveryPolicy()


@pytest.mark.parametrize(
    ("notify", "problem"),
    [
        ("allow_hosts: hooks.example.org", "notify.allow_hosts: expected a list"),
        ("allow_hosts: ['hooks example']", "notify.allow_hosts: 'hooks example' is not a host name"),
        ("allow_hosts: [[1, 2]]", "notify.allow_hosts: expected host names"),
        ("allow_private_networks: maybe", "notify.allow_private_networks: expected true or false"),
        ("timeout: 0", "notify.timeout: expected seconds"),
        ("timeout: 99999", "notify.timeout: expected seconds"),
        ("allow_http: true", "notify: unknown key(s) allow_http"),
    ],
)
def test_bad_notify_settings_are_named(tmp_path: Path, notify: str, problem: str) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text(f"notify:\n  {notify}\n")
    with pytest.raises(ConfigError) as info:
        load_config(provider)
    assert str(info.value).startswith(f"{provider}: ") and problem in str(info.value)
    assert "\n" not in str(info.value)


def watch(tmp_path: Path, home: dict[str, Any], as_of: dt.date, *options: object, env: dict[str, str]) -> Any:
    source = write_source(tmp_path / "home.json", home)
    return run_mipr(
        "watch", "--source", source, "--store", tmp_path / "alerts.db", "--as-of", as_of.isoformat(), "--once",
        *options, env=env,
    )  # fmt: skip


def test_watch_refuses_http_and_loopback_before_the_first_check(
    tmp_path: Path, home: dict[str, Any], as_of: dt.date, receiver: Receiver
) -> None:
    hook = f"webhook:{receiver.url()}"
    secret = {SECRET_ENV: "test secret"}
    plain = watch(tmp_path, home, as_of, "--notify", hook, env=secret)
    assert plain.exit_code == 2 and "plain http:// is refused" in plain.stderr
    loopback = watch(tmp_path, home, as_of, "--notify", hook, "--allow-http", env=secret)
    assert loopback.exit_code == 2
    (line,) = loopback.stderr.splitlines()
    assert line.startswith("mipr: error: webhook http://127.0.0.1:") and "loopback address" in line
    assert "s3cret" not in line
    assert not (tmp_path / "alerts.db").exists() and receiver.requests == []


def test_watch_warns_once_at_start_when_webhooks_are_unsigned(
    tmp_path: Path, home: dict[str, Any], as_of: dt.date, receiver: Receiver
) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text("notify:\n  allow_hosts: [127.0.0.1]\n")
    options = ("--notify", f"webhook:{receiver.url()}", "--allow-http", "--config", provider)
    unsigned = watch(tmp_path, home, as_of, *options, env={SECRET_ENV: ""})
    assert unsigned.exit_code == 0, unsigned.output
    (warning,) = unsigned.stderr.splitlines()
    assert warning.startswith(f"mipr: warning: webhook http://127.0.0.1:{receiver.port}/…: {SECRET_ENV} is not set")
    assert "s3cret" not in warning
    signed = watch(tmp_path, home, as_of, *options, env={SECRET_ENV: "test secret"})
    assert signed.exit_code == 0 and signed.stderr == ""
