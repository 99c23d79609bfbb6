"""Pseudonymisation: results and logs name people and staff only by keyed, one-way ids.

There is no built-in key. The key is, in this order:

1. the value of ``MIPR_RULES_PSEUDONYM_KEY``;
2. the file named by ``pseudonym_key_file`` in the provider configuration (``mipr --config``);
3. the user's own key file (``default_key_path()``, e.g. ``~/.config/mipr-rules/pseudonym.key``), made on
   first use from 32 random bytes with mode 0600 and a one-line notice on stderr saying where.

The Python API takes the key explicitly: ``ReadContext(key=...)``; ``default_pseudonym_key()`` is 1 or 3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

import platformdirs

from mipr_rules.errors import ConfigError

KEY_ENV = "MIPR_RULES_PSEUDONYM_KEY"
"""Environment variable holding the provider's secret pseudonymisation key."""

KEY_FILE_NAME = "pseudonym.key"
"""Name of the user's key file in the user configuration directory."""

_MAX_KEY_FILE_BYTES = 4096


def default_key_path() -> Path:
    """Where the user's own key lives: ``pseudonym.key`` in the platform's user configuration directory."""
    return platformdirs.user_config_path("mipr-rules", appauthor=False) / KEY_FILE_NAME


def read_key_file(path: Path | str) -> bytes:
    """The key held in ``path`` (its text, surrounding whitespace removed); errors name the file only."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the pseudonymisation key file ({exc.strerror or exc})") from None
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise ConfigError(f"{path}: pseudonymisation key file larger than {_MAX_KEY_FILE_BYTES} bytes")
    key = data.strip()
    if len(key) < 16:
        raise ConfigError(f"{path}: pseudonymisation key file holds fewer than 16 characters")
    return key


def _create_key_file(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return read_key_file(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    print(
        f"mipr: created a pseudonymisation key in {path} (mode 0600); keep it: the same people get the same "
        f"ids only under the same key (or set {KEY_ENV} or pseudonym_key_file)",
        file=sys.stderr,
    )
    return key


def default_pseudonym_key() -> bytes:
    """The key when none is configured: ``MIPR_RULES_PSEUDONYM_KEY``, else the user's key file.

    The key file is created on first use (32 random bytes as hex, mode 0600) with a one-line notice on stderr.
    """
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode()
    path = default_key_path()
    if path.exists():
        return read_key_file(path)
    return _create_key_file(path)


def pseudonym_key(key_file: Path | str | None = None) -> bytes:
    """The key for a run: ``MIPR_RULES_PSEUDONYM_KEY``, else ``key_file``, else ``default_pseudonym_key()``."""
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode()
    if key_file is not None:
        return read_key_file(key_file)
    return default_pseudonym_key()


def pseudonymise(value: str, prefix: str, key: bytes) -> str:
    """A stable pseudonymous id for ``value`` (an NHS number, a staff email...), e.g. ``P-4K2Q7J3M9X``.

    HMAC-SHA256 under a provider-held key: the same person gets the same id in every run under the same key,
    and the id cannot be reversed or recomputed without the key.
    """
    if not key:
        raise ValueError("pseudonymise: a non-empty key is required")
    digest = hmac.new(key, value.strip().encode(), hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest[:10]).decode()[:12]}"
