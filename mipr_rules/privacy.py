"""Pseudonymisation: results and logs name people and staff only by keyed, one-way ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

KEY_ENV = "MIPR_RULES_PSEUDONYM_KEY"
"""Environment variable holding the provider's secret pseudonymisation key."""

_DEFAULT_KEY = b"mipr-rules-default-key: set MIPR_RULES_PSEUDONYM_KEY in production"


def pseudonym_key() -> bytes:
    """The key from ``MIPR_RULES_PSEUDONYM_KEY``, or a fixed development key."""
    value = os.environ.get(KEY_ENV)
    return value.encode() if value else _DEFAULT_KEY


def pseudonymise(value: str, prefix: str = "P", key: bytes | None = None) -> str:
    """A stable pseudonymous id for ``value`` (an NHS number, a staff email...), e.g. ``P-4K2Q7J3M9X``.

    HMAC-SHA256 under a provider-held key: the same person gets the same id in every run, and the id
    cannot be reversed or recomputed without the key.
    """
    digest = hmac.new(key or pseudonym_key(), value.strip().encode(), hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest[:10]).decode()[:12]}"
