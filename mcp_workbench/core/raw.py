"""Raw requests: any method with any params on a live session, the result as plain JSON.

The bench (verify, lint) compares what a server says now with what it said when a cassette
was recorded, so it needs the result as it was on the wire, not a typed model dumped back
(which drops unknown fields and changes nulls). The request still goes through the SDK's
session, so era stamping (``_meta``, ``Mcp-Name`` headers), timeouts and errors behave like
every other request.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types.methods import MONOLITH_REQUESTS
from pydantic import ConfigDict, TypeAdapter

_RESULT = TypeAdapter(dict[str, Any])


class _AnyParams(types.RequestParams):
    model_config = ConfigDict(extra="allow")


class _AnyRequest(types.Request[_AnyParams | None, str]):
    """A request of a method the SDK has no model for (an extension's): params pass as given."""


def build_request(method: str, params: dict[str, Any] | None) -> Any:
    """The SDK's request model for ``method`` (params validated as the SDK would), else a generic one."""
    body = {"method": method, "params": params or {}}
    model = MONOLITH_REQUESTS.get(method)
    return (model or _AnyRequest).model_validate(body)


async def raw_outcome(client: Client, method: str, params: dict[str, Any] | None, timeout: float | None) -> dict[str, Any]:
    """Send one request on ``client``'s session: ``{"result": {...}}`` or the server's
    ``{"error": {"code", "message", "data"}}``, as a cassette keeps them. A lost connection or
    a timeout still raises (the caller translates those)."""
    request = build_request(method, params)
    try:
        return {"result": await client.session.send_request(request, _RESULT, request_read_timeout_seconds=timeout)}
    except MCPError as exc:
        if exc.code in (types.CONNECTION_CLOSED, types.REQUEST_TIMEOUT):
            raise
        return {"error": exc.error.model_dump(by_alias=True, exclude_none=True, mode="json")}


def handshake_info(protocol_version: str | None, server_info: Any, capabilities: Any, instructions: str | None) -> dict[str, Any]:
    """What a connection learned in its handshake, as JSON (the same shape for both eras)."""

    def dump(model: Any) -> Any:
        return model.model_dump(by_alias=True, exclude_none=True, mode="json") if model is not None else None

    return {"protocolVersion": protocol_version, "serverInfo": dump(server_info),
            "capabilities": dump(capabilities), "instructions": instructions}  # fmt: skip
