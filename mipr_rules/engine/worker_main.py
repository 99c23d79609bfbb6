"""An engine worker: ``python -m mipr_rules.engine.worker_main``, started by ``worker.EnginePool``.

It is its own interpreter: it imports only the engine (``durable_core`` and what that needs), never the
embedding program's modules, and talks to its pool in frames (``frames.py``) over its standard input and
output. Messages in: ``("eval", seq, ruleset name, definition JSON or None, session id, facts)``, where
facts are a list of fact mappings or a tuple of JSON texts already built for the C core (``wire.py``). Out:
``("ready", pid)`` once started (or ``("fatal", why)`` if the engine cannot load), then per job
``("start", seq)`` before the engine runs, ``("loaded", seq)`` after a ruleset sent with the job loaded,
and ``("ok", seq, matches, recycle)`` or
``("error", seq, message, recycle)`` after. The ``start`` mark lets the pool tell the job a crash
interrupted from the jobs only waiting behind it. The worker ends at the end of its input.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _die_with_parent() -> None:
    """On Linux, be killed when the pool's process ends, even while the engine spins holding the GIL."""
    parent = os.environ.get("MIPR_RULES_WORKER_PARENT", "")
    if not (parent.isdigit() and sys.platform.startswith("linux")):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl: the end of input still stops it
        return
    if os.getppid() != int(parent):  # the pool ended before the request took effect
        os._exit(0)


def main() -> int:
    """Serve jobs until the input ends; the exit code is 0, or 1 if the engine could not be loaded."""
    _die_with_parent()
    # Ctrl-C in a terminal reaches the whole process group; the pool decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Frames travel on a private copy of stdout; anything else written to stdout (by a C library, say)
    # goes to stderr instead of corrupting them.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    reader = open(0, "rb", buffering=1 << 16, closefd=False)  # noqa: SIM115 - lives as long as the worker
    writer = open(out_fd, "wb", buffering=1 << 16)  # noqa: SIM115

    from mipr_rules.engine.frames import read_frame, write_frame

    try:
        from mipr_rules.engine.durable_core import Core
        from mipr_rules.engine.wire import Wire
        from mipr_rules.errors import EngineError, MiprRulesError
    except BaseException as exc:  # the pool reports this once instead of a crash per job
        write_frame(writer, ("fatal", f"{type(exc).__name__}: {exc}"))
        return 1
    try:
        write_frame(writer, ("ready", os.getpid()))
        core = Core()
        failed: dict[str, str] = {}  # ruleset name -> why it could not be loaded
        reply: tuple[Any, ...]
        while True:
            message = read_frame(reader)
            if message is None or message[0] == "stop":
                return 0
            _, seq, name, definition_json, sid, facts = message
            write_frame(writer, ("start", seq))
            try:
                if name in failed:
                    raise EngineError(failed[name])
                if definition_json is not None:  # sent with a worker's first job of each ruleset only
                    try:
                        core.load(name, definition_json)
                    except MiprRulesError as exc:
                        failed[name] = str(exc)
                        raise
                    write_frame(writer, ("loaded", seq))
                matches = (
                    core.evaluate_wire(name, Wire(sid, facts))
                    if isinstance(facts, tuple)
                    else core.evaluate(name, sid, facts)
                )
                reply = ("ok", seq, matches, core.needs_recycling())
            except MiprRulesError as exc:
                reply = ("error", seq, str(exc), core.needs_recycling())
            except Exception as exc:  # surfaced, never swallowed; the worker is replaced after it
                reply = ("error", seq, f"{type(exc).__name__}: {exc}", True)
            write_frame(writer, reply)
    except (BrokenPipeError, ConnectionResetError):  # the pool is gone
        return 0


if __name__ == "__main__":
    sys.exit(main())
