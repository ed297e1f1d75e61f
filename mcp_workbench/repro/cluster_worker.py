"""The Dask worker's side of ``wb.map(..., cluster=client)``: one task = one chunk of rows.

Each worker holds its own connections, built from the server's spec as the kernel wrote it
(secrets as ``${env:VAR}`` references, resolved here from the worker's environment), in a
``WorkerPlugin`` keyed by the spec: reused by every chunk, closed when the worker stops. A chunk
runs through the same ``run_rows`` as a local map (concurrency, retries, rows that fail keep
their error), and its calls go back to the kernel with the results (or, for a lazy dask
DataFrame, as worker events the kernel subscribes to), so the kernel's history shows them.
This module is imported on workers; Dask itself is imported only inside its functions.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from contextvars import ContextVar
from typing import Any

import pandas as pd

from ..core.engine import get_engine
from ..core.events import EventEmitter
from ..core.history import CallRecord
from ..core.policy import ResourcePolicy
from ..core.requests import ServerRequests
from ..core.secrets import mask_text
from ..core.service import ConnectOptions, ServerService
from .batch import ArgumentPlan, Outcome, outcomes_frame, run_rows

PLUGIN_NAME = "mcp-workbench"
_SINK: ContextVar[list[CallRecord] | None] = ContextVar("mcp_workbench_map_calls", default=None)
LOCAL_RECEIVERS: dict[str, Any] = {}  # topic -> the kernel's receiver, when chunks run in the kernel's process


class WorkerBench:
    """One server on a worker: a ``ServerService`` of its own, the server connected by the kernel's name."""

    def __init__(self, server: str, connect: dict[str, Any]) -> None:
        self.server = server
        self.service = ServerService(engine=get_engine(), events=EventEmitter(), requests=ServerRequests(ResourcePolicy()),
                                     timeout=60.0, idle_timeout=None)  # fmt: skip
        self.service.keep_results = True  # each record carries its result's preview to the kernel's catalog
        self.service.log.subscribe(_to_sink)
        try:
            self.service.connect(server, ConnectOptions(**connect))
        except Exception:  # noqa: BLE001 - listed with its error; each row tries to open it and reports why
            pass

    async def acall(self, target: str, arguments: dict[str, Any] | None = None, /, *,
                    timeout: float | None = None) -> Any:  # fmt: skip
        """What ``run_rows`` calls: reopen the server when it is down (it says why), then call."""
        if self.service.server(self.server).status != "connected":
            await self.service.aopen(self.server)
        return await self.service.acall(target, arguments, {}, timeout=timeout)

    def close(self) -> None:
        self.service.close()


def _to_sink(record: CallRecord) -> None:
    sink = _SINK.get()
    if sink is not None:
        sink.append(record)


async def _collecting(sink: list[CallRecord], coro: Any) -> Any:
    """Run ``coro`` with its call records going to ``sink`` (a context variable: chunks that run
    at the same time on one worker keep their own)."""
    token = _SINK.set(sink)
    try:
        return await coro
    finally:
        _SINK.reset(token)


def _worker_plugin_base() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    return WorkerPlugin


class _Benches:
    """The worker's connections by spec key; closed at teardown."""

    name = PLUGIN_NAME

    def __init__(self) -> None:
        self.benches: dict[str, WorkerBench] = {}
        self._lock = threading.Lock()

    def bench(self, key: str, server: str, connect: dict[str, Any]) -> WorkerBench:
        with self._lock:  # the first chunk connects; chunks running beside it wait for that connection
            bench = self.benches.get(key)
            if bench is None:
                bench = self.benches[key] = WorkerBench(server, connect)
            return bench

    def close_all(self) -> None:
        with self._lock:
            benches, self.benches = list(self.benches.values()), {}
        for bench in benches:
            bench.close()


_LOCAL = _Benches()  # chunks computed in this very process (a dask DataFrame on the local scheduler)
atexit.register(_LOCAL.close_all)
_ADD_LOCK = threading.Lock()


def plugin_class() -> type:
    """``WorkbenchPlugin``: ``_Benches`` as a Dask ``WorkerPlugin`` (Dask loads only here)."""
    global _PLUGIN_CLASS
    if _PLUGIN_CLASS is None:

        class WorkbenchPlugin(_Benches, _worker_plugin_base()):  # type: ignore[misc]
            """The worker's MCP connections: made on first use, closed when the worker stops."""

            async def teardown(self, worker: Any) -> None:
                await asyncio.to_thread(self.close_all)

        _PLUGIN_CLASS = WorkbenchPlugin
    return _PLUGIN_CLASS


_PLUGIN_CLASS: type | None = None


def _benches() -> tuple[_Benches, Any]:
    """This worker's plugin (added on the first chunk it runs), or the process's own when no worker runs us."""
    from distributed import get_worker
    from distributed.utils import sync

    try:
        worker = get_worker()
    except ValueError:
        return _LOCAL, None
    with _ADD_LOCK:
        plugin = worker.plugins.get(PLUGIN_NAME)
        if plugin is None:
            plugin = plugin_class()()
            sync(worker.loop, worker.plugin_add, plugin, PLUGIN_NAME)
    return plugin, worker


def run_chunk(chunk: pd.DataFrame, job: dict[str, Any]) -> Any:
    """Call the tool for every row of ``chunk`` on this worker. Eager jobs get ``(frame, calls)``
    back; lazy ones (``job["meta"]``) a frame shaped like the meta, with the calls sent as an event."""
    benches, worker = _benches()
    where = worker.address if worker is not None else f"local:{os.getpid()}"
    rows = ArgumentPlan(job["plan"]["from_columns"], job["plan"]["constants"]).rows(chunk)
    calls: list[CallRecord] = []
    try:
        bench = benches.bench(job["key"], job["server"], job["connect"])
        outcomes = bench.service.engine.run(_collecting(calls, run_rows(bench, job["target"], rows, **job["options"])))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - the chunk could not run at all: every row says why
        outcomes = [Outcome(is_error=True, error=mask_text(str(exc)) or type(exc).__name__, attempts=1) for _ in rows]
    records = [call_tuple(r) for r in calls]
    if job.get("meta") is None:
        frame = outcomes_frame(outcomes, chunk.index)
        frame["worker"] = where
        return frame, records
    _send(worker, job["topic"], records)
    return conform(outcomes, chunk.index, where, job["meta"])


def _send(worker: Any, topic: str, records: list[tuple[Any, ...]]) -> None:
    if not records:
        return
    if worker is not None:
        worker.log_event(topic, records)
    elif topic in LOCAL_RECEIVERS:
        LOCAL_RECEIVERS[topic](records)


def call_tuple(record: CallRecord) -> tuple[Any, ...]:
    """A call record as plain values (for the trip back): the result travels as its preview only."""
    return (record.time, record.server, record.tool, record.arguments, record.status, record.duration_ms,
            record.error, record.kind, record.preview)  # fmt: skip


def conform(outcomes: list[Outcome], index: pd.Index, where: str, meta: dict[str, Any]) -> pd.DataFrame:
    """A lazy map's partition: exactly the meta's columns and dtypes (fields from the output schema,
    else the structured value whole in ``structured``)."""
    frame = outcomes_frame(outcomes, index)
    if "structured" in meta["columns"]:
        frame["structured"] = pd.Series([o.structured for o in outcomes], index=index, dtype=object)
    frame["worker"] = where
    return frame.reindex(columns=meta["columns"]).astype(meta["dtypes"])
