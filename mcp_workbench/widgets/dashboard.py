"""The dashboard: a summary line over a Tab of panels, each subscribed to the service's events.

A dashboard is a live view of one kernel. When that kernel restarts, the page's widget manager
marks every widget view ``jupyter-widgets-disconnected``; the dashboard's own style sheet turns
that class into a banner ("this dashboard's kernel went away: re-run the cell") and greys the
tabs out, so an old output never claims servers the new kernel does not have.

When the widget cannot be drawn at all (the notebook reopened after its kernel went away:
JupyterLab then shows only "Error displaying widget: model not found", not the output's text
fallback), a notice shown next to the widget says the same: it is a separate HTML output that
its own style sheet hides whenever a dashboard is drawn in the same output area (CSS ``:has``),
and shows only after a moment otherwise (so it never flashes while a live widget renders).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from .activity import ActivityPanel
from .base import MUTED, WARN, Panel, fa
from .chat import ChatPanel
from .prompts import PromptsPanel
from .resources import ResourcesPanel
from .servers import ServersPanel
from .tasks import TasksPanel
from .tools import ToolsPanel

PANELS: tuple[type[Panel], ...] = (ServersPanel, ToolsPanel, PromptsPanel, ResourcesPanel, TasksPanel, ChatPanel,
                                   ActivityPanel)  # fmt: skip
_SUMMARY_EVENTS = ("connection_status_changed", "server_added", "server_removed", "tools_changed", "operation_completed")
GONE = ("This dashboard's kernel went away (restarted or shut down), so it shows nothing live any more. "
        "Re-run its cell (%mcp ui or wb.dashboard()) for a new dashboard.")  # fmt: skip
FALLBACK = ("MCP workbench dashboard: a live widget that cannot be drawn here (its kernel went away, or "
            "this page has no widget support). Re-run its cell (%mcp ui or wb.dashboard()) in a running kernel.")
NOTICE = f"""<style>
.mcp-kernel-notice {{ animation: mcp-kernel-notice 0s linear 2s both; }}
@keyframes mcp-kernel-notice {{ from {{ visibility: hidden; }} to {{ visibility: visible; }} }}
.jp-OutputArea:has(.mcp-dashboard) .mcp-kernel-notice, .output:has(.mcp-dashboard) .mcp-kernel-notice {{ display: none; }}
</style><div class="mcp-kernel-notice" style="border:2px solid {WARN};padding:6px 10px;font-weight:bold">{GONE}</div>"""
# Scoped to the dashboard: placeholders look like placeholders, and a disconnected view (the
# widget manager's class for a model whose kernel is gone) shows the banner.
STYLE = """<style>
.mcp-dashboard input::placeholder, .mcp-dashboard textarea::placeholder { font-style: italic; color: #8a8a8a; opacity: 1; }
.mcp-dashboard .mcp-kernel-gone { display: none; }
.mcp-dashboard.jupyter-widgets-disconnected .mcp-kernel-gone { display: block; }
.mcp-dashboard.jupyter-widgets-disconnected .mcp-tabs, .mcp-dashboard.jupyter-widgets-disconnected .mcp-summary {
  opacity: 0.4; pointer-events: none; }
.mcp-dashboard.jupyter-widgets-disconnected::before, .mcp-dashboard .jupyter-widgets-disconnected::before { content: none; }
</style>"""


class Dashboard(Panel):
    """``panels`` by title (Servers, Tools, Prompts, Resources, Tasks, Chat, Activity) in ``tabs``."""

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.panels: dict[str, Panel] = {cls.title: cls(wb) for cls in PANELS}
        self.tabs = widgets.Tab(children=list(self.panels.values()), titles=list(self.panels))
        self.summary = widgets.HTML()
        self.gone = widgets.HTML(
            f"<div style='border:2px solid {WARN};padding:6px 10px;margin:4px 0;font-weight:bold'>"
            f"{fa('chain-broken', WARN)} {GONE}</div>"
        )
        self.style = widgets.HTML(STYLE, layout=widgets.Layout(display="none"))
        for widget, css in ((self.gone, "mcp-kernel-gone"), (self.tabs, "mcp-tabs"), (self.summary, "mcp-summary")):
            widget.add_class(css)
        self.children = [self.style, self.gone, self.summary, self.tabs]
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

    def _ipython_display_(self) -> None:
        """Shown in a cell: the notice for when the widget cannot be drawn (hidden next to a drawn
        dashboard; HTML only, so a terminal prints nothing), then the widget."""
        from IPython.display import display

        display({"text/html": NOTICE}, raw=True)
        display(self._repr_mimebundle_(), raw=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget, with a text fallback for front ends that cannot draw it (then its kernel is
        gone, or widgets are off): it says so instead of a bare ``Dashboard(...)``."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = FALLBACK
        return bundle

    def close(self) -> None:
        for panel in self.panels.values():
            panel.close()
        self.tabs.close()
        super().close()
