"""MCP Registry entries as fetched (the server.json and the registry's _meta), with their fetch
time: a search can be re-read without the network (``cached=True``) and shows how old it is."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ._codec import dumps, now
from ._core import SQLCore, where_clause

_UPSERT = ("INSERT INTO registry_entries (registry, name, version, data, fetched_at) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (registry, name, version) DO UPDATE SET data = excluded.data, "
           "fetched_at = excluded.fetched_at")  # fmt: skip


class RegistryOps(SQLCore):
    """The registry cache on any SQL backend."""

    def save_registry_entries(self, registry: str, entries: Iterable[Mapping[str, Any]],
                              fetched_at: float | None = None) -> int:  # fmt: skip
        """Store (or refresh) entries ``{"server": {...}, "_meta": {...}}`` fetched from ``registry``."""
        ts = now() if fetched_at is None else fetched_at
        rows = [(registry, str(e["server"].get("name") or ""), str(e["server"].get("version") or ""), dumps(dict(e)),
                 ts) for e in entries]  # fmt: skip
        if not rows:
            return 0
        with self._write() as tx:
            tx.executemany(_UPSERT, rows)
        return len(rows)

    def registry_entries(self, registry: str, *, search: str | None = None, name: str | None = None,
                         version: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """Cached entries of ``registry``: one per server (its most recently fetched version, or
        ``version``), names holding ``search`` (any case), by name; each with ``fetched_at``."""
        where, params = where_clause({"registry": registry, "name": name, "version": version})
        if search:
            where, params = where + " AND LOWER(name) LIKE ?", [*params, f"%{search.lower()}%"]
        with self._read() as tx:
            rows = tx.execute(f"SELECT name, version, data, fetched_at FROM registry_entries{where} "
                              "ORDER BY name, fetched_at DESC, version DESC", params).fetchall()
        newest: dict[str, dict[str, Any]] = {}
        for row in rows:
            newest.setdefault(row[0], {"entry": json.loads(row[2]), "fetched_at": float(row[3])})
        return list(newest.values())
