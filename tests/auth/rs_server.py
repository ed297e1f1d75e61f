"""A protected MCP server (the resource server) for tests: the SDK's ``MCPServer`` with
``AuthSettings`` and a token verifier that asks the test authorization server's provider.

``ResourceGate`` sits in front of it to vary what a client must cope with: where the
protected-resource metadata is found (``discovery``: "header" = ``WWW-Authenticate
resource_metadata``, "path" = only the path-based well-known URL, "root" = only the root
one, "none" = nowhere), metadata that names another resource, tools that need an extra
scope (403 ``insufficient_scope``, for step-up), and a 2025-03-26-era server
(``legacy_metadata``: no protected-resource metadata, the authorization server's metadata
served at the MCP server's own origin, as that era's spec asked). It records every bearer
token it sees.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from mcp.server.auth.provider import ProviderTokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from .as_server import MemoryProvider
from .asgi import read_body, replay

PRM_ROOT = "/.well-known/oauth-protected-resource"
ASM_ROOT = "/.well-known/oauth-authorization-server"


class ResourceGate:
    def __init__(
        self, app: Any, provider: MemoryProvider, resource_url: str, *, discovery: str = "header",
        tool_scopes: dict[str, list[str]] | None = None, claimed_resource: str | None = None,
        legacy_metadata: bool = False,
    ) -> None:  # fmt: skip
        self.app, self.provider, self.resource_url = app, provider, resource_url
        self.discovery, self.tool_scopes, self.claimed_resource = discovery, tool_scopes or {}, claimed_resource
        self.legacy_metadata = legacy_metadata
        self.tokens: list[str | None] = []
        self.statuses: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(PRM_ROOT):
            await self._metadata(scope, receive, send)
            return
        if path == ASM_ROOT:  # 2025-03-26: the client looks for the AS metadata at the MCP server's origin
            body = legacy_as_metadata(self.provider) if self.legacy_metadata else None
            await (JSONResponse(body) if body else Response(status_code=404))(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        token = headers.get("authorization", "")[7:] or None
        self.tokens.append(token)
        if scope["method"] == "POST":
            body = await read_body(receive)
            receive = replay(body, receive)
            needed = self._needed_scopes(body)
            granted = self.provider.access.get(token or "")
            if needed and granted is not None and not set(needed) <= set(granted.scopes):
                challenge = " ".join(dict.fromkeys([*granted.scopes, *needed]))
                www = f'Bearer error="insufficient_scope", scope="{challenge}", resource_metadata="{self._prm_url()}"'
                self.statuses.append(403)
                await JSONResponse({"error": "insufficient_scope"}, 403, {"WWW-Authenticate": www})(scope, receive, send)
                return
        await self.app(scope, receive, self._rewriting(send))

    def _needed_scopes(self, body: bytes) -> list[str]:
        try:
            message = json.loads(body)
        except ValueError:
            return []
        if isinstance(message, dict) and message.get("method") == "tools/call":
            return self.tool_scopes.get(message.get("params", {}).get("name"), [])
        return []

    def _prm_url(self) -> str:
        origin, _, path = self.resource_url.partition("://")[2].partition("/")
        return f"http://{origin}{PRM_ROOT}/{path}"

    async def _metadata(self, scope: Scope, receive: Receive, send: Send) -> None:
        at_root = scope["path"] == PRM_ROOT
        served = {"header": True, "path": not at_root, "root": at_root, "none": False}[self.discovery]
        if not served:
            await Response(status_code=404)(scope, receive, send)
            return
        body = {"resource": self.claimed_resource or self.resource_url, "authorization_servers": [self.provider.issuer],
                "scopes_supported": ["mcp"], "bearer_methods_supported": ["header"]}  # fmt: skip
        await JSONResponse(body)(scope, receive, send)

    def _rewriting(self, send: Send) -> Send:
        """Record the status; outside "header" discovery, drop resource_metadata from the challenge."""

        async def rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses.append(message["status"])
                if self.discovery != "header":
                    message = dict(message)
                    message["headers"] = [
                        (k, v.split(b", resource_metadata=")[0] if k.lower() == b"www-authenticate" else v)
                        for k, v in message["headers"]
                    ]
            await send(message)

        return rewritten


def legacy_as_metadata(provider: MemoryProvider) -> dict[str, Any]:
    """The authorization server's own metadata (its issuer, its endpoints), as a 2025-03-26-era
    MCP server published it at its origin for the identity provider it delegates to."""
    from mcp.server.auth.routes import build_metadata
    from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
    from pydantic import AnyHttpUrl

    options = ClientRegistrationOptions(enabled=True, valid_scopes=["mcp", "admin"], default_scopes=["mcp"])
    metadata = build_metadata(AnyHttpUrl(provider.issuer), None, options, RevocationOptions(enabled=True))
    return metadata.model_dump(mode="json", exclude_none=True)


def resource_server_app(provider: MemoryProvider, resource_url: str, **gate: Any) -> ResourceGate:
    """The protected MCP server at ``resource_url`` (path /mcp), wrapped in a ``ResourceGate``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = AuthSettings(
            issuer_url=provider.issuer, resource_server_url=resource_url, required_scopes=["mcp"],
            validate_token_resource=True,
        )  # fmt: skip
    server = MCPServer("protected", token_verifier=ProviderTokenVerifier(provider), auth=settings)  # type: ignore[arg-type]
    gate_app = ResourceGate(None, provider, resource_url, **gate)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    def admin_op() -> str:
        """Needs the admin scope."""
        return "admin done"

    @server.tool()
    def whoami() -> str:
        """A leaky server: returns the bearer token it was called with."""
        return f"you are {gate_app.tokens[-1]}"

    gate_app.app = server.streamable_http_app()
    return gate_app
