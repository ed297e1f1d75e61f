"""The Activity panel: a live log, newest first, of everything the service reports.

Operations (calls, prompts, reads), status changes, servers coming and going, listing changes,
progress and the servers' own log messages arrive as events; nothing is polled. A call's progress
lines are grouped under the call's own line (a collapsible list showing the latest step), not
spread through the log. The history button shows the call history (``wb.history()``), fetched
off the kernel thread.
"""

from __future__ import annotations

import html
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from ..core.events import EVENTS
from .base import ERROR, MUTED, OK, STATUS_COLORS, WARN, Panel, button, error_text, message, show

MAX_ENTRIES = 200
MAX_STEPS = 100  # progress lines kept under one call
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


@dataclass
class Entry:
    """One line of the log; a call's line also holds its progress lines (``steps``)."""

    at: float
    text: str
    color: str
    steps: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=MAX_STEPS))

    def html(self) -> str:
        line = f"{_clock(self.at)} {html.escape(self.text[:500])}"
        style = f"color:{self.color};font-family:monospace;white-space:pre-wrap"
        if not self.steps:
            return f"<div class='mcp-activity-entry' style='{style}'>{line}</div>"
        latest = html.escape(self.steps[-1][1][:200])
        steps = "".join(f"<div style='color:{MUTED};padding-left:2em'>{_clock(at)} {html.escape(text[:500])}</div>"
                        for at, text in self.steps)  # fmt: skip
        return (f"<details class='mcp-activity-entry mcp-activity-call' style='{style}'><summary>{line} "
                f"<span style='color:{MUTED}'>· {len(self.steps)} progress update(s), latest: {latest}</span>"
                f"</summary>{steps}</details>")  # fmt: skip


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


class ActivityPanel(Panel):
    """Newest-first log of service events, with Clear and a call-history view."""

    title = "Activity"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.entries: deque[Entry] = deque(maxlen=MAX_ENTRIES)
        self.running: dict[tuple[str, str], list[Entry]] = {}  # (server, tool) -> its calls' lines, oldest first
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
        event, key = payload["event"], (str(payload.get("server")), str(payload.get("tool")))
        now = time.time()
        if event == "progress":
            calls = self.running.get(key)
            if not calls:  # progress of a call that started before this dashboard: a line to group under
                started = Entry(now, f"▶ call {key[0]}.{key[1]} (started earlier)", MUTED)
                self.entries.appendleft(started)
                calls = self.running[key] = [started]
            calls[-1].steps.append((now, text))
        else:
            entry = Entry(now, text, color)
            self.entries.appendleft(entry)
            if event == "operation_started" and payload.get("tool"):
                self.running.setdefault(key, []).append(entry)
            elif event == "operation_completed" and self.running.get(key):
                self.running[key].pop(0)
                if not self.running[key]:
                    del self.running[key]
        self.render()

    def render(self) -> None:
        if not self.entries:
            self.feed.value = message("Nothing yet: operations, status changes and server logs appear here.")
            return
        self.feed.value = "".join(entry.html() for entry in list(self.entries))

    def clear(self) -> None:
        self.entries.clear()
        self.running.clear()
        self.history.outputs = ()
        self.render()

    def show_history(self) -> None:
        def done(frame: Any, error: BaseException | None) -> None:
            show(self.history, frame if error is None else error_text(error))

        self.run(lambda: self.wb.history(last=50), done)
