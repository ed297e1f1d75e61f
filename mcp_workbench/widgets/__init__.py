"""The ipywidgets dashboard: servers, a tool browser with schema-driven forms, prompts,
resources, chat and an activity log, refreshed from the ``Workbench``'s events.

``wb.dashboard()`` or ``%mcp ui`` shows it. Only ``api`` (``DashboardHost``, the workbench's
part) is imported here, so building a ``Workbench`` does not import ipywidgets; the panels live
in ``widgets.dashboard`` (``Dashboard``) and ``widgets.forms`` (``SchemaForm``).
"""

from __future__ import annotations

from .api import DashboardHost

__all__ = ["DashboardHost"]
