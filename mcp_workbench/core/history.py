"""The in-memory call log and per-tool usage statistics.

Appending is the only work done on the call path (no masking, no DataFrame, no disk): secrets
are masked when the log is read or persisted, and percentiles are computed on demand.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

HISTORY_LIMIT = 100_000
_WINDOW = 1000  # latency samples kept per tool


@dataclass(slots=True)
class CallRecord:
    """One operation: a tool call, a prompt, a resource read."""

    time: float
    server: str
    tool: str
    arguments: dict[str, Any]
    status: str  # ok | error | timeout | cancelled
    duration_ms: float
    error: str | None = None
    kind: str = "tool"
    # The result's first characters, for the catalog (the result itself is not kept: a record
    # outlives it, and holding every result made each one survive into the old generation).
    preview: str | None = None


@dataclass(slots=True)
class ToolUsage:
    count: int = 0
    errors: int = 0
    last_used: float | None = None
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=_WINDOW))

    def percentile(self, q: float) -> float | None:
        if not self.durations:
            return None
        if len(self.durations) == 1:
            return self.durations[0]
        return statistics.quantiles(self.durations, n=100, method="inclusive")[int(q) - 1]


class CallLog:
    """Every call of this process, newest last, bounded; usage stats by (server, tool)."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.records: deque[CallRecord] = deque(maxlen=limit)
        self.usage: dict[tuple[str, str], ToolUsage] = {}
        self.total = 0
        self.errors = 0
        self._lock = threading.Lock()
        self._listeners: list[Any] = []

    def append(self, record: CallRecord) -> None:
        with self._lock:
            self.records.append(record)
            self.total += 1
            usage = self.usage.get((record.server, record.tool))
            if usage is None:
                usage = self.usage[(record.server, record.tool)] = ToolUsage()
            usage.count += 1
            usage.last_used = record.time
            usage.durations.append(record.duration_ms)
            if record.status != "ok":
                usage.errors += 1
                self.errors += 1
        for listener in self._listeners:
            listener(record)

    def subscribe(self, listener: Any) -> None:
        """Called with each new record (the persistence layer batches them off the hot path)."""
        self._listeners.append(listener)

    def snapshot(self) -> list[CallRecord]:
        with self._lock:
            return list(self.records)
