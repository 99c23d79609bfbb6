"""Reading alerts back: open ones, every occurrence, the history of state changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mipr_rules.alerts.model import AlertIdentity, StoredAlert
from mipr_rules.errors import InputError
from mipr_rules.watch.store.connection import StoreConnection
from mipr_rules.watch.store.records import COLUMNS, AlertEvent, AlertState, alert_state, parse_at, rank, stored_alert


class AlertQueries(StoreConnection):
    """Alerts and their history, as recorded."""

    def open_alerts(self, location_id: str | None = None) -> list[StoredAlert]:
        """Open alerts, most severe first (of one location, if given)."""
        return [s.alert for s in self.states(open_only=True, location_id=location_id)]

    def states(self, *, open_only: bool = True, location_id: str | None = None) -> list[AlertState]:
        """Occurrences with their lifecycle state (open ones only unless ``open_only`` is false)."""
        sql = f"SELECT {COLUMNS} FROM alerts WHERE 1 = 1"
        args: dict[str, Any] = {}
        if open_only:
            sql += " AND resolved_on IS NULL"
        if location_id is not None:
            sql, args = sql + " AND location_id = :l", {"l": location_id}
        return sorted((alert_state(r) for r in self._rows(sql, **args)), key=lambda s: rank(s.alert))

    def history(self, alert: AlertIdentity | str) -> list[StoredAlert]:
        """Every occurrence of an alert, oldest first."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        return [
            stored_alert(r)
            for r in self._rows(f"SELECT {COLUMNS} FROM alerts WHERE alert_id = :a ORDER BY id", a=alert_id)
        ]

    def events(self, alert: AlertIdentity | str) -> list[AlertEvent]:
        """Every state change of an alert, oldest first, with who and when."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        return [
            AlertEvent(
                r["alert_id"], r["kind"], dt.date.fromisoformat(r["as_of"]), parse_at(r["at"]), r["by"], r["note"]
            )
            for r in self._rows(
                "SELECT alert_id, kind, as_of, at, by, note FROM alert_events WHERE alert_id = :a ORDER BY id",
                a=alert_id,
            )
        ]

    def state(self, alert_id: str) -> AlertState:
        """The latest occurrence of an alert with its state; ``InputError`` if the store has none."""
        rows = self._rows(f"SELECT {COLUMNS} FROM alerts WHERE alert_id = :a ORDER BY id DESC LIMIT 1", a=alert_id)
        if not rows:
            raise InputError(f"{self.where}: no alert {alert_id}")
        return alert_state(rows[0])

    def last_checked(self, location_id: str) -> dt.date | None:
        """As-of date of the last check that evaluated a location."""
        rows = self._rows("SELECT last_checked FROM locations WHERE location_id = :l", l=location_id)
        return dt.date.fromisoformat(rows[0]["last_checked"]) if rows and rows[0]["last_checked"] else None
