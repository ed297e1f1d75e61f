"""``DashboardAPI``: ``wb.dashboard()`` for the ``Workbench`` facade, without importing ipywidgets
until a dashboard is asked for (scripts and servers never pay for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dashboard import Dashboard


class DashboardAPI:
    """A mixin for ``Workbench``; it uses ``registry``, ``on``, ``engine``, ``log`` and the async
    twins (and ``chat`` when the chat feature is mixed in too)."""

    def dashboard(self) -> Dashboard:
        """The ipywidgets dashboard for this workbench (display it: a cell's last value).

        One live dashboard per workbench: a new one closes the previous one, so re-running a
        ``%mcp ui`` cell does not leave old panels subscribed to the service's events."""
        from .dashboard import Dashboard

        previous = self.__dict__.get("_dashboard_")
        if previous is not None:
            previous.close()
        board = self.__dict__["_dashboard_"] = Dashboard(self)
        return board


def dashboard(wb: Any) -> Dashboard:
    """``wb.dashboard()``, also for a workbench whose class lacks ``DashboardAPI``."""
    method = getattr(wb, "dashboard", None)
    return method() if callable(method) else DashboardAPI.dashboard(wb)
