"""``DashboardHost``: the dashboard part of the ``Workbench``, without importing ipywidgets
until a dashboard is asked for (scripts and servers never pay for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dashboard import Dashboard


class DashboardHost:
    """Makes the workbench's dashboard; one live dashboard at a time."""

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        self.current: Dashboard | None = None
        #: Ask before the Tools tab runs a tool annotated destructive (``%config
        #: McpWorkbench.confirm_destructive`` sets it); ``wb.call`` from code never asks.
        self.confirm_destructive = True

    def open(self) -> Dashboard:
        """A new dashboard; the previous one is closed, so re-running a ``%mcp ui`` cell does not
        leave old panels subscribed to the workbench's events."""
        from .dashboard import Dashboard

        if self.current is not None:
            self.current.close()
        self.current = Dashboard(self._wb)
        return self.current
