"""The project's one synchronous event emitter: the connection, registry and service layers
and the catalog repository each own one, with their own event names.

Handlers run in the thread that emits: for connection events that is the engine thread, so a
handler must be quick and must not make blocking workbench calls (use the async twins or hand
the work to another thread). A failing handler is logged, never allowed to break a call. Each
handler gets its own copy of the payload, so one handler's edits never reach the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import UnknownEventError

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
    "task_created",
    "task_status",
    "resource_updated",
)

Handler = Callable[[dict[str, Any]], Any]


class EventEmitter:
    """``on(event, handler)`` / ``off`` / ``emit``; handlers get one payload dict.

    ``event_key`` names the payload key that carries the event's name (``"event"``, so one
    handler can serve several events); None passes payloads exactly as emitted.
    """

    def __init__(self, events: tuple[str, ...] = EVENTS, *, event_key: str | None = "event") -> None:
        self._known = set(events)
        self._event_key = event_key
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        if event not in self._known:
            raise UnknownEventError(f"unknown event {event!r}; known events: {', '.join(sorted(self._known))}")
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
        key = self._event_key
        for handler in handlers:  # a copy-on-write list: safe to iterate while others subscribe
            try:
                handler({key: event, **payload} if key is not None else dict(payload))
            except Exception:
                logger.exception("handler %r for event %r failed", handler, event)
