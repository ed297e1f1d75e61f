"""What a tool's ``_meta.ui`` says under the MCP Apps extension (``io.modelcontextprotocol/ui``).

# apps: protocol metadata of a listed tool, like its annotations: the ``ui`` column of
# ``wb.tools()`` (views), the tools a chat hides from its model (chat) and the app host (apps)
# all read it here, so none of them imports another for it.
"""

from __future__ import annotations

from typing import Any

EXTENSION_ID = "io.modelcontextprotocol/ui"
APP_MIME_TYPE = "text/html;profile=mcp-app"
LEGACY_URI_KEY = "ui/resourceUri"  # the deprecated flat form hosts must still read
DEFAULT_VISIBILITY = ("model", "app")  # the spec's default when _meta.ui.visibility is absent


def _meta(tool: Any) -> dict[str, Any]:
    meta = getattr(tool, "meta", None)
    return meta if isinstance(meta, dict) else {}


def ui_meta(tool: Any) -> dict[str, Any]:
    """The tool's ``_meta.ui`` object ({} when absent or not an object)."""
    ui = _meta(tool).get("ui")
    return ui if isinstance(ui, dict) else {}


def ui_resource_uri(tool: Any) -> str | None:
    """The ``ui://`` resource the tool renders, or None (also for a URI of another scheme)."""
    uri = ui_meta(tool).get("resourceUri")
    if uri is None:
        uri = _meta(tool).get(LEGACY_URI_KEY)
    return uri if isinstance(uri, str) and uri.startswith("ui://") else None


def visibility(tool: Any) -> tuple[str, ...]:
    """Who may call the tool: "model" (the agent), "app" (its server's apps); both by default.

    A malformed value counts as absent (the default); an empty list means nobody."""
    value = ui_meta(tool).get("visibility")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return DEFAULT_VISIBILITY
    return tuple(value)


def visible_to(tool: Any, who: str) -> bool:
    """``visible_to(tool, "app")``: may an app call it; ``"model"``: may a chat's model see it."""
    return who in visibility(tool)


def apps_extension() -> Any:
    """What a connection advertises in its handshake: this client renders MCP Apps."""
    from mcp.client.extension import advertise  # the SDK loads with the first workbench, not here

    return advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
