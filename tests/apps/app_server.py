"""An MCP server of awkward apps, for the host's checks (``python -m tests.apps.app_server``, stdio).

- ``maps``: an app whose resource asks for network domains (one entry malformed, one an attempt
  to smuggle a directive into the CSP) and for camera and clipboard-write permissions;
- ``legacy``: the same app named by the deprecated flat ``_meta["ui/resourceUri"]``;
- ``listed``: an app whose ``_meta.ui`` is only on the listed resource, not on the read content;
- ``wrong_mime``: a ``ui://`` page served as plain ``text/html`` (hosts must not render it);
- ``missing``: a tool whose ``ui://`` resource does not exist.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mcp.server.apps import Apps, ResourceCsp, ResourcePermissions
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resources import TextResource

PAGE = "<!doctype html><html><head><title>t</title></head><body><p id='p'>awkward app</p></body></html>"
MAPS_URI, LISTED_URI = "ui://test/maps.html", "ui://test/listed.html"
LISTED_META = {"ui": {"csp": {"connectDomains": ["https://listed.example.com"]}, "prefersBorder": False}}


class AppTestServer(MCPServer):
    """Reads ``LISTED_URI`` without its ``_meta`` (the listing keeps it)."""

    async def read_resource(self, uri: Any, context: Any = None) -> Any:
        contents = await super().read_resource(uri, context)
        if str(uri) == LISTED_URI:
            return [dataclasses.replace(c, meta=None) for c in contents]
        return contents


def build() -> MCPServer:
    apps = Apps()

    @apps.tool(resource_uri=MAPS_URI, title="Maps", description="An app that wants the network and a camera.")
    def maps(city: str = "Seoul") -> str:
        return f"map of {city}"

    @apps.tool(resource_uri=LISTED_URI, description="An app whose metadata is only listed.")
    def listed() -> str:
        return "listed"

    csp = ResourceCsp(connect_domains=["https://api.example.com", "wss://live.example.com:8443"],
                      resource_domains=["https://*.cdn.example.com"],
                      frame_domains=["https://x.example.com; script-src *", "javascript:alert(1)"])  # fmt: skip
    permissions = ResourcePermissions(camera={}, clipboard_write={})
    apps.add_html_resource(MAPS_URI, PAGE, title="Maps app", csp=csp, permissions=permissions, prefers_border=True)
    apps.add_resource(TextResource(uri=LISTED_URI, name="listed", text=PAGE, meta=LISTED_META))
    server = AppTestServer("awkward-apps", extensions=[apps])

    @server.tool(description="The maps app, named the deprecated way.", meta={"ui/resourceUri": MAPS_URI})
    def legacy() -> str:
        return "legacy"

    @server.tool(description="A page served as plain text/html.", meta={"ui": {"resourceUri": "ui://test/wrong.html"}})
    def wrong_mime() -> str:
        return "wrong"

    @server.tool(description="A page that does not exist.", meta={"ui": {"resourceUri": "ui://test/missing.html"}})
    def missing() -> str:
        return "missing"

    @server.resource("ui://test/wrong.html", mime_type="text/html")
    def wrong_page() -> str:
        return PAGE

    return server


if __name__ == "__main__":
    build().run("stdio")
