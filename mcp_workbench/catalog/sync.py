"""The metadata registry: keeps the persistent catalog in step with the live connections.

It listens to the service's events (a server connected, its listings changed, its status
changed, a task started or changed) and to the call log, and writes to the repository on one writer thread of its own, so
neither the engine loop nor the call path ever waits for the disk. ``flush()`` waits for the
queue to drain before a read that must see every write (history, usage columns).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from ..core.connection import Connection
from ..core.events import EventEmitter
from ..core.history import CallLog, CallRecord
from .repository import SQLRepository

logger = logging.getLogger("mcp_workbench.catalog")

_BATCH = 500  # call records persisted per transaction at most
_INTERVAL_S = 0.5  # call records wait at most this long (or for a full batch) before a write
_STATUS = {"connected": "connected", "error": "error", "disconnected": "disconnected", "idle": "disconnected"}
_LISTINGS = (("tool", "tools"), ("prompt", "prompts"), ("resource", "resources"), ("resource_template", "templates"))


class Catalog:
    """Writes connection metadata, listing changes and call history to a repository."""

    def __init__(self, repo: SQLRepository, emitter: EventEmitter, log: CallLog,
                 registry_lookup: Callable[[str], Connection | None]) -> None:  # fmt: skip
        self.repo = repo
        self._lookup = registry_lookup
        self.last_changes: dict[str, list[dict[str, Any]]] = {}
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._calls: list[CallRecord] = []
        self._first_pending = 0.0
        self._calls_lock = threading.Lock()
        self._closed = False
        self._writer = threading.Thread(target=self._work, name="mcp-catalog-writer", daemon=True)
        self._writer.start()
        self._unsubscribe = [
            emitter.on("tools_changed", self._on_listing),
            emitter.on("connection_status_changed", self._on_status),
            emitter.on("task_created", self._on_task),
            emitter.on("task_status", self._on_task),
        ]
        log.subscribe(self._on_call)

    # ------------------------------------------------------------------ event handlers (engine thread)
    def _on_listing(self, event: dict[str, Any]) -> None:
        conn = self._lookup(event["server"])
        if conn is None:
            return
        info = conn.server_info
        snapshot = {
            "spec": conn.spec.to_safe_dict(),
            "transport": conn.spec.transport,
            "server_info": info.model_dump(mode="json", exclude_none=True) if info else None,
            "listings": {kind: list(_values(getattr(conn, attr))) for kind, attr in _LISTINGS},
        }
        self._queue.put(lambda: self._sync(conn.name, snapshot))

    def _on_status(self, event: dict[str, Any]) -> None:
        status = _STATUS.get(event["status"])
        if status is None:
            return
        conn = self._lookup(event["server"])
        spec = conn.spec.to_safe_dict() if conn else None
        transport = conn.spec.transport if conn else None
        name, error = event["server"], event.get("error")
        self._queue.put(lambda: self._status(name, status, error, spec, transport))

    def _on_task(self, event: dict[str, Any]) -> None:
        row = {k: v for k, v in event.items() if k != "event"}
        self._queue.put(lambda: self.repo.save_task(row))  # the id, so wb.task(server, id) works after a restart

    def _on_call(self, record: CallRecord) -> None:
        # Runs on the call path: an append only. The writer picks batches up on its own clock,
        # so a loop of quick calls costs one transaction per batch, not one per call.
        with self._calls_lock:
            if not self._calls:
                self._first_pending = time.monotonic()
            self._calls.append(record)
            full = len(self._calls) == _BATCH
        if full:
            self._queue.put(_noop)

    # ------------------------------------------------------------------ writer thread
    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=_INTERVAL_S)
            except queue.Empty:
                job = _noop
            try:
                if job is None:
                    self._write_calls()
                    return
                job()
                if self._calls and (
                    len(self._calls) >= _BATCH or time.monotonic() - self._first_pending >= _INTERVAL_S
                ):
                    self._write_calls()
            except Exception as exc:  # the catalog must never break the workbench
                logger.warning("catalog write failed: %s", exc)

    def _sync(self, server: str, snapshot: dict[str, Any]) -> None:
        self.repo.upsert_server(server, transport=snapshot["transport"], spec=snapshot["spec"],
                                status="connected", server_info=snapshot["server_info"])  # fmt: skip
        changes: list[dict[str, Any]] = []
        for kind, items in snapshot["listings"].items():
            changes.extend(self.repo.sync_listing(server, kind, items))
        self.last_changes[server] = changes

    def _status(self, name: str, status: str, error: str | None, spec: Any, transport: str | None) -> None:
        if self.repo.get_server(name) is None:
            self.repo.upsert_server(name, transport=transport, spec=spec, status=status)
        self.repo.set_server_status(name, status, error)

    def _write_calls(self) -> None:
        with self._calls_lock:
            batch, self._calls = self._calls, []
        for start in range(0, len(batch), _BATCH):
            self.repo.record_calls([_row(r) for r in batch[start : start + _BATCH]])

    # ------------------------------------------------------------------ public
    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued write is on disk (bounded, so a stuck store cannot hang a cell)."""
        if self._closed:
            return
        done = threading.Event()

        def write_then_signal() -> None:
            try:
                self._write_calls()
            finally:
                done.set()

        self._queue.put(write_then_signal)
        if not done.wait(timeout):
            logger.warning("catalog writes still pending after %s s", timeout)

    def close(self) -> None:
        """Write what is pending, stop the writer and close the store (idempotent)."""
        if self._closed:
            return
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.flush()
        self._closed = True
        self._queue.put(None)
        self._writer.join(5)
        self.repo.close()


def _noop() -> None:
    pass


def _values(listing: Any) -> Any:
    return listing.values() if isinstance(listing, dict) else listing


def _row(record: CallRecord) -> dict[str, Any]:
    return {
        "server": record.server, "tool": record.tool, "status": record.status, "arguments": record.arguments,
        "duration_ms": record.duration_ms, "error": record.error, "result_preview": record.preview,
        "at": record.time, "kind": record.kind,
    }  # fmt: skip
