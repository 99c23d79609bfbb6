"""Long-lived SQLAlchemy pools that ping a connection only after it rested (the SQL feed, the alert store), and a
connection held out of its pool on the same terms."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from mipr_rules.errors import first_line

PING_AFTER = 5.0
"""Seconds a pooled connection may rest before it is pinged when taken again (a server restart or an idle
timeout drops connections at rest; ``pool_pre_ping`` pings every one taken, a round trip each time)."""


def ping_when_rested(engine: sa.Engine) -> sa.Engine:
    """Make ``engine``'s pool ping a connection taken after resting ``PING_AFTER`` seconds or more; return it.

    A failed ping replaces the connection (SQLAlchemy's ``DisconnectionError`` from a checkout hook), as
    ``pool_pre_ping`` would. One that breaks in use is invalidated by SQLAlchemy; the caller reports that
    error, and the next checkout gets a fresh connection.
    """

    @sa.event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["rested_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get("rested_since")
        if rested is None or time.monotonic() - rested < PING_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping does, for each driver
        except Exception as exc:  # the driver's own error: the connection is gone, the pool takes another
            raise sa.exc.DisconnectionError(first_line(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("the ping failed")

    return engine


class HeldConnection:
    """One connection of ``engine`` kept out of its pool between uses, for statements run many times a second
    (no checkout and return around each): pinged when taken after resting ``PING_AFTER`` seconds, as
    ``ping_when_rested`` does for pooled ones, and replaced when it was lost (invalidated) or the ping failed.

    ``prepare``: applied to each new connection (execution options). Not for use by two threads at once.
    """

    def __init__(self, engine: sa.Engine, prepare: Callable[[sa.Connection], sa.Connection]) -> None:
        self.engine, self.prepare = engine, prepare
        self._connection: sa.Connection | None = None
        self._used = 0.0

    def get(self) -> sa.Connection:
        """The connection; raises ``sqlalchemy.exc.DBAPIError`` if a new one is needed and cannot be made."""
        connection, now = self._connection, time.monotonic()
        if connection is not None and (
            connection.invalidated or (now - self._used >= PING_AFTER and not self._alive(connection))
        ):
            self.close()
            connection = None
        if connection is None:
            connection = self._connection = self.prepare(self.engine.connect())
        self._used = now
        return connection

    def _alive(self, connection: sa.Connection) -> bool:
        dbapi = connection.connection.dbapi_connection
        try:
            return dbapi is not None and bool(self.engine.dialect.do_ping(dbapi))
        except Exception:  # the driver's own error: the connection is gone
            connection.invalidate()
            return False

    def close(self) -> None:
        """Give the connection back (a lost one is discarded by the pool)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
