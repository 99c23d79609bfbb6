"""Change-feed positions: where a follower of a source stands, per (source, ruleset).

A position is saved in the transaction that records the alerts of the changes before it (``apply(...,
feed_position=...)``), so it only moves once they are stored: a crash in between makes the restarted follower
read those changes again, never skip them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse

import attrs
import sqlalchemy as sa

from mipr_rules.watch.store.connection import StoreConnection
from mipr_rules.watch.store.records import utc


@attrs.frozen
class FeedPosition:
    """A change feed's position after the changes a report holds, for the source it follows."""

    source: str
    """The source as given (``--source``); only its digest and its shown form are stored."""
    position: str
    """The feed's durable position (``ChangeFeed.position``)."""

    @property
    def source_key(self) -> str:
        """The stored identity of the source."""
        return source_key(self.source)


def source_key(source: str) -> str:
    """The identity of a source in the store: a digest of it as given (a password in it is not stored)."""
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def save_position(db: sa.Connection, feed: FeedPosition, ruleset_id: str, at: dt.datetime | None) -> None:
    """Upsert the position of ``feed`` for ``ruleset_id`` in ``db``'s transaction."""
    db.execute(
        sa.text(
            "INSERT INTO feed_positions (source_key, ruleset_id, position, source, saved_at) "
            "VALUES (:k, :r, :p, :s, :at) ON CONFLICT (source_key, ruleset_id) DO UPDATE SET "
            "position = excluded.position, source = excluded.source, saved_at = excluded.saved_at"
        ),
        {
            "k": feed.source_key,
            "r": ruleset_id,
            "p": feed.position,
            "s": shown(feed.source),
            "at": utc(at) if at else None,
        },
    )


def shown(source: str) -> str:
    """A source as the store keeps it in clear: a URL without its password and query (they can hold secrets)."""
    if "://" not in source:
        return source
    try:
        parts = urllib.parse.urlsplit(source)
        host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
    except ValueError:
        return source.split("://", 1)[0] + "://…"
    user = f"{parts.username}@" if parts.username else ""
    return urllib.parse.urlunsplit((parts.scheme, user + host, parts.path, "", ""))


class FeedPositions(StoreConnection):
    """Where followers of sources stand."""

    def feed_position(self, source: str, ruleset_id: str) -> str | None:
        """The saved position of the feed of ``source`` for ``ruleset_id`` (``None``: none saved yet)."""
        rows = self._rows(
            "SELECT position FROM feed_positions WHERE source_key = :k AND ruleset_id = :r",
            k=source_key(source),
            r=ruleset_id,
        )
        return str(rows[0]["position"]) if rows else None

    def save_feed_position(self, feed: FeedPosition, ruleset_id: str, *, at: dt.datetime | None = None) -> None:
        """Save a position on its own (changes that led to no report: all their alerts are already stored)."""
        with self._write() as db:
            save_position(db, feed, ruleset_id, at)
