"""Servers, call history, usage / latency counters and totals.

Calls arrive in batches (the workbench persists off the hot path): one transaction appends
the history rows and folds each tool's new durations into its bounded latency window.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ...errors import ServerNotFoundError, WorkbenchError
from ._codec import (
    LATENCY_WINDOW,
    check_limit,
    dumps,
    dumps_or_none,
    latency_stats,
    now,
    to_datetime,
    to_timestamp,
)
from ._core import SQLCore, Tx, insert_sql, where_clause
from ._redact import PREVIEW_CHARS, mask_spec, mask_text, mask_value
from ._rows import RowReader
from .records import CALL_STATUSES, SERVER_STATUSES, ServerRecord, StoredCall, item_id

_SERVER = RowReader(
    ServerRecord, ("name", "transport", "spec", "status", "last_error", "server_info", "category",
                   "created_at", "updated_at"),
    decode={"spec": json.loads, "server_info": json.loads, "created_at": to_datetime,
            "updated_at": to_datetime},
)
_CALL = RowReader(
    StoredCall, ("id", "called_at", "server", "kind", "tool", "arguments", "status", "duration_ms",
                 "error", "result_preview"),
    rename={"called_at": "at"},
    decode={"called_at": to_datetime, "arguments": json.loads},
)
_INSERT_CALL_COLUMNS = tuple(c for c in _CALL.columns if c != "id")  # the id is the database's
_INSERT_CALL = insert_sql("call_history", _INSERT_CALL_COLUMNS)
_CHUNK = 500  # ids per IN (...) list


def _check_status(status: str, allowed: tuple[str, ...], what: str) -> None:
    if status not in allowed:
        raise WorkbenchError(f"unknown {what} status {status!r}: use one of {', '.join(allowed)}")


class ActivityOps(SQLCore):
    """Servers, history, usage and stats on any SQL backend."""

    # -- servers -------------------------------------------------------------------------
    def upsert_server(self, name: str, *, transport: str | None = None,
                      spec: Mapping[str, Any] | None = None, status: str | None = None,
                      server_info: Mapping[str, Any] | None = None,
                      category: str | None = None) -> ServerRecord:
        """Create or update a server; arguments left None keep their stored value.
        The spec is stored with env / header values and secret-looking keys masked."""
        if status is not None:
            _check_status(status, SERVER_STATUSES, "server")
        ts = now()
        given = {"transport": transport, "spec": None if spec is None else dumps(mask_spec(spec)),
                 "status": status, "category": category,
                 "server_info": None if server_info is None else dumps(mask_value(dict(server_info)))}
        given = {k: v for k, v in given.items() if v is not None}
        with self._write() as tx:
            old = self._server_in(tx, name)
            if old is None:
                row = {"spec": "{}", "server_info": "{}", "status": "disconnected", **given}
                tx.execute(insert_sql("servers", ["name", *row, "created_at", "updated_at"]),
                           (name, *row.values(), ts, ts))
                tx.emit("changed", {"entity": "server", "server": name, "action": "created"})
            elif given:
                tx.execute(f"UPDATE servers SET {', '.join(c + ' = ?' for c in given)}, "
                           "updated_at = ? WHERE name = ?", (*given.values(), ts, name))
                tx.emit("changed", {"entity": "server", "server": name, "action": "updated",
                                    "fields": sorted(given)})
                if status is not None and status != old.status:
                    tx.emit("status_changed", {"entity": "server", "server": name,
                                               "old": old.status, "new": status,
                                               "last_error": old.last_error})
            return self._server_in(tx, name)  # type: ignore[return-value]

    def get_server(self, name: str) -> ServerRecord | None:
        with self._read() as tx:
            return self._server_in(tx, name)

    def list_servers(self, status: str | None = None) -> list[ServerRecord]:
        """Every server seen (even when not connected now), by name."""
        where, params = where_clause({"status": status})
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_SERVER.select} FROM servers{where} ORDER BY name", params).fetchall()
        return _SERVER.all(rows)

    def set_server_status(self, name: str, status: str,
                          last_error: str | None = None) -> ServerRecord:
        """Follow the connection: connected / disconnected / error (with its error) / removed."""
        _check_status(status, SERVER_STATUSES, "server")
        error = mask_text(last_error, limit=2000)
        with self._write() as tx:
            old = self._server_in(tx, name)
            if old is None:
                raise ServerNotFoundError(f"no server {name!r} in the catalog at {self.location}")
            tx.execute("UPDATE servers SET status = ?, last_error = ?, updated_at = ? "
                       "WHERE name = ?", (status, error, now(), name))
            if old.status != status or old.last_error != error:
                tx.emit("status_changed", {"entity": "server", "server": name, "old": old.status,
                                           "new": status, "last_error": error})
            return self._server_in(tx, name)  # type: ignore[return-value]

    def _server_in(self, tx: Tx, name: str) -> ServerRecord | None:
        row = tx.execute(f"SELECT {_SERVER.select} FROM servers WHERE name = ?", (name,)).fetchone()
        return None if row is None else _SERVER(row)

    # -- calls ---------------------------------------------------------------------------
    def record_call(self, server: str, tool: str, *, status: str = "ok",
                    arguments: Mapping[str, Any] | None = None, duration_ms: float | None = None,
                    error: str | None = None, result_preview: str | None = None,
                    at: datetime | float | None = None, kind: str = "tool") -> None:
        """Append one call to the history and count it (see ``record_calls``)."""
        self.record_calls([StoredCall(server=server, tool=tool, status=status,
                                      arguments=None if arguments is None else dict(arguments),
                                      duration_ms=duration_ms, error=error,
                                      result_preview=result_preview, kind=kind,
                                      at=to_datetime(to_timestamp(at)))])

    def record_calls(self, calls: Iterable[StoredCall | Mapping[str, Any]]) -> int:
        """Append a batch of calls and update each tool's usage count, last use and latency
        window, all in one transaction. Returns how many calls were recorded."""
        rows: list[tuple[Any, ...]] = []
        per_item: dict[str, tuple[int, float, list[float]]] = {}
        for call in calls:
            c = call if isinstance(call, StoredCall) else StoredCall(**call)
            _check_status(c.status, CALL_STATUSES, "call")
            at = to_timestamp(c.at) or now()
            stored = {"called_at": at, "server": c.server, "kind": c.kind, "tool": c.tool,
                      "arguments": dumps_or_none(mask_value(c.arguments)), "status": c.status,
                      "duration_ms": c.duration_ms, "error": mask_text(c.error, limit=2000),
                      "result_preview": mask_text(c.result_preview, limit=PREVIEW_CHARS)}
            rows.append(tuple(stored[column] for column in _INSERT_CALL_COLUMNS))
            count, last, durations = per_item.get(item_id(c.server, c.kind, c.tool), (0, at, []))
            if c.duration_ms is not None:
                durations.append(float(c.duration_ms))
            per_item[item_id(c.server, c.kind, c.tool)] = (count + 1, max(last, at), durations)
        if not rows:
            return 0
        with self._write() as tx:
            tx.executemany(_INSERT_CALL, rows)
            ids = sorted(per_item)
            windows: dict[str, list[float]] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                windows.update((id, json.loads(window)) for id, window in tx.execute(
                    f"SELECT id, latency_window FROM catalog_items WHERE id IN "
                    f"({', '.join('?' * len(chunk))}) ORDER BY id{self.dialect.for_update}",
                    chunk).fetchall())
            updates = []
            for id, window in windows.items():
                count, last, durations = per_item[id]
                window = (window + durations)[-LATENCY_WINDOW:]
                n, mean, p50, p95 = latency_stats(window)
                updates.append((count, last, last, dumps(window), n, mean, p50, p95, id))
            tx.executemany(
                "UPDATE catalog_items SET usage_count = usage_count + ?, last_used_at = CASE "
                "WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END, "
                "latency_window = ?, latency_count = ?, latency_mean = ?, latency_p50 = ?, "
                "latency_p95 = ? WHERE id = ?", updates)
        return len(rows)

    def history(self, limit: int = 100, server: str | None = None, tool: str | None = None,
                since: datetime | float | None = None) -> list[StoredCall]:
        """The most recent calls, newest first."""
        check_limit(limit, maximum=1_000_000)
        where, params = where_clause(
            {"server": server, "tool": tool}, None if since is None else ("called_at", to_timestamp(since))
        )
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_CALL.select} FROM call_history{where} "
                              "ORDER BY called_at DESC, id DESC LIMIT ?", (*params, limit)).fetchall()
        return _CALL.all(rows)

    # -- totals --------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Totals: servers by status; items by status, category and kind; calls by status."""
        def grouped(tx: Tx, table: str, column: str) -> dict[str, int]:
            rows = tx.execute(f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column} "
                              f"ORDER BY {column}").fetchall()
            return {("uncategorized" if k is None else k): int(n) for k, n in rows}

        with self._read() as tx:
            servers = grouped(tx, "servers", "status")
            items = {c: grouped(tx, "catalog_items", c) for c in ("status", "category", "kind")}
            calls = grouped(tx, "call_history", "status")
        return {
            "servers": {"total": sum(servers.values()), "by_status": servers},
            "items": {"total": sum(items["status"].values()), "by_status": items["status"],
                      "by_category": items["category"], "by_kind": items["kind"]},
            "calls": {"total": sum(calls.values()), "by_status": calls},
        }
