"""An HTTP client on which a failed sign-in fails one MCP request, not the whole connection.

An exception raised by an ``httpx2.Auth`` flow escapes the Streamable HTTP transport's task
group: the transport ends, every request in flight sees "connection lost", and the reason
is lost. Answered instead with a JSON-RPC error for the request's id, the failure reaches
the caller as that request's error (``ProtocolError`` for a call, the connect error for
``initialize``) with the sign-in's own one-line message, and the session stays usable.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from .errors import AuthError

AUTH_FAILED = -32010  # in the JSON-RPC range MCP leaves to implementations (-32000..-32019)


def jsonrpc_error(request: httpx2.Request, exc: AuthError) -> httpx2.Response | None:
    """A JSON-RPC error response for the MCP request in ``request``; None if it carries none."""
    try:
        message = json.loads(request.content)
    except (ValueError, httpx2.RequestNotRead):
        return None
    if not isinstance(message, dict) or "id" not in message or "method" not in message:
        return None
    body = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": AUTH_FAILED, "message": str(exc)}}
    return httpx2.Response(401, json=body, request=request)


class AuthGuardedClient(httpx2.AsyncClient):
    """``httpx2.AsyncClient`` that turns an ``AuthError`` into the request's JSON-RPC error."""

    async def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        try:
            return await super().send(request, **kwargs)
        except AuthError as exc:
            response = jsonrpc_error(request, exc)
            if response is None:
                raise
            return response
