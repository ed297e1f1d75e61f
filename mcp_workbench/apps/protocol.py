"""JSON-RPC 2.0 between an app and the host: parse what the app sends, check params, build replies.

Whatever the iframe posts is untrusted: every message is checked here before a handler sees it,
and anything malformed becomes an ``RpcError`` (answered as a JSON-RPC error, never a
traceback). Method names and shapes follow ``@modelcontextprotocol/ext-apps``
(``dist/src/spec.types.d.ts``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mcp_types import INVALID_PARAMS, INVALID_REQUEST

# The app sends its version in ui/initialize; the host answers with it when known, else its latest.
# "2025-11-21" is what apps built with ext-apps 0.x send; the messages are the same.
PROTOCOL_VERSIONS = ("2026-01-26", "2025-11-21")
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 100_000


class RpcError(Exception):
    """A JSON-RPC error to answer with: ``code`` and a one-line ``message`` that says what to do."""

    def __init__(self, code: int, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


@dataclass(frozen=True)
class Message:
    """One checked message: a request (``id`` and ``method``), a notification (``method``) or a
    response to the host (``id`` and ``result`` or ``error``)."""

    kind: str  # "request" | "notification" | "response"
    method: str | None = None
    id: Any = None
    params: dict[str, Any] | None = None
    result: Any = None
    error: Any = None


def _check_id(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RpcError(INVALID_REQUEST, f"a JSON-RPC id is a string or an integer, got {type(value).__name__}")
    if isinstance(value, str) and len(value) > MAX_ID_CHARS:
        raise RpcError(INVALID_REQUEST, f"a JSON-RPC id has at most {MAX_ID_CHARS} characters")
    return value


def parse(raw: Any) -> Message:
    """Check a message from the app; raises ``RpcError`` (with the id when one was readable)."""
    if not isinstance(raw, dict):
        raise RpcError(INVALID_REQUEST, f"a JSON-RPC message is an object, got {type(raw).__name__}")
    request_id = raw.get("id")
    if raw.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'a JSON-RPC message needs "jsonrpc": "2.0"', _safe_id(request_id))
    if "method" in raw:
        method = raw["method"]
        if not isinstance(method, str) or not method:
            raise RpcError(INVALID_REQUEST, "method must be a non-empty string", _safe_id(request_id))
        params = raw.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, f"{method}: params must be an object", _safe_id(request_id))
        if "id" in raw:
            return Message("request", method, _check_id(request_id), params)
        return Message("notification", method, params=params)
    if "id" in raw and ("result" in raw) != ("error" in raw):
        return Message("response", id=_check_id(request_id), result=raw.get("result"), error=raw.get("error"))
    raise RpcError(INVALID_REQUEST, "not a request, notification or response (no method; no result or error)",
                   _safe_id(request_id))  # fmt: skip


def _safe_id(value: Any) -> Any:
    try:
        return _check_id(value)
    except RpcError:
        return None


def reply(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def request(request_id: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params}


# ---------------------------------------------------------------------------------- params
def text(params: dict[str, Any], key: str, method: str) -> str:
    """A required non-empty string param."""
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise RpcError(INVALID_PARAMS, f"{method}: params.{key} must be a non-empty string")
    if len(value) > MAX_TEXT_CHARS:
        raise RpcError(INVALID_PARAMS, f"{method}: params.{key} is longer than {MAX_TEXT_CHARS:,} characters")
    return value


def obj(params: dict[str, Any], key: str, method: str, *, required: bool = False) -> dict[str, Any]:
    """An object param ({} when absent and optional)."""
    value = params.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise RpcError(INVALID_PARAMS, f"{method}: params.{key} must be an object")
    return value


def number(params: dict[str, Any], key: str, method: str) -> float | None:
    """An optional finite, non-negative number."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise RpcError(INVALID_PARAMS, f"{method}: params.{key} must be a non-negative number")
    return float(value)


def content_blocks(params: dict[str, Any], key: str, method: str, *, required: bool = False) -> list[dict[str, Any]]:
    """MCP content blocks: a list of objects, each with a string ``type`` (text ones with text)."""
    value = params.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise RpcError(INVALID_PARAMS, f"{method}: params.{key} must be a list of content blocks")
    for block in value:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise RpcError(INVALID_PARAMS, f"{method}: every content block is an object with a string type")
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            raise RpcError(INVALID_PARAMS, f"{method}: a text content block needs a string text")
    return value


def block_text(blocks: list[dict[str, Any]]) -> str:
    """The text of content blocks, joined; other kinds are named, not sent."""
    parts = [b["text"] if b["type"] == "text" else f"[{b['type']} content]" for b in blocks]
    return "\n".join(parts)[:MAX_TEXT_CHARS]


def negotiate(version: str) -> str:
    """The protocol version to answer ui/initialize with."""
    return version if version in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
