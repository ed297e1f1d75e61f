"""The Servers panel's table: one row per server, with that server's own actions on its row.

Each row has Reconnect / Disconnect / Ping buttons, so an action can only ever reach the server
it sits next to (a shared "selected server" dropdown could point at another). ``ServerRow.controls``
is the row's box of controls; more per-row controls (a log-level selector) are appended there
by ``ServerTable.row_controls``. Rows are kept per server and updated in place, so a button keeps
its state while the table refreshes from events.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..core.connection import ENV_ADVICE
from .base import ERROR, MUTED, STATUS_COLORS, button, fa

CELLS = ("status", "name", "transport", "tools", "prompts", "resources", "latency", "target", "last error")
HEADERS = (*CELLS[:2], "", *CELLS[2:])  # the row's buttons right after its name: hard to miss, never cut off
#: ENV_ADVICE in the connect form's own terms.
FORM_ENV_ADVICE = "add KEY=VALUE lines to the Env box, or tick Inherit env"
_CELL = "padding:2px 8px"


def in_form_terms(text: str) -> str:
    """An error's advice as the dashboard's form says it (the Env box, not ``env={...}``)."""
    return text.replace(ENV_ADVICE, FORM_ENV_ADVICE)


def css_name(name: str) -> str:
    """A server name as a CSS class fragment (stable hooks for tests and user CSS)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


class ServerRow:
    """One server's cells and its action buttons."""

    def __init__(self, name: str, act: Callable[[str, str], None]) -> None:
        self.name = name
        self.cells = [widgets.HTML(layout=widgets.Layout(padding="0")) for _ in CELLS]
        self.reconnect = button("Reconnect", "", "refresh", f"close and reopen {name}")
        self.disconnect = button("Disconnect", "warning", "unlink", f"close {name} and forget it")
        self.ping = button("Ping", "", "exchange", f"measure the round trip to {name}")
        self.buttons = {"reconnect": self.reconnect, "disconnect": self.disconnect, "ping": self.ping}
        for action, control in self.buttons.items():
            control.layout.width, control.layout.padding = "auto", "0 8px"
            control.add_class(f"mcp-server-{action}")
            control.on_click(lambda _b, a=action: act(a, name))
        self.controls = widgets.HBox(list(self.buttons.values()))
        for widget in (*self.cells, self.controls):
            widget.add_class(f"mcp-server-{css_name(name)}")
        self.controls.add_class("mcp-server-actions")

    @property
    def widgets(self) -> list[widgets.Widget]:
        """In grid order (``HEADERS``)."""
        return [*self.cells[:2], self.controls, *self.cells[2:]]

    def busy(self, on: bool) -> None:
        for control in self.buttons.values():
            control.disabled = on

    def update(self, view: Any, latency: float | None) -> None:
        status = html.escape(view.status)
        color = STATUS_COLORS.get(view.status, MUTED)
        full_error = in_form_terms(view.last_error or "")
        error = html.escape(full_error[:240] + ("…" if len(full_error) > 240 else ""))
        values = [
            f"<span class='mcp-status mcp-status-{status}' style='color:{color};white-space:nowrap'>"
            f"{fa('circle')} {status}</span>",
            f"<b>{html.escape(view.name)}</b>", html.escape(view.spec.transport), str(len(view.tools)),
            str(len(view.prompts)), str(len(view.resources)), "" if latency is None else f"{latency:.0f} ms",
            f"<code style='white-space:normal;overflow-wrap:anywhere'>{html.escape(view.spec.describe()[:80])}</code>",
            f"<span class='mcp-server-error' style='color:{ERROR};white-space:normal' "
            f"title='{html.escape(full_error, quote=True)}'>{error}</span>",
        ]  # fmt: skip
        for cell, value in zip(self.cells, values):
            markup = f"<div style='{_CELL}'>{value}</div>"
            if cell.value != markup:
                cell.value = markup


class ServerTable(widgets.GridBox):
    """A header and one ``ServerRow`` per server, aligned as a grid."""

    def __init__(self, act: Callable[[str, str], None], row_controls: Callable[[str], list[widgets.Widget]]) -> None:
        columns = "max-content " * 8 + "minmax(8em, 16em) minmax(12em, 36em)"
        super().__init__(layout=widgets.Layout(grid_template_columns=columns, overflow="auto", align_items="center"))
        self._act = act
        self._row_controls = row_controls
        self.rows: dict[str, ServerRow] = {}
        self.head = [widgets.HTML(f"<b style='{_CELL}'>{h}</b>") for h in HEADERS]
        self.empty = widgets.HTML(f"<p style='color:{MUTED}'>No server connected yet: use the form below.</p>")
        self.children = [self.empty]

    def update(self, views: list[Any], latency: dict[str, float]) -> None:
        """Rows for exactly these servers, in order, each showing its current state."""
        names = [v.name for v in views]
        for gone in set(self.rows) - set(names):
            self.rows.pop(gone)
        for view in views:
            row = self.rows.get(view.name)
            if row is None:
                row = self.rows[view.name] = ServerRow(view.name, self._act)
                row.controls.children = [*row.controls.children, *self._row_controls(view.name)]
            row.update(view, latency.get(view.name))
        children = [w for name in names for w in self.rows[name].widgets]
        wanted = [*self.head, *children] if names else [self.empty]
        if list(self.children) != wanted:
            self.children = wanted
