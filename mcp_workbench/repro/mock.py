"""A mock MCP server from a cassette, for any client: ``python -m mcp_workbench.mock session.jsonl``.

Built on the replay session (``replay.py``) rather than the SDK's server: a server object
would answer the handshake and shape every result itself, where a mock must send back what
was recorded, byte for byte. The SDK's transports still frame the wire: ``stdio_server`` for
stdio, and ``StreamableHTTPServerTransport`` for Streamable HTTP at ``/mcp``: one stateful
transport per session for handshake-era clients, and one per request for 2026-07-28 clients
(a self-contained POST; the era is read from the ``MCP-Protocol-Version`` header, as the SDK's
session manager does). Recorded progress and log notifications go out again on the stream of
the request they belong to; a request the cassette lacks is a JSON-RPC error naming the
closest recorded one. A cassette recorded in the 2026 era also answers an ``initialize``.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

import anyio

from ..core.config import ServerSpec
from .cassette import Cassette, CassetteError, read_entries
from .replay import ReplaySession

logger = logging.getLogger("mcp_workbench.mock")
MCP_PATH = "/mcp"


def recorded_servers(path: str | Path) -> list[str]:
    """The servers a cassette has calls for, in first-seen order."""
    seen = (e["server"] for e in read_entries(path) if e.get("type") == "call")
    return list(dict.fromkeys(seen))


def choose_server(path: str | Path, server: str | None) -> str:
    """The server to mock: the one named, else the cassette's only one; a wrong name says which exist."""
    names = recorded_servers(path)
    if not names:
        raise CassetteError(f"{path} has no recorded requests: record a session first (wb.record / %mcp record)")
    if server is None:
        if len(names) > 1:
            raise CassetteError(f"{path} holds several servers ({', '.join(names)}): choose one with --server NAME")
        return names[0]
    if server not in names:
        close = difflib.get_close_matches(server, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"it has {', '.join(names)}"
        raise CassetteError(f"{path} has no server {server!r}: {hint}")
    return server


class MockServer:
    """Serves one recorded server of a cassette; the recordings of a request are served in
    order across all clients, and the last one repeats."""

    def __init__(self, path: str | Path, server: str | None = None) -> None:
        self.cassette = Cassette.load(path, "once")
        self.server = choose_server(path, server)
        self.spec = ServerSpec(name=self.server, transport="stdio", command="mock")

    async def serve_streams(self, read: Any, write: Any) -> None:
        """Answer one client's messages on a pair of transport streams until they end."""
        async with anyio.create_task_group() as tg:
            session = ReplaySession(self.cassette, self.spec, write)
            session.way_out = "a mock answers only what was recorded: record a session that makes this request"
            await session.serve(read, tg)
            tg.cancel_scope.cancel()  # the client left: nothing more to play to it

    async def serve_stdio(self) -> None:
        from mcp.server.stdio import stdio_server

        async with stdio_server() as (read, write):
            await self.serve_streams(read, write)

    async def serve_http(self, host: str, port: int, ready: Any = None) -> None:
        """Streamable HTTP at ``/mcp`` until interrupted (uvicorn handles SIGINT / SIGTERM)."""
        import uvicorn

        async with anyio.create_task_group() as tg:
            app = HttpMock(self, tg)
            config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
            server = uvicorn.Server(config)
            if ready is not None:
                ready(server)
            await server.serve()
            tg.cancel_scope.cancel()


class HttpMock:
    """The ASGI app: Streamable HTTP for both protocol eras, on top of the SDK's transport."""

    def __init__(self, mock: MockServer, tg: Any) -> None:
        from mcp.server.streamable_http import StreamableHTTPServerTransport

        self.mock = mock
        self.tg = tg
        self.sessions: dict[str, Any] = {}
        self._transport = StreamableHTTPServerTransport

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].rstrip("/") != MCP_PATH:
            await _plain(send, 404, f"not found: the mock serves MCP at {MCP_PATH}")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        version = headers.get("mcp-protocol-version")
        from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

        if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
            await self._single_exchange(scope, receive, send)
        else:
            await self._session(headers.get("mcp-session-id"), scope, receive, send)

    async def _single_exchange(self, scope: Any, receive: Any, send: Any) -> None:
        """2026-07-28: one request, one response stream, then the transport ends."""
        transport = self._transport(mcp_session_id=None, is_json_response_enabled=False, event_store=None)
        await self.tg.start(self._run, transport)
        try:
            await transport.handle_request(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await transport.terminate()

    async def _session(self, session_id: str | None, scope: Any, receive: Any, send: Any) -> None:
        """Handshake era: a stateful transport per ``Mcp-Session-Id``, made by the first request."""
        if session_id is not None:
            transport = self.sessions.get(session_id)
            if transport is None:
                await _plain(send, 404, "session not found: initialize again")
                return
        else:
            transport = self._transport(mcp_session_id=uuid4().hex, is_json_response_enabled=False, event_store=None)
            self.sessions[transport.mcp_session_id] = transport
            await self.tg.start(self._run, transport)
        await transport.handle_request(scope, receive, send)
        if transport.is_terminated:  # the client ended the session (DELETE)
            self.sessions.pop(transport.mcp_session_id, None)

    async def _run(self, transport: Any, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        try:
            async with transport.connect() as (read, write):
                task_status.started()
                await self.mock.serve_streams(read, write)
        except Exception:  # one client's failure must not stop the server
            logger.exception("a mock session failed")
        finally:
            self.sessions.pop(transport.mcp_session_id, None)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mcp_workbench.mock CASSETTE [--server NAME] [--http [--host H] [--port N]]``."""
    parser = argparse.ArgumentParser(prog="python -m mcp_workbench.mock", description=__doc__.splitlines()[0])
    parser.add_argument("cassette", help="a cassette written by wb.record / %%mcp record")
    parser.add_argument("--server", help="the recorded server to mock (needed when the cassette has several)")
    parser.add_argument("--http", action="store_true", help=f"serve Streamable HTTP at {MCP_PATH} (default: stdio)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="mock: %(message)s")  # stdout is the wire
    logging.getLogger("mcp_workbench").setLevel(logging.INFO)  # misses are worth a line
    try:
        mock = MockServer(args.cassette, args.server)
    except CassetteError as exc:
        print(f"mcp_workbench.mock: {exc}", file=sys.stderr)
        return 2
    if args.http:
        url = f"http://{args.host}:{args.port}{MCP_PATH}"
        print(f"mock of {mock.server!r} from {args.cassette} at {url} (Ctrl-C stops it)", file=sys.stderr, flush=True)
        anyio.run(mock.serve_http, args.host, args.port)
    else:
        anyio.run(mock.serve_stdio)
    return 0
