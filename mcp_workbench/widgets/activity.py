"""The Activity panel: a live log, newest first, of everything the service reports.

Operations (calls, prompts, reads), status changes, servers coming and going, listing changes,
progress and the servers' own log messages arrive as events; nothing is polled. The history
button shows the call history (``wb.history()``), fetched off the kernel thread.
"""

from __future__ import annotations

import html
import time
from collections import deque
from typing import Any

import ipywidgets as widgets

from ..core.events import EVENTS
from .base import ERROR, MUTED, OK, STATUS_COLORS, WARN, Panel, button, error_text, message, show

MAX_ENTRIES = 200
_LOG_COLORS = {"error": ERROR, "critical": ERROR, "alert": ERROR, "emergency": ERROR, "warning": WARN}


def describe(payload: dict[str, Any]) -> tuple[str, str]:
    """(one line, colour) for an event payload."""
    event, server = payload["event"], payload.get("server", "?")
    target = f"{server}.{payload.get('tool')}" if payload.get("tool") else server
    if event == "operation_started":
        return f"▶ {payload.get('operation', 'call')} {target}", MUTED
    if event == "operation_completed":
        took = f" in {payload['duration_ms']:.1f} ms" if payload.get("duration_ms") is not None else ""
        if payload.get("success"):
            return f"✓ {payload.get('operation', 'call')} {target} ok{took}", OK
        return f"✗ {payload.get('operation', 'call')} {target} {payload.get('status')}{took}: {payload.get('error') or ''}", ERROR
    if event == "connection_status_changed":
        error = f": {payload['error']}" if payload.get("error") else ""
        return f"● {server} {payload.get('status')}{error}", STATUS_COLORS.get(str(payload.get("status")), MUTED)
    if event == "server_log":
        level = str(payload.get("level", "info")).lower()
        return f"[{level}] {server}: {payload.get('message')}", _LOG_COLORS.get(level, MUTED)
    if event == "progress":
        total = f"/{payload['total']:g}" if payload.get("total") else ""
        note = f" {payload['message']}" if payload.get("message") else ""
        return f"… {target} {payload.get('progress', 0):g}{total}{note}", MUTED
    if event == "tools_changed":
        return f"↻ {server}: listings changed ({payload.get('tools')} tools)", MUTED
    if event == "server_added":
        return f"+ server {server} ({payload.get('transport')})", MUTED
    if event == "server_removed":
        return f"− server {server} removed", MUTED
    return f"{event}: {payload}", MUTED


class ActivityPanel(Panel):
    """Newest-first log of service events, with Clear and a call-history view."""

    title = "Activity"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.entries: deque[tuple[float, str, str]] = deque(maxlen=MAX_ENTRIES)
        self.feed = widgets.HTML(layout=widgets.Layout(max_height="24em", overflow="auto"))
        self.clear_button = button("Clear", "", "trash")
        self.history_button = button("Show history", "", "history")
        self.history = widgets.Output()
        self.feed.add_class("mcp-activity")
        self.clear_button.on_click(lambda _b: self.clear())
        self.history_button.on_click(lambda _b: self.show_history())
        self.children = [widgets.HBox([self.clear_button, self.history_button]), self.feed, self.history]
        self.subscribe(EVENTS, self.add)
        self.render()

    def add(self, payload: dict[str, Any]) -> None:
        text, color = describe(payload)
        self.entries.appendleft((time.time(), text, color))
        self.render()

    def render(self) -> None:
        if not self.entries:
            self.feed.value = message("Nothing yet: operations, status changes and server logs appear here.")
            return
        rows = [
            f"<div class='mcp-activity-entry' style='color:{color};font-family:monospace;white-space:pre-wrap'>"
            f"{time.strftime('%H:%M:%S', time.localtime(at))} {html.escape(text[:500])}</div>"
            for at, text, color in list(self.entries)
        ]
        self.feed.value = "".join(rows)

    def clear(self) -> None:
        self.entries.clear()
        self.history.outputs = ()
        self.render()

    def show_history(self) -> None:
        def done(frame: Any, error: BaseException | None) -> None:
            show(self.history, frame if error is None else error_text(error))

        self.run(lambda: self.wb.history(last=50), done)
