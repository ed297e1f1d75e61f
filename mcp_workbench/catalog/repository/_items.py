"""Rows of ``catalog_items`` to records and back, and MCP listings to item fields.

Kept apart from the SQL so that the per-row work of a 10,000-row listing stays in one small,
measurable place (see ``item_from_row``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from operator import itemgetter
from typing import Any

from ...errors import WorkbenchError
from ._codec import LazyField, dumps, dumps_or_none, search_text
from .records import ITEM_STATUSES, KINDS, CatalogItem, LatencyStats, item_id

#: Columns a record's fields are read from, then the latency figures (``item_from_row``).
ITEM_COLUMNS = (
    "id", "server", "kind", "name", "uri", "title", "description", "category", "status",
    "input_schema", "output_schema", "annotations", "meta", "read_only", "destructive",
    "schema_version", "version", "created_at", "updated_at", "usage_count", "last_used_at",
)
LATENCY_COLUMNS = ("latency_count", "latency_mean", "latency_p50", "latency_p95")
#: Columns a record is built from, in order.
RECORD_COLUMNS = ITEM_COLUMNS + LATENCY_COLUMNS
SELECT_ITEM = "SELECT " + ", ".join(RECORD_COLUMNS) + " FROM catalog_items"
#: Columns written from an item's fields (everything a user or a listing may change).
WRITABLE_COLUMNS = (
    "server", "kind", "name", "uri", "title", "description", "category", "status",
    "input_schema", "output_schema", "annotations", "meta", "read_only", "destructive",
    "search_text",
)
SELECT_FOR_WRITE = ("SELECT " + ", ".join(dict.fromkeys(RECORD_COLUMNS + WRITABLE_COLUMNS))
                    + " FROM catalog_items")
FOR_WRITE_COLUMNS = tuple(dict.fromkeys(RECORD_COLUMNS + WRITABLE_COLUMNS))
PATCHABLE = frozenset({"title", "description", "category", "status", "schema", "output_schema",
                       "annotations", "meta", "read_only", "destructive"})
#: Fields a server's listing owns; category, meta and usage belong to the user and the calls.
LISTED_FIELDS = ("name", "uri", "title", "description", "schema", "output_schema", "annotations",
                 "read_only", "destructive")


#: The field a column fills where its name differs from the column's.
_FIELD_OF = {"input_schema": "schema"}


def _attribute(column: str) -> str:
    """Where ``item_from_row`` puts a column: the field, or beside it (``_<field>_raw``) when
    the field is a ``LazyField`` decoded on first access. An unknown column fails at import."""
    name = _FIELD_OF.get(column, column)
    if name not in CatalogItem.__dataclass_fields__:
        raise TypeError(f"catalog column {column!r} fills no CatalogItem field: map it in _FIELD_OF")
    return f"_{name}_raw" if isinstance(vars(CatalogItem).get(name), LazyField) else name


_ROW_ATTRS = tuple(_attribute(c) for c in ITEM_COLUMNS)
#: Stored as 0/1 by SQLite: made ``bool`` on the way out.
_READ_ONLY, _DESTRUCTIVE = RECORD_COLUMNS.index("read_only"), RECORD_COLUMNS.index("destructive")
#: The column of each ``LatencyStats`` field; ``_latency(row)`` gives them in the field order.
_LATENCY_OF = {"count": "latency_count", "mean_ms": "latency_mean", "p50_ms": "latency_p50",
               "p95_ms": "latency_p95"}
_latency = itemgetter(*(RECORD_COLUMNS.index(_LATENCY_OF[f.name]) for f in dataclass_fields(LatencyStats)))
_LATENCY_COUNT = RECORD_COLUMNS.index(_LATENCY_OF["count"])
_NO_LATENCY = LatencyStats()
_new = object.__new__


def item_from_row(r: Any) -> CatalogItem:
    """A record from a row in ``RECORD_COLUMNS`` order, JSON and times decoded lazily.

    Fills the instance dict directly instead of calling the frozen dataclass's ``__init__``
    (about 5 us for 25 fields): this is the per-row cost of every listing, and a DataFrame
    of 10,000 tools must build in well under 100 ms.
    """
    item = _new(CatalogItem)
    d = item.__dict__
    d.update(zip(_ROW_ATTRS, r, strict=False))  # stops where the latency columns begin
    d["read_only"] = bool(r[_READ_ONLY])
    d["destructive"] = bool(r[_DESTRUCTIVE])
    d["latency"] = LatencyStats(*_latency(r)) if r[_LATENCY_COUNT] else _NO_LATENCY
    return item


def row_dict(row: Any) -> dict[str, Any]:
    """A ``SELECT_FOR_WRITE`` row as a dict of raw column values."""
    return dict(zip(FOR_WRITE_COLUMNS, row, strict=True))


def fields_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The logical fields of a stored item (decoded), to merge a patch into."""
    return {
        "id": row["id"], "server": row["server"], "kind": row["kind"], "name": row["name"],
        "uri": row["uri"], "title": row["title"], "description": row["description"],
        "category": row["category"], "status": row["status"],
        "schema": json.loads(row["input_schema"]),
        "output_schema": None if row["output_schema"] is None else json.loads(row["output_schema"]),
        "annotations": json.loads(row["annotations"]), "meta": json.loads(row["meta"]),
        "read_only": bool(row["read_only"]), "destructive": bool(row["destructive"]),
    }


def fields_from_item(item: CatalogItem | Mapping[str, Any]) -> dict[str, Any]:
    """Logical fields of an item given to ``upsert`` (a record or a plain mapping)."""
    if isinstance(item, CatalogItem):
        data = {name: getattr(item, name) for name in (
            "id", "server", "kind", "name", "uri", "title", "description", "category", "status",
            "schema", "output_schema", "annotations", "meta", "read_only", "destructive")}
    else:
        data = dict(item)
        missing = [k for k in ("server", "name") if not data.get(k)]
        if missing:
            raise WorkbenchError(f"a catalog item needs {' and '.join(missing)}: got {sorted(data)}")
        data.setdefault("kind", "tool")
        data.setdefault("id", item_id(data["server"], data["kind"], data.get("uri") or data["name"]))
        data.setdefault("status", "active")
        for key in ("uri", "title", "description", "category", "output_schema"):
            data.setdefault(key, None)
        for key in ("schema", "annotations", "meta"):
            data[key] = data.get(key) or {}
        data.setdefault("read_only", False)
        data.setdefault("destructive", False)
    validate(data)
    return data


def validate(fields: Mapping[str, Any]) -> None:
    if fields["kind"] not in KINDS:
        raise WorkbenchError(f"unknown kind {fields['kind']!r}: use one of {', '.join(KINDS)}")
    if fields["status"] not in ITEM_STATUSES:
        raise WorkbenchError(f"unknown item status {fields['status']!r}: use one of "
                             f"{', '.join(ITEM_STATUSES)}")


def column_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of an item's fields, keyed by ``WRITABLE_COLUMNS``."""
    annotations = dict(fields.get("annotations") or {})
    read_only = annotations.get("readOnlyHint", fields.get("read_only", False))
    destructive = annotations.get("destructiveHint", fields.get("destructive", False))
    return {
        "server": fields["server"], "kind": fields["kind"], "name": fields["name"],
        "uri": fields.get("uri"), "title": fields.get("title"),
        "description": fields.get("description"), "category": fields.get("category"),
        "status": fields["status"], "input_schema": dumps(fields.get("schema") or {}),
        "output_schema": dumps_or_none(fields.get("output_schema")),
        "annotations": dumps(annotations), "meta": dumps(fields.get("meta") or {}),
        "read_only": read_only is True, "destructive": destructive is True,
        "search_text": search_text(fields["name"], fields.get("title"), fields.get("description"),
                                   fields.get("uri")),
    }


def listed_fields(server: str, kind: str, raw: Any) -> dict[str, Any]:
    """Fields of one entry of a server's listing (an MCP SDK model or its dict form)."""
    if hasattr(raw, "model_dump"):
        data = raw.model_dump(mode="json", by_alias=True, exclude_none=True)
    elif isinstance(raw, Mapping):
        data = dict(raw)
    else:
        raise WorkbenchError(f"cannot catalogue a {type(raw).__name__}: expected a mapping or an "
                             "MCP Tool / Prompt / Resource / ResourceTemplate")
    annotations = dict(data.get("annotations") or {})
    uri = (data.get("uri") or data.get("uriTemplate")) if kind.startswith("resource") else None
    name = data.get("name") or uri
    if not name:
        raise WorkbenchError(f"a {kind} in the listing of {server!r} has no name: {data!r}")
    if kind == "tool":
        schema = data.get("inputSchema", data.get("input_schema", data.get("schema"))) or {}
        output = data.get("outputSchema", data.get("output_schema"))
    elif kind == "prompt":
        schema, output = {"arguments": data.get("arguments") or []}, None
    else:
        schema = {k: data[k] for k in ("mimeType", "size") if k in data}
        output = None
    return {
        "id": item_id(server, kind, uri or name), "server": server, "kind": kind, "name": name,
        "uri": uri, "title": data.get("title") or annotations.get("title"),
        "description": data.get("description"), "category": data.get("category"),
        "status": "active", "schema": schema, "output_schema": output,
        "annotations": annotations, "meta": {}, "read_only": False, "destructive": False,
    }
