"""The protocol-traffic monitor: what crossed the wire, per server, as data to filter.

Each traced server gets a bounded buffer (default 10,000 messages). Responses are matched to
their requests by id, which gives each response its method and latency. Payloads are parsed
JSON with secrets masked; stdio servers' stderr lines are kept too, as kind ``stderr``.
Nothing is recorded, serialised or masked for a server that is not traced.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

import mcp_types as types
import pandas as pd

from .httpwire import HttpExchange
from .secrets import mask, mask_text
from .tap import Tap

DEFAULT_LIMIT = 10_000
_PENDING_LIMIT = 10_000  # unanswered requests remembered for matching, per server
_PREVIEW = 160

TRAFFIC_COLUMNS = [
    "time", "server", "direction", "kind", "method", "id", "latency_ms", "size_bytes", "url", "status", "preview",
    "payload",
]  # fmt: skip  (bench: url and status are set on kind "http" rows, one per HTTP exchange)


@dataclass(slots=True)
class TrafficRecord:
    time: float
    server: str
    direction: str  # out | in
    kind: str  # request | response | notification | error | stderr | transport_error | http
    method: str | None
    id: Any
    latency_ms: float | None
    size_bytes: int
    payload: Any


def _classify(message: Any) -> tuple[str, str | None, Any]:
    """(kind, method, id) of a JSON-RPC message."""
    if isinstance(message, types.JSONRPCRequest):
        return "request", message.method, message.id
    if isinstance(message, types.JSONRPCNotification):
        return "notification", message.method, None
    if isinstance(message, types.JSONRPCError):
        return "error", None, message.id
    return "response", None, getattr(message, "id", None)


class ServerTrace:
    """One server's buffer and its request→response matching."""

    def __init__(self, server: str, limit: int) -> None:
        self.server = server
        self.records: deque[TrafficRecord] = deque(maxlen=limit)
        self._pending: OrderedDict[tuple[str, Any], tuple[float, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, direction: str, item: Any) -> None:
        now = time.time()
        if isinstance(item, Exception):
            text = mask_text(str(item))
            self._append(TrafficRecord(now, self.server, direction, "transport_error", None, None, None,
                                       len(text), {"error": text}))  # fmt: skip
            return
        message = item.message
        raw = message.model_dump_json(by_alias=True, exclude_none=True)
        kind, method, msg_id = _classify(message)
        latency = None
        with self._lock:
            if kind == "request":
                # A request's answer comes back the other way: remember it under that direction.
                self._pending[("in" if direction == "out" else "out", msg_id)] = (now, method)
                if len(self._pending) > _PENDING_LIMIT:
                    self._pending.popitem(last=False)
            elif kind in ("response", "error"):
                sent = self._pending.pop((direction, msg_id), None)
                if sent is not None:
                    latency = (now - sent[0]) * 1000
                    method = sent[1]
        payload = mask(json.loads(raw))
        self._append(TrafficRecord(now, self.server, direction, kind, method, msg_id, latency, len(raw), payload))

    def http(self, exchange: HttpExchange) -> None:  # bench: one row per HTTP exchange of an HTTP transport
        self._append(TrafficRecord(time.time(), self.server, "out", "http", exchange.method, None, exchange.ms,
                                   exchange.size, exchange.as_payload()))  # fmt: skip

    def stderr(self, line: str) -> None:
        text = mask_text(line)
        self._append(TrafficRecord(time.time(), self.server, "in", "stderr", None, None, None, len(line), text))

    def _append(self, record: TrafficRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[TrafficRecord]:
        with self._lock:
            return list(self.records)


class TrafficMonitor:
    """Taps by server name (kept across reconnects), and which of them are traced."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.taps: dict[str, Tap] = {}
        self.traces: dict[str, ServerTrace] = {}
        self.trace_all = False

    def tap_for(self, server: str) -> Tap:
        tap = self.taps.get(server)
        if tap is None:
            tap = self.taps[server] = Tap(server)
            if self.trace_all:
                self.start(server)
        return tap

    def start(self, server: str | None, limit: int | None = None) -> None:
        """Trace ``server`` (every server, present and future, when None)."""
        if limit is not None:
            self.limit = limit
        if server is None:
            self.trace_all = True
            for name in list(self.taps):
                self.start(name)
            return
        tap = self.tap_for(server)
        trace = self.traces.get(server)
        if trace is None:
            trace = self.traces[server] = ServerTrace(server, self.limit)
        elif limit is not None and trace.records.maxlen != self.limit:
            trace.records = deque(trace.records, maxlen=self.limit)
        if trace.observe not in tap.observers:
            tap.add(trace.observe)
            tap.stderr_observers = [*tap.stderr_observers, trace.stderr]
            tap.http_observers = [*tap.http_observers, trace.http]  # bench

    def stop(self, server: str | None) -> None:
        """Stop recording (the buffer is kept for reading)."""
        names = list(self.taps) if server is None else [server]
        if server is None:
            self.trace_all = False
        for name in names:
            tap, trace = self.taps.get(name), self.traces.get(name)
            if tap is not None and trace is not None:
                tap.remove(trace.observe)
                tap.stderr_observers = [o for o in tap.stderr_observers if o != trace.stderr]
                tap.http_observers = [o for o in tap.http_observers if o != trace.http]  # bench

    def clear(self, server: str | None = None) -> None:
        for name, trace in self.traces.items():
            if server is None or name == server:
                with trace._lock:
                    trace.records.clear()

    def tracing(self) -> list[str]:
        return [name for name, tap in self.taps.items() if name in self.traces and self.traces[name].observe in tap.observers]

    def frame(
        self, server: str | None = None, *, method: str | None = None, kind: str | None = None,
        errors: bool = False, last: int | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        records = [r for name, t in self.traces.items() if server in (None, name) for r in t.snapshot()]
        records.sort(key=lambda r: r.time)
        if method:
            records = [r for r in records if r.method == method]
        if kind:
            records = [r for r in records if r.kind == kind]
        if errors:
            records = [r for r in records if r.kind in ("error", "transport_error") or _is_error_result(r.payload)
                       or (r.kind == "http" and r.payload["status"] >= 400)]  # fmt: skip
        if last:
            records = records[-last:]
        rows = [
            {
                "time": pd.Timestamp(r.time, unit="s", tz="UTC"), "server": r.server, "direction": r.direction,
                "kind": r.kind, "method": r.method, "id": r.id, "latency_ms": r.latency_ms,
                "size_bytes": r.size_bytes, "url": _http(r, "url"), "status": _http(r, "status"),
                "preview": _http_line(r.payload) if r.kind == "http" else _preview(r.payload, r.size_bytes),
                "payload": r.payload,
            }  # fmt: skip
            for r in records
        ]
        return pd.DataFrame(rows, columns=TRAFFIC_COLUMNS)


def _http_line(payload: dict[str, Any]) -> str:
    """``POST http://host/mcp -> 200 text/event-stream (tools/call)``."""
    kind = payload["response_headers"].get("content-type", "").split(";")[0]
    rpc = payload["request_headers"].get("mcp-method")
    return f"{payload['method']} {payload['url']} -> {payload['status']} {kind}{f' ({rpc})' if rpc else ''}".strip()


def _http(record: TrafficRecord, field: str) -> Any:
    return record.payload.get(field) if record.kind == "http" else None


def _is_error_result(payload: Any) -> bool:
    """A tools/call result flagged isError is an error too, though JSON-RPC calls it a success."""
    return isinstance(payload, dict) and isinstance(payload.get("result"), dict) and payload["result"].get("isError") is True


def _preview(payload: Any, size: int) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
    if len(text) <= _PREVIEW:
        return text
    return f"{text[:_PREVIEW]}… ({size:,} bytes)"
