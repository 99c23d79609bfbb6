"""Length-prefixed frames between the calling process and its engine workers.

Each frame is a 4-byte little-endian length and a pickle of plain data only: ``None``, booleans, numbers,
strings, bytes, lists, tuples and dicts of them (a subclass of text or number travels as its plain value).
Both directions refuse anything that would make pickle import a class, so a worker never imports a module
of the embedding program, and a fact holding an object the engine cannot take is refused in the caller,
before it is sent.
"""

from __future__ import annotations

import io
import pickle
import struct
from typing import IO, Any

HEADER = struct.Struct("<I")
MAX_FRAME = (1 << 32) - 1
_PLAIN = (type(None), bool, int, float, str, bytes, list, tuple, dict)


class NotPlain(ValueError):
    """A message holds a value that is not plain data."""


_SCALARS = {"str": str, "int": int, "float": float}


class _PlainPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        # Not called for exact instances of the plain types (a CPython fast path); checked anyway.
        if type(obj) in _PLAIN or obj is str or obj is int or obj is float:  # the classes: for the values below
            return NotImplemented
        # Subclasses of text and numbers (enums, say) travel as their plain value, as JSON would write them.
        if isinstance(obj, str):
            return str, (str.__str__(obj),)
        if isinstance(obj, int):
            return int, (int.__index__(obj),)
        if isinstance(obj, float):
            return float, (float.__float__(obj),)
        raise NotPlain(f"a {type(obj).__name__} value, expected a JSON scalar")


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _SCALARS:
            return _SCALARS[name]
        raise pickle.UnpicklingError(f"frame refers to {module}.{name}; only plain data is accepted")


def encode(message: Any) -> bytes:
    """``message`` as one frame; raises ``NotPlain`` if it holds anything but plain data."""
    buffer = io.BytesIO()
    buffer.write(HEADER.pack(0))
    _PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    size = buffer.tell() - HEADER.size
    if size > MAX_FRAME:
        raise NotPlain(f"a message of {size} bytes, more than a frame holds")
    buffer.seek(0)
    buffer.write(HEADER.pack(size))
    return buffer.getvalue()


def decode(payload: bytes | bytearray | memoryview) -> Any:
    """The message of one frame's payload."""
    return _PlainUnpickler(io.BytesIO(payload)).load()


class FrameBuffer:
    """Reassembles frames from bytes received in arbitrary pieces."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        """Add received bytes; return the messages completed by them, in order."""
        self._data += data
        messages = []
        start = 0
        while len(self._data) - start >= HEADER.size:
            (size,) = HEADER.unpack_from(self._data, start)
            end = start + HEADER.size + size
            if end > len(self._data):
                break
            messages.append(decode(self._data[start + HEADER.size : end]))
            start = end
        if start:
            del self._data[:start]
        return messages


def read_frame(stream: IO[bytes]) -> Any:
    """The next message from a blocking binary stream, or ``None`` at its end."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return decode(payload)


def write_frame(stream: IO[bytes], message: Any) -> None:
    """Write one message to a blocking binary stream and flush it."""
    stream.write(encode(message))
    stream.flush()
