"""The ipywidgets dashboard: servers, a tool browser with schema-driven forms, prompts,
resources, chat and an activity log, refreshed from the ``Workbench``'s events.

``wb.dashboard()`` (``DashboardAPI`` mixed into ``Workbench``) or ``%mcp ui`` shows it;
``dashboard(wb)`` does the same for a workbench without the mixin. Only ``api`` is imported
here, so mixing ``DashboardAPI`` into the facade does not import ipywidgets; the panels live in
``widgets.dashboard`` (``Dashboard``) and ``widgets.forms`` (``SchemaForm``).
"""

from __future__ import annotations

from .api import DashboardAPI, dashboard

__all__ = ["DashboardAPI", "dashboard"]
