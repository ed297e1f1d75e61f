"""Records are read from rows by column name: the readers follow their column lists, so a column
added or moved is declared once (no positions to keep in step)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from mcp_workbench.catalog.repository import CatalogItem, LatencyStats
from mcp_workbench.catalog.repository._items import RECORD_COLUMNS, item_from_row
from mcp_workbench.catalog.repository._rows import RowReader


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    tags: list[str] | None = None
    at: datetime | None = None


def test_a_reader_builds_records_by_column_name_in_any_order() -> None:
    decode = {"tags": json.loads, "written_at": lambda ts: datetime.fromtimestamp(ts, UTC)}
    forward = RowReader(Note, ("id", "text", "tags", "written_at"), rename={"written_at": "at"}, decode=decode)
    backward = RowReader(Note, ("written_at", "tags", "text", "id"), rename={"written_at": "at"}, decode=decode)
    assert forward.select == "id, text, tags, written_at" and forward.fields == ("id", "text", "tags", "at")
    note = Note(1, "hi", ["a"], datetime.fromtimestamp(0, UTC))
    assert forward((1, "hi", '["a"]', 0.0)) == note == backward((0.0, '["a"]', "hi", 1))
    assert forward((2, "bare", None, None)) == Note(2, "bare")  # NULL stays None, undecoded
    as_dict = RowReader(dict, ("id", "text"), rename={"text": "body"})
    assert as_dict((3, "x")) == {"id": 3, "body": "x"}
    with pytest.raises(ValueError, match="a row of 3 values"):
        forward((1, "short", None))


def test_a_reader_that_names_a_wrong_column_fails_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="tagz not among the columns"):
        RowReader(Note, ("id", "text", "tags"), decode={"tagz": json.loads})
    with pytest.raises(ValueError, match="colour fill no field of Note"):
        RowReader(Note, ("id", "text", "colour"))


def test_catalog_rows_are_read_by_the_names_in_record_columns() -> None:
    stored = {column: None for column in RECORD_COLUMNS}
    stored.update(id="demo:tool:add", server="demo", kind="tool", name="add", status="active",
                  input_schema='{"type": "object"}', annotations="{}", meta='{"tag": 1}', read_only=1,
                  destructive=0, schema_version=2, version=5, created_at=0.0, updated_at=60.0,
                  usage_count=7, latency_count=3, latency_mean=2.0, latency_p50=1.5, latency_p95=4.0)
    item = item_from_row(tuple(stored[column] for column in RECORD_COLUMNS))
    assert isinstance(item, CatalogItem) and (item.id, item.server, item.name) == ("demo:tool:add", "demo", "add")
    assert item.schema == {"type": "object"} and item.meta == {"tag": 1} and item.output_schema is None
    assert item.read_only is True and item.destructive is False
    assert (item.schema_version, item.version, item.usage_count) == (2, 5, 7)
    assert item.updated_at == datetime.fromtimestamp(60.0, UTC) and item.last_used_at is None
    assert item.latency == LatencyStats(count=3, mean_ms=2.0, p50_ms=1.5, p95_ms=4.0)
    stored["latency_count"] = 0
    assert item_from_row(tuple(stored[c] for c in RECORD_COLUMNS)).latency == LatencyStats()
