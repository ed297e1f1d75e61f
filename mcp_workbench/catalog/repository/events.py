"""In-process change notifications: ``repo.on("changed", handler)``.

Handlers run after the write committed, outside the repository's lock, so a handler may read
the repository again. A failing handler is logged and never undoes or blocks the write.
Events are local to the process that wrote; other processes see changes by reading.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ...errors import WorkbenchError
from .records import EVENTS

Handler = Callable[[dict[str, Any]], None]
log = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {name: [] for name in EVENTS}
        self._lock = threading.Lock()

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        if event not in self._handlers:
            raise WorkbenchError(f"unknown event {event!r}: use one of {', '.join(EVENTS)}")
        with self._lock:
            self._handlers[event] = [*self._handlers[event], handler]

        def off() -> None:
            with self._lock:
                self._handlers[event] = [h for h in self._handlers[event] if h is not handler]

        return off

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        for handler in self._handlers[event]:  # a copy-on-write list: safe to iterate
            try:
                handler(dict(payload))
            except Exception:  # noqa: BLE001 - a handler must not break the write path
                log.exception("repository %r handler %r failed", event, handler)
