"""The WebSocket client transport: JSON-RPC messages as WebSocket text frames, ``mcp`` subprotocol.

The SDK (2.3) ships no WebSocket client, so this is one built like its own clients: a context
manager yielding ``(read_stream, write_stream)`` of ``SessionMessage``, with a reader task
(frames -> messages; a frame that is not JSON-RPC becomes an exception the session reports)
and a writer task (messages -> frames). When the server closes the socket the read stream
ends, which the session turns into "connection closed" for every pending request, exactly as
it does when a stdio server's stdout ends. ``websockets`` loads on first connect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from ..errors import MalformedMessageError

SUBPROTOCOL = "mcp"


@asynccontextmanager
async def websocket_client(
    url: str, *, headers: dict[str, str] | None = None, open_timeout: float = 30.0, ssl: Any = None
) -> AsyncIterator[tuple[Any, Any]]:
    """Connect to ``url`` (ws:// or wss://) asking for the ``mcp`` subprotocol; yields the streams."""
    import mcp_types as types
    from mcp.shared.message import SessionMessage
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed
    from websockets.typing import Subprotocol

    read_writer, read_stream = anyio.create_memory_object_stream[Any](0)
    write_stream, write_reader = anyio.create_memory_object_stream[Any](0)
    options: dict[str, Any] = {"ssl": ssl} if ssl is not None and url.startswith("wss://") else {}
    # max_size=None: a large result must not kill the connection (stdio and HTTP have no limit either).
    async with connect(url, subprotocols=[Subprotocol(SUBPROTOCOL)], additional_headers=headers,
                       open_timeout=open_timeout, max_size=None, **options) as socket:  # fmt: skip

        async def reader() -> None:
            async with read_writer:
                try:
                    async for frame in socket:
                        try:
                            item: Any = SessionMessage(types.jsonrpc_message_adapter.validate_json(frame, by_name=False))
                        except ValueError:  # pending requests fail with it at once; the socket goes on
                            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                            reason = MalformedMessageError.reason_for(text)
                            item = MalformedMessageError(text, "sent a WebSocket frame", reason)
                        await read_writer.send(item)
                except ConnectionClosed:
                    pass  # the server closed the socket: the read stream ends, pending requests fail
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    pass  # our own shutdown

        async def writer() -> None:
            async with write_reader:
                async for message in write_reader:
                    try:
                        await socket.send(message.message.model_dump_json(by_alias=True, exclude_unset=True))
                    except ConnectionClosed:
                        await read_writer.aclose()  # nothing more will arrive: let the session see the end

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(reader)
            tasks.start_soon(writer)
            try:
                yield read_stream, write_stream
            finally:
                tasks.cancel_scope.cancel()
                for stream in (read_stream, write_stream):
                    await stream.aclose()
