"""``AppHost``: the workbench's MCP Apps host, one part object per workbench.

It answers "does this tool have an app?" (the tool's ``_meta.ui.resourceUri``), builds the
``AppView`` a result shows (``r.app``), calls a tool to get its app (``wb.app``), lists the
connected servers' apps (``wb.apps()``) and holds the user's permission allow-list. It uses only
the workbench's public methods; the widget stack (anywidget) loads when a first view is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.appmeta import ui_meta, ui_resource_uri
from ..errors import ArgumentError, WorkbenchError
from .bridge import TEARDOWN_TIMEOUT_S
from .page import listed_resource
from .sandbox import PERMISSIONS, build_sandbox, check_permissions

if TYPE_CHECKING:
    from .widget import AppView

APPS_COLUMNS = ["server", "tool", "uri", "title", "csp", "permissions", "prefers_border"]
DEFAULT_MAX_HEIGHT = 2000


class AppHost:
    """The MCP Apps host of one workbench.

    ``allow``: the iframe permissions (camera, microphone, geolocation, clipboard-write) apps may
    get when their resource asks for them; none by default. ``max_height``: the tallest an app
    may make its cell, in pixels. ``teardown_timeout``: how long a closing app may take to
    answer ``ui/resource-teardown`` (save its state) before its iframe goes anyway.
    """

    def __init__(
        self, wb: Any, *, allow: list[str] | tuple[str, ...] = (), max_height: int = DEFAULT_MAX_HEIGHT,
        teardown_timeout: float = TEARDOWN_TIMEOUT_S,
    ) -> None:  # fmt: skip
        self.wb = wb
        self.allow: list[str] = check_permissions(allow)
        self.max_height = max_height
        self.teardown_timeout = teardown_timeout

    def ui_of(self, server: str, tool: str) -> tuple[Any, str] | None:
        """(the MCP Tool, its ``ui://`` URI) when ``server.tool`` has an app, else None."""
        try:
            found = self.wb.tool(f"{server}.{tool}")
        except WorkbenchError:  # disconnected since the call: no app to show
            return None
        uri = ui_resource_uri(found)
        return (found, uri) if uri is not None else None

    def view_for(self, result: Any, allow: list[str] | None = None) -> AppView | None:
        """The live view for a ``ToolResult`` (``r.app``), or None when its tool has no app."""
        found = self.ui_of(result.server, result.tool)
        if found is None:
            return None
        from .widget import AppView

        return AppView(self, result, *found, allow=None if allow is None else check_permissions(allow))

    def require_app(self, target: str) -> None:
        """Raise ``ArgumentError`` unless ``server.tool`` has an app (an unknown tool: its own error)."""
        tool = self.wb.tool(target)  # unknown server or tool: its own error, with suggestions
        if ui_resource_uri(tool) is None:
            raise ArgumentError(f"{target} has no app (no _meta.ui.resourceUri); call it with "
                                f"wb.call({target!r}, ...), or list apps with wb.apps()")  # fmt: skip

    def app(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
            allow: list[str] | None = None, **kwargs: Any) -> AppView:  # fmt: skip
        """Call ``server.tool`` and return its live app (``allow``: permissions for this one)."""
        self.require_app(target)
        return self._view(self.wb.call(target, arguments, timeout=timeout, **kwargs), allow)

    async def aapp(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
                   allow: list[str] | None = None, **kwargs: Any) -> AppView:  # fmt: skip
        """Async twin of ``app``."""
        self.require_app(target)
        return self._view(await self.wb.acall(target, arguments, timeout=timeout, **kwargs), allow)

    def _view(self, result: Any, allow: list[str] | None) -> AppView:
        view = result.app if allow is None else self.view_for(result, allow)
        if view is None:  # the server went away between the check and the call
            raise WorkbenchError(f"{result.server}.{result.tool} has no app any more")
        result.__dict__["app"] = view  # r.app is this view (ToolResult.app is a cached_property)
        return view

    def apps(self, server: str | None = None) -> pd.DataFrame:
        """One row per tool with an app: server, tool, uri, title, csp, permissions, prefers_border
        (the resource's ``_meta.ui`` as listed; the page itself is read only when shown)."""
        rows = []
        tools = self.wb.tools(server)
        for row in tools[tools["ui"].notna()].itertuples():
            listed = listed_resource(self.wb, row.server, row.ui)
            ui = ui_meta(listed)
            box = build_sandbox(ui, list(PERMISSIONS.values()))
            rows.append({
                "server": row.server, "tool": row.name, "uri": row.ui,
                "title": getattr(listed, "title", None) or row.title,
                "csp": box.csp, "permissions": box.requested, "prefers_border": ui.get("prefersBorder"),
            })  # fmt: skip
        return pd.DataFrame(rows, columns=APPS_COLUMNS)
