"""A stdio MCP server with every problem ``wb.lint`` looks for, written as a raw JSON-RPC loop
(the SDK's server would refuse to serve most of them). Handshake era: it answers ``initialize``
and reports ``server/discover`` as an unknown method, so clients fall back."""

from __future__ import annotations

import json
import sys
from typing import Any

OBJECT = {"type": "object", "properties": {}}
TOOLS: list[dict[str, Any]] = [
    {"name": "fine", "description": "A tool with nothing wrong.", "inputSchema": OBJECT},
    {"name": "bad name!", "description": "Spaces and punctuation.", "inputSchema": OBJECT},
    {"name": "dotted.name", "description": "Valid MCP, not a valid model function name.", "inputSchema": OBJECT},
    {"name": "twice", "description": "First of two.", "inputSchema": OBJECT},
    {"name": "twice", "description": "Second of two.", "inputSchema": OBJECT},
    {"name": "silent", "inputSchema": OBJECT},
    {"name": "bad_input", "description": "Invalid input schema.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "strng"}}}},
    {"name": "bad_output", "description": "Invalid output schema.", "inputSchema": OBJECT,
     "outputSchema": {"type": "object", "properties": {"n": {"minimum": "zero"}}}},
    {"name": "needs_b", "description": "Requires a field it never defines.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]}},
    {"name": "counts", "description": "Promises an integer n, returns a string.", "inputSchema": OBJECT,
     "outputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
    {"name": "both", "description": "Read-only and destructive at once.", "inputSchema": OBJECT,
     "annotations": {"readOnlyHint": True, "destructiveHint": True}},
    {"name": "verbose", "description": "Explains itself at length. " * 200, "inputSchema": OBJECT},
]
PROMPTS = [
    {"name": "greet", "description": "Say hello."},
    {"name": "greet", "description": "Say hello again."},
    {"name": "no words"},
]


def answer(method: str, params: dict[str, Any]) -> dict[str, Any]:
    if method == "initialize":
        return {"result": {"protocolVersion": "2025-11-25", "serverInfo": {"name": "flawed", "version": "0.1"},
                           "capabilities": {"tools": {}, "prompts": {}}}}
    if method == "tools/list":
        return {"result": {"tools": TOOLS}}
    if method == "prompts/list":
        return {"result": {"prompts": PROMPTS}}
    if method == "tools/call" and params.get("name") == "counts":
        return {"result": {"content": [{"type": "text", "text": "five"}], "structuredContent": {"n": "five"}}}
    if method == "tools/call":
        return {"result": {"content": [{"type": "text", "text": "ok"}]}}
    if method == "ping":
        return {"result": {}}
    return {"error": {"code": -32601, "message": f"Method not found: {method}"}}


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue  # notifications and replies
        reply = {"jsonrpc": "2.0", "id": message["id"], **answer(message["method"], message.get("params") or {})}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
