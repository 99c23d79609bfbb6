"""Where and how notifiers may deliver: the ``notify:`` section of the provider configuration.

::

    notify:
      allow_hosts: [hooks.care.internal, 10.20.0.0/16]   # names, addresses or networks
      allow_private_networks: false                        # true: any private or loopback address
      timeout: 10                                          # seconds one delivery attempt may take in all

By default a webhook goes to public addresses only, over https. A name that resolves to a loopback,
private, link-local or other non-public address is refused unless the name (or the address, or a
network holding it) is listed in ``allow_hosts``; ``allow_private_networks: true`` allows private and
loopback addresses but never link-local ones (169.254.0.0/16, fe80::/10: cloud metadata services live
there), which must be listed by address or network. Plain ``http://`` needs ``--allow-http`` (or
``allow_http=True`` through the API).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import attrs

from mipr_rules.errors import ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_TIMEOUT = 600.0
"""Longest deadline of one delivery attempt, in seconds."""
_HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*")
_KEYS = ("allow_hosts", "allow_private_networks", "timeout")


def address_kind(address: Address) -> str | None:
    """``None`` for a public address, else what it is: loopback, link-local, private, multicast, unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_global:
        return None
    return "private"


def _allowed_host(entry: object) -> str:
    """One ``allow_hosts`` entry, normalised; ``ValueError`` if it is neither a host name nor an address/network."""
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError("expected host names, addresses or networks (text)")
    text = entry.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        pass
    if not _HOST_NAME.fullmatch(text):
        raise ValueError(f"{entry[:80]!r} is not a host name, an IP address or a network")
    return text


def _hosts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError("notify.allow_hosts: expected a list of host names, addresses or networks")
    try:
        return tuple(_allowed_host(entry) for entry in value)
    except ValueError as exc:
        raise ConfigError(f"notify.allow_hosts: {exc}") from None


@attrs.frozen
class DeliveryPolicy:
    """What notifiers may reach, and how long one delivery attempt may take."""

    allow_http: bool = False
    """Allow plain ``http://`` webhooks (``mipr watch --allow-http``)."""
    allow_hosts: tuple[str, ...] = attrs.field(default=(), converter=_hosts)
    """Host names, addresses and networks a webhook may reach even when they are not public."""
    allow_private_networks: bool = False
    """Allow any private or loopback address (never link-local: list those in ``allow_hosts``)."""
    timeout: float | None = None
    """Seconds one delivery attempt may take in all (connect, send, answer); ``None``: each notifier's default."""

    @classmethod
    def from_config(cls, data: object, where: str) -> DeliveryPolicy:
        """Read the ``notify:`` mapping of a provider configuration; ``ConfigError`` naming ``where`` and the key."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a mapping with {', '.join(_KEYS)}")
        unknown = sorted(str(k)[:40] for k in data if k not in _KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(_KEYS)}")
        private = data.get("allow_private_networks", False)
        if not isinstance(private, bool):
            raise ConfigError(f"{where}.allow_private_networks: expected true or false")
        timeout = data.get("timeout")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT
        ):
            raise ConfigError(f"{where}.timeout: expected seconds, more than 0 and at most {MAX_TIMEOUT:g}")
        try:
            return cls(
                allow_hosts=data.get("allow_hosts") or (),
                allow_private_networks=private,
                timeout=float(timeout) if timeout is not None else None,
            )
        except ConfigError as exc:
            raise ConfigError(f"{where}{str(exc).removeprefix('notify')}") from None

    def refusal(self, host: str, address: Address) -> str | None:
        """Why ``address`` (which ``host`` resolved to) may not be reached, or ``None`` when it may."""
        kind = address_kind(address)
        if kind is None:
            return None
        name = host.lower().rstrip(".").strip("[]")
        for entry in self.allow_hosts:
            if entry == name:
                return None
            network = _network(entry)
            if network is not None and _mapped(address) in network:
                return None
        if self.allow_private_networks and kind in ("private", "loopback"):
            return None
        how = (
            "list it in notify.allow_hosts"
            if kind in ("link-local", "multicast", "unspecified")
            else "list it in notify.allow_hosts or set notify.allow_private_networks"
        )
        a_kind = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address"
        what = f"is {a_kind}" if name == str(address) else f"resolves to {a_kind} ({address})"
        return f"{host} {what}; {how} in the provider configuration to allow it"


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry)
    except ValueError:
        return None


def _mapped(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
