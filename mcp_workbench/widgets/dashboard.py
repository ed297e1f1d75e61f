"""The dashboard: a summary line over a Tab of panels, each subscribed to the service's events."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .activity import ActivityPanel
from .base import MUTED, Panel
from .chat import ChatPanel
from .prompts import PromptsPanel
from .resources import ResourcesPanel
from .servers import ServersPanel
from .tasks import TasksPanel
from .tools import ToolsPanel

PANELS: tuple[type[Panel], ...] = (ServersPanel, ToolsPanel, PromptsPanel, ResourcesPanel, TasksPanel, ChatPanel,
                                   ActivityPanel)  # fmt: skip
_SUMMARY_EVENTS = ("connection_status_changed", "server_added", "server_removed", "tools_changed", "operation_completed")


class Dashboard(Panel):
    """``panels`` by title (Servers, Tools, Prompts, Resources, Tasks, Chat, Activity) in ``tabs``."""

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.panels: dict[str, Panel] = {cls.title: cls(wb) for cls in PANELS}
        self.tabs = widgets.Tab(children=list(self.panels.values()), titles=list(self.panels))
        self.summary = widgets.HTML()
        self.children = [self.summary, self.tabs]
        self.add_class("mcp-dashboard")
        self.subscribe(_SUMMARY_EVENTS, lambda _p: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        conns = self.wb.server_views()
        connected = sum(c.status == "connected" for c in conns)
        tools = sum(len(c.tools) for c in conns)
        self.summary.value = (
            f"<b>MCP workbench</b> <span style='color:{MUTED}'>· {connected}/{len(conns)} servers connected "
            f"· {tools} tools · {self.wb.log.total} calls</span>"
        )

    def show(self, title: str) -> Panel:
        """Switch to a tab by title; returns its panel."""
        self.tabs.selected_index = list(self.panels).index(title)
        return self.panels[title]

    def close(self) -> None:
        for panel in self.panels.values():
            panel.close()
        self.tabs.close()
        super().close()

