"""Catalog operations: get / list / search with keyset cursors, upsert, optimistic update,
delete, and syncing a server's live listing (added, removed, schema changed)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...errors import ConflictError, ToolNotFoundError, WorkbenchError
from ._codec import (
    check_limit,
    decode_cursor,
    encode_cursor,
    keyword_patterns,
    now,
    to_datetime,
    to_timestamp,
)
from ._core import SQLCore, Tx, insert_sql, where_clause
from ._items import (
    LISTED_FIELDS,
    PATCHABLE,
    SELECT_FOR_WRITE,
    SELECT_ITEM,
    WRITABLE_COLUMNS,
    column_values,
    fields_from_item,
    fields_from_row,
    item_from_row,
    listed_fields,
    row_dict,
    validate,
)
from ._rows import RowReader
from .records import KINDS, CatalogItem, Page, SchemaVersion

_SCHEMA_VERSION = RowReader(
    SchemaVersion, ("item_id", "schema_version", "input_schema", "output_schema", "replaced_at"),
    rename={"input_schema": "schema"},
    decode={"input_schema": json.loads, "output_schema": json.loads, "replaced_at": to_datetime},
)
#: A recorded listing change, as the dict ``changes()`` returns.
_CHANGE = RowReader(
    dict, ("changed_at", "server", "kind", "item_id", "name", "change_type", "schema_version"),
    rename={"changed_at": "at", "item_id": "id", "change_type": "change"},
    decode={"changed_at": to_datetime},
)
_INSERT_COLUMNS = ("id",) + WRITABLE_COLUMNS + ("version", "schema_version", "created_at",
                                                "updated_at")
_INSERT_ITEM = insert_sql("catalog_items", _INSERT_COLUMNS) + " ON CONFLICT (id) DO NOTHING"
_INSERT_CHANGE = insert_sql("catalog_changes", _CHANGE.columns)


@dataclass(frozen=True)
class _Applied:
    changed: bool
    schema_changed: bool
    schema_version: int


def _insert_row(item_id: str, values: Mapping[str, Any], ts: float) -> tuple[Any, ...]:
    """The ``_INSERT_COLUMNS`` values of a new item: its written columns at version 1."""
    row = {**values, "id": item_id, "version": 1, "schema_version": 1, "created_at": ts, "updated_at": ts}
    return tuple(row[c] for c in _INSERT_COLUMNS)


def _change_row(change: Mapping[str, Any], ts: float) -> tuple[Any, ...]:
    """The ``_INSERT_CHANGE`` values of a change dict (its ``at`` stored as epoch ``ts``)."""
    row = {**change, "at": ts}
    return tuple(row[f] for f in _CHANGE.fields)


def _event(row: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {"entity": "item", "id": row["id"], "server": row["server"], "kind": row["kind"],
            "name": row["name"], **extra}


def _change(row: Mapping[str, Any], change: str, ts: float, schema_version: int) -> dict[str, Any]:
    return {"at": to_datetime(ts), "server": row["server"], "kind": row["kind"], "id": row["id"],
            "name": row["name"], "change": change, "schema_version": schema_version}


class CatalogOps(SQLCore):
    """The catalog half of ``ToolRepository`` on any SQL backend."""

    # -- reads ---------------------------------------------------------------------------
    def get(self, id: str) -> CatalogItem | None:
        """The item with this id, or None."""
        with self._read() as tx:
            row = tx.execute(SELECT_ITEM + " WHERE id = ?", (id,)).fetchone()
        return None if row is None else item_from_row(row)

    def list(self, cursor: str | None = None, limit: int = 50, **filters: Any) -> Page[CatalogItem]:
        """Every item in id order (server, kind, name); filters as in ``search``."""
        return self.search(None, cursor=cursor, limit=limit, **filters)

    def search(self, query: str | None = None, cursor: str | None = None, limit: int = 50, *,
               server: str | None = None, kind: str | None = None, category: str | None = None,
               status: str | None = None, read_only: bool | None = None,
               destructive: bool | None = None) -> Page[CatalogItem]:
        """Items whose name / title / description contain every word of ``query``
        (case-insensitive), filtered, one keyset page at a time in id order."""
        check_limit(limit)
        conds: builtins.list[str] = []
        params: builtins.list[Any] = []
        if cursor is not None:
            conds.append("id > ?")
            params.append(decode_cursor(cursor))
        for pattern in keyword_patterns(query):
            conds.append("search_text LIKE ? ESCAPE '\\'")
            params.append(pattern)
        for column, value in (("server", server), ("kind", kind), ("category", category),
                              ("status", status), ("read_only", read_only),
                              ("destructive", destructive)):
            if value is not None:
                conds.append(f"{column} = ?")
                params.append(value)
        where = " WHERE " + " AND ".join(conds) if conds else ""
        with self._read() as tx:
            rows = tx.execute(f"{SELECT_ITEM}{where} ORDER BY id LIMIT ?",
                              (*params, limit + 1)).fetchall()
        has_more = len(rows) > limit
        items = [item_from_row(r) for r in rows[:limit]]
        return Page(items, encode_cursor(items[-1].id) if has_more else None, has_more)

    def schema_history(self, id: str) -> builtins.list[SchemaVersion]:
        """The schemas an item had before its current one, oldest first."""
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_SCHEMA_VERSION.select} FROM item_versions "
                              "WHERE item_id = ? ORDER BY schema_version", (id,)).fetchall()
        return _SCHEMA_VERSION.all(rows)

    def changes(self, server: str | None = None, since: datetime | float | None = None, *,
                kind: str | None = None) -> builtins.list[dict[str, Any]]:
        """Recorded listing changes (added / removed / schema_changed), oldest first;
        ``since`` (inclusive) keeps the newer ones, e.g. those of the last sync."""
        where, params = where_clause(
            {"server": server, "kind": kind}, None if since is None else ("changed_at", to_timestamp(since))
        )
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_CHANGE.select} FROM catalog_changes{where} ORDER BY id",
                              params).fetchall()
        return _CHANGE.all(rows)

    # -- writes --------------------------------------------------------------------------
    def upsert(self, item: CatalogItem | Mapping[str, Any]) -> CatalogItem:
        """Insert the item, or overwrite its metadata keeping usage, created_at and history
        (a changed schema bumps ``schema_version`` and keeps the previous one)."""
        fields = fields_from_item(item)
        values = column_values(fields)
        ts = now()
        with self._write() as tx:
            row = self._row_for_write(tx, fields["id"])
            if row is None:
                tx.execute(_INSERT_ITEM, _insert_row(fields["id"], values, ts))
                if tx.rowcount == 1:
                    tx.emit("changed", _event(fields, action="created", version=1))
                else:
                    row = self._row_for_write(tx, fields["id"])  # another process won the race
            if row is not None:
                self._apply(tx, row, values, ts)
            result = self._get_in(tx, fields["id"])
        if row is None:
            self._grew(1)
        return result

    def update(self, id: str, patch: Mapping[str, Any], *,
               expected_version: int | None = None) -> CatalogItem:
        """Change some fields of an item. With ``expected_version``, raise ``ConflictError``
        when the stored version differs (another writer got there first): reload, retry."""
        unknown = set(patch) - PATCHABLE
        if unknown:
            raise WorkbenchError(f"cannot update {', '.join(sorted(unknown))} of a catalog item: "
                                 f"patch only {', '.join(sorted(PATCHABLE))}")
        with self._write() as tx:
            row = self._row_for_write(tx, id)
            if row is None:
                raise ToolNotFoundError(f"no catalog item {id!r}")
            if expected_version is not None and row["version"] != expected_version:
                raise ConflictError(f"catalog item {id!r} is at version {row['version']}, not "
                                    f"{expected_version}: another writer got there first; "
                                    "reload it and retry")
            fields = fields_from_row(row)
            if "annotations" in patch:  # flags follow the new annotations unless patched too
                fields["read_only"] = fields["destructive"] = False
            fields.update(patch)
            validate(fields)
            self._apply(tx, row, column_values(fields), now())
            return self._get_in(tx, id)

    def delete(self, id: str) -> bool:
        """Delete an item and its schema history; False when there was none."""
        with self._write() as tx:
            row = self._row_for_write(tx, id)
            if row is None:
                return False
            tx.execute("DELETE FROM item_versions WHERE item_id = ?", (id,))
            tx.execute("DELETE FROM catalog_items WHERE id = ?", (id,))
            tx.emit("deleted", _event(row))
            return True

    def sync_listing(self, server: str, kind: str, items: Iterable[Any]) -> builtins.list[dict[str, Any]]:
        """Make the catalog match a server's live listing of one kind; return (and keep, for
        ``changes``) what changed: new items ``added``, vanished ones marked ``removed`` (not
        deleted), changed schemas ``schema_changed`` with the previous schema kept."""
        if kind not in KINDS:
            raise WorkbenchError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        listed = {f["id"]: f for f in (listed_fields(server, kind, raw) for raw in items)}
        ts = now()
        changes: builtins.list[dict[str, Any]] = []
        with self._write() as tx:
            self._lock_key(tx, f"sync:{server}")
            stored = {r["id"]: r for r in map(row_dict, tx.execute(
                SELECT_FOR_WRITE + " WHERE server = ? AND kind = ?" + self.dialect.for_update,
                (server, kind)).fetchall())}
            inserts = []
            for id, new in listed.items():
                row = stored.get(id)
                if row is None:
                    inserts.append(_insert_row(id, column_values(new), ts))
                    changes.append(_change(new, "added", ts, 1))
                    tx.emit("changed", _event(new, action="created", version=1))
                    continue
                fields = fields_from_row(row)
                fields.update({k: new[k] for k in LISTED_FIELDS})
                fields["status"] = "active"
                if new["category"] is not None:
                    fields["category"] = new["category"]
                applied = self._apply(tx, row, column_values(fields), ts)
                if row["status"] == "removed":
                    changes.append(_change(row, "added", ts, applied.schema_version))
                if applied.schema_changed:
                    changes.append(_change(row, "schema_changed", ts, applied.schema_version))
            for id, row in stored.items():
                if id not in listed and row["status"] != "removed":
                    fields = fields_from_row(row)
                    fields["status"] = "removed"
                    self._apply(tx, row, column_values(fields), ts)
                    changes.append(_change(row, "removed", ts, row["schema_version"]))
            tx.executemany(_INSERT_ITEM, inserts)
            tx.executemany(_INSERT_CHANGE, [_change_row(c, ts) for c in changes])
        self._grew(len(inserts))
        return changes

    # -- helpers -------------------------------------------------------------------------
    def _row_for_write(self, tx: Tx, id: str) -> dict[str, Any] | None:
        row = tx.execute(SELECT_FOR_WRITE + " WHERE id = ?" + self.dialect.for_update,
                         (id,)).fetchone()
        return None if row is None else row_dict(row)

    def _get_in(self, tx: Tx, id: str) -> CatalogItem:
        return item_from_row(tx.execute(SELECT_ITEM + " WHERE id = ?", (id,)).fetchone())

    def _apply(self, tx: Tx, row: Mapping[str, Any], values: Mapping[str, Any],
               ts: float) -> _Applied:
        """Write the columns that differ from ``row``; bump version (and schema_version,
        keeping the old schema, when the schema changed); queue the events."""
        diff = {c: v for c, v in values.items() if row[c] != v}
        if not diff:
            return _Applied(False, False, row["schema_version"])
        schema_changed = "input_schema" in diff or "output_schema" in diff
        if schema_changed:
            tx.execute("INSERT INTO item_versions (item_id, schema_version, input_schema, "
                       "output_schema, replaced_at) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (item_id, schema_version) DO NOTHING",
                       (row["id"], row["schema_version"], row["input_schema"],
                        row["output_schema"], ts))
            diff["schema_version"] = row["schema_version"] + 1
        diff["version"] = row["version"] + 1
        diff["updated_at"] = ts
        tx.execute(f"UPDATE catalog_items SET {', '.join(c + ' = ?' for c in diff)} "
                   "WHERE id = ? AND version = ?", (*diff.values(), row["id"], row["version"]))
        if tx.rowcount != 1:  # cannot happen under the row lock; never lose a write silently
            raise ConflictError(f"catalog item {row['id']!r} changed during the update; retry")
        fields = sorted(set(diff) - {"version", "updated_at", "search_text"})
        tx.emit("changed", _event(row, action="updated", version=diff["version"], fields=fields))
        if "status" in diff:
            tx.emit("status_changed", _event(row, old=row["status"], new=diff["status"]))
        return _Applied(True, schema_changed, diff.get("schema_version", row["schema_version"]))
