"""A total deadline for one delivery attempt: name resolution, connect, TLS, send and answer together.

A socket timeout bounds each read only, so a receiver that sends one byte every few seconds could hold a
delivery for ever. ``Deadline`` also starts a timer that, when the deadline passes, shuts down every
connection it watches: whatever read or write is blocked on it then ends at once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

SocketAddress = tuple[Any, ...]


class Deadline:
    """``with Deadline(10) as deadline:`` … every watched connection is cut 10 s after entering."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._cut = False
        self._closed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._end = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for watched in self._watched:
                watched.close()
            self._watched.clear()

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self._cut or time.monotonic() >= self._end

    def remaining(self) -> float:
        """Seconds left; ``TimeoutError`` when none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no time left of {self.seconds:g} s")
        return left

    def watch(self, sock: socket.socket) -> socket.socket:
        """Cut ``sock``'s connection when the deadline passes (call before wrapping it in TLS)."""
        sock.settimeout(self.remaining())
        # A duplicate descriptor of our own: it stays valid whatever the caller does with ``sock`` (wrap it
        # in TLS, close it), and shutting it down ends the connection under every descriptor.
        twin = sock.dup()
        with self._lock:
            if self._closed:
                twin.close()
                raise TimeoutError(f"no time left of {self.seconds:g} s")
            self._watched.append(twin)
            if self._cut:
                _shut(twin)
        return sock

    def resolve(self, host: str, port: int) -> list[tuple[int, SocketAddress]]:
        """``(family, address)`` pairs for ``host``, in the resolver's order; waits at most the time left."""
        found: list[tuple[int, SocketAddress]] = []
        failed: list[OSError] = []

        def run() -> None:
            try:
                for family, _, _, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
                    if (family, address) not in found:
                        found.append((family, address))
            except OSError as exc:
                failed.append(exc)

        # getaddrinfo cannot be interrupted: it runs in a thread that is left behind if it hangs.
        resolver = threading.Thread(target=run, name="mipr-resolve", daemon=True)
        resolver.start()
        resolver.join(self.remaining())
        if resolver.is_alive():
            raise TimeoutError(f"{host} not resolved within {self.seconds:g} s")
        if failed:
            raise failed[0]
        return found

    def connect(self, addresses: Sequence[tuple[int, SocketAddress]]) -> socket.socket:
        """A connection to the first of ``addresses`` that answers, watched; the last failure if none does."""
        problem: OSError = OSError("no address to connect to")
        for family, address in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.remaining())
                sock.connect(address)
                return self.watch(sock)
            except OSError as exc:
                sock.close()
                problem = exc
                if self.expired:
                    break
        raise problem

    def _expire(self) -> None:
        with self._lock:
            self._cut = True
            if not self._closed:
                for watched in self._watched:
                    _shut(watched)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
