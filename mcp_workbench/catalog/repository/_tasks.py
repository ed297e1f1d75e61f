"""Tasks (long-running tool calls): one row per (server, task id), upserted as the task's
status changes, so ``wb.tasks()`` and ``wb.task(server, id)`` outlive the kernel."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import WorkbenchError
from ._codec import check_limit, dumps_or_none, now, to_datetime
from ._core import SQLCore, Tx, insert_sql, where_clause
from ._redact import mask_text, mask_value
from ._rows import RowReader
from .records import StoredTask

_TASK = RowReader(
    StoredTask, ("server", "task_id", "tool", "arguments", "status", "status_message", "created", "updated",
                 "ttl_ms", "error", "first_seen", "last_seen"),
    decode={"arguments": json.loads, "first_seen": to_datetime, "last_seen": to_datetime},
)
_FIELDS = ("tool", "arguments", "status", "status_message", "created", "updated", "ttl_ms", "error")


class TaskOps(SQLCore):
    """Task rows on any SQL backend."""

    def save_task(self, row: Mapping[str, Any]) -> StoredTask:
        """Insert or update the task ``row["server"]``/``row["task_id"]``; fields left None keep
        their stored value (a re-attach does not know the tool, the first start did)."""
        server, task_id = row.get("server"), row.get("task_id")
        if not server or not task_id:
            raise WorkbenchError("a task row needs its server and task_id")
        given = {k: row.get(k) for k in _FIELDS if row.get(k) is not None}
        if "arguments" in given:
            given["arguments"] = dumps_or_none(mask_value(given["arguments"]))
        for key in ("error", "status_message"):
            if key in given:
                given[key] = mask_text(given[key], limit=2000)
        ts = now()
        with self._write() as tx:
            found = tx.execute("SELECT 1 FROM tasks WHERE server = ? AND task_id = ?", (server, task_id)).fetchone()
            if found is None:
                values = {"status": "working", **given, "server": server, "task_id": task_id,
                          "first_seen": ts, "last_seen": ts}
                tx.execute(insert_sql("tasks", values), tuple(values.values()))
            else:
                sets = ", ".join(f"{k} = ?" for k in given)
                tx.execute(f"UPDATE tasks SET {sets + ', ' if sets else ''}last_seen = ? WHERE server = ? AND task_id = ?",
                           (*given.values(), ts, server, task_id))
            return self._task_in(tx, server, task_id)  # type: ignore[return-value]

    def get_task(self, server: str, task_id: str) -> StoredTask | None:
        with self._read() as tx:
            return self._task_in(tx, server, task_id)

    def _task_in(self, tx: Tx, server: str, task_id: str) -> StoredTask | None:
        row = tx.execute(f"SELECT {_TASK.select} FROM tasks WHERE server = ? AND task_id = ?", (server, task_id)).fetchone()
        return None if row is None else _TASK(row)

    def list_tasks(self, server: str | None = None, limit: int = 1000) -> list[StoredTask]:
        """Tasks (of one server, or all), most recently seen first."""
        check_limit(limit, maximum=1_000_000)
        where, params = where_clause({"server": server})
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_TASK.select} FROM tasks{where} ORDER BY last_seen DESC, task_id LIMIT ?",
                              (*params, limit)).fetchall()
        return _TASK.all(rows)
