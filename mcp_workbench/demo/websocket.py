"""Serve an ``MCPServer`` over WebSocket (``--ws``): one MCP session per socket, at ``/mcp``.

The SDK (2.3) has no server-side WebSocket transport, so this bridges a Starlette WebSocket
route to the low-level server's ``run(read_stream, write_stream, ...)``, the way its stdio
server does: one JSON-RPC message per text frame, the ``mcp`` subprotocol when the client asks
for it. The session ends when the client goes away (or the process does).
"""

from __future__ import annotations

from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

SUBPROTOCOL = "mcp"


def websocket_app(server: Any, path: str = "/mcp") -> Starlette:
    """A Starlette app serving ``server`` (an ``MCPServer``) over WebSocket at ``path``."""
    lowlevel = server._lowlevel_server  # MCPServer has no public accessor; its own transports use it too

    async def endpoint(socket: WebSocket) -> None:
        asked = socket.scope.get("subprotocols") or []
        await socket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in asked else None)
        read_writer, read_stream = anyio.create_memory_object_stream[Any](0)
        write_stream, write_reader = anyio.create_memory_object_stream[Any](0)

        async def reader() -> None:
            async with read_writer:
                try:
                    while True:
                        frame = await socket.receive()
                        if frame["type"] == "websocket.disconnect":
                            return
                        data = frame.get("text") or frame.get("bytes") or ""
                        try:
                            item: Any = SessionMessage(types.jsonrpc_message_adapter.validate_json(data, by_name=False))
                        except ValueError as exc:
                            item = exc
                        await read_writer.send(item)
                except (WebSocketDisconnect, anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return

        async def writer() -> None:
            async with write_reader:
                try:
                    async for message in write_reader:
                        await socket.send_text(message.message.model_dump_json(by_alias=True, exclude_unset=True))
                except (WebSocketDisconnect, RuntimeError):  # the client is gone
                    return

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(reader)
            tasks.start_soon(writer)
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
            tasks.cancel_scope.cancel()

    return Starlette(routes=[WebSocketRoute(path, endpoint)])


def run_websocket(server: Any, host: str, port: int) -> None:
    """Serve until interrupted (uvicorn, with the ``websockets`` implementation)."""
    import uvicorn

    uvicorn.run(websocket_app(server), host=host, port=port, log_level="warning", ws="websockets")
