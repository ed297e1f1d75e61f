"""A small synchronous event emitter shared by the connection, registry and service layers.

Handlers run in the thread that emits: for connection events that is the engine thread, so a
handler must be quick and must not make blocking workbench calls (use the async twins or hand
the work to another thread). A failing handler is logged, never allowed to break a call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("mcp_workbench.events")

EVENTS = (
    "connection_status_changed",
    "server_added",
    "server_removed",
    "tools_changed",
    "operation_started",
    "operation_completed",
    "server_log",
    "progress",
)

Handler = Callable[[dict[str, Any]], Any]


class EventEmitter:
    """``on(event, handler)`` / ``off`` / ``emit``; handlers get one payload dict."""

    def __init__(self, events: tuple[str, ...] = EVENTS) -> None:
        self._known = set(events)
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        if event not in self._known:
            raise ValueError(f"unknown event {event!r}; known events: {', '.join(sorted(self._known))}")
        if not callable(handler):
            raise TypeError("handler must be callable with one argument (the event payload dict)")
        with self._lock:
            self._handlers = {**self._handlers, event: [*self._handlers.get(event, []), handler]}
        return lambda: self.off(event, handler)

    def off(self, event: str, handler: Handler) -> None:
        with self._lock:
            handlers = [h for h in self._handlers.get(event, []) if h is not handler]
            self._handlers = {**self._handlers, event: handlers}

    def has_handlers(self, event: str) -> bool:
        """Cheap check so the hot path builds no payload nobody listens to."""
        return bool(self._handlers.get(event))

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        handlers = self._handlers.get(event)
        if not handlers:
            return
        payload = {"event": event, **payload}
        for handler in handlers:
            try:
                handler(payload)
            except Exception:
                logger.exception("handler %r for event %r failed", handler, event)
