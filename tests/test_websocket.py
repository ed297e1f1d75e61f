"""The WebSocket transport over real loopback sockets: the demo server's ``--ws`` endpoint, a relay
that hangs up like a dying server, headers, config files, the ``%mcp connect`` line."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import CallTimeoutError, ConfigError, ConnectionFailedError, ProtocolError, Workbench
from mcp_workbench.core.config import ServerSpec
from tests.servers import demo_server, free_port, wait_until, DEMO_TOOLS

SECRET = "sk-planted-ws-0123456789"


class Relay:
    """A WebSocket server on loopback that forwards every frame to the demo's ``--ws`` endpoint and
    back, records the handshake headers, and closes the client's socket when told to: when a
    frame asks for ``sleep_forever`` (mid-call) or on ``hang_up()`` (while idle)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.headers: list[dict[str, str]] = []
        self.subprotocols: list[str | None] = []
        self.garble_next = False  # replace the server's next frame with garbage
        self._clients: set[Any] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),), daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/mcp"

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._stop = asyncio.Event()
        async with serve(self._handle, "127.0.0.1", self.port, subprotocols=["mcp"], max_size=None):
            self._ready.set()
            await self._stop.wait()

    async def _handle(self, client: Any) -> None:
        from websockets.asyncio.client import connect

        self.headers.append({k.lower(): v for k, v in client.request.headers.raw_items()})
        self.subprotocols.append(client.subprotocol)
        self._clients.add(client)
        try:
            async with connect(self.upstream, subprotocols=["mcp"], max_size=None) as server:

                async def down() -> None:
                    async for frame in server:
                        if self.garble_next:  # a frame that is not JSON-RPC instead of the answer
                            self.garble_next = False
                            await client.send("this is not JSON-RPC " + "x" * 300)
                            continue
                        await client.send(frame)

                async def up() -> None:
                    async for frame in client:
                        if "sleep_forever" in frame:
                            await client.close(1011, "going away mid-call")
                            return
                        await server.send(frame)

                done, pending = await asyncio.wait([asyncio.ensure_future(down()), asyncio.ensure_future(up())],
                                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                for task in pending:
                    task.cancel()
        finally:
            self._clients.discard(client)

    def hang_up(self) -> None:
        """Close every client socket, as a server that goes away while nobody is calling."""

        async def close_all() -> None:
            for client in list(self._clients):
                await client.close(1001, "server going away")

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(10)

    def close(self) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture
def relay(demo_ws_url: str) -> Iterator[Relay]:
    r = Relay(demo_ws_url)
    yield r
    r.close()


def test_websocket_connects_by_url_scheme_with_the_mcp_subprotocol(wb: Workbench, relay: Relay) -> None:
    info = wb.connect("w", url=relay.url)
    assert info.transport == "websocket" and info.tools == DEMO_TOOLS
    assert relay.subprotocols == ["mcp"]
    assert wb.call("w.add", a=2, b=3).value == 5
    assert len(wb.resources("w")) == 29  # every page
    progress: list[float] = []
    wb.call("w.slow", seconds=0.1, steps=2, on_progress=lambda p, t, m: progress.append(p))
    assert progress == [1, 2]
    assert wb.ping("w").iloc[0]["latency_ms"] > 0
    assert wb.connect("x", url=relay.url, transport="websocket").transport == "websocket"


def test_closed_socket_mid_call_is_a_lost_connection_then_the_next_call_reconnects(
    wb: Workbench, relay: Relay
) -> None:
    wb.connect("w", url=relay.url, timeout=60)
    # The hang-up fails the call at once (not its 60 s timeout: that would be a CallTimeoutError),
    # with the same words as a stdio server that died mid-call.
    with pytest.raises(ConnectionFailedError, match=r"server 'w' (process exited|connection lost)"):
        wb.call("w.sleep_forever")
    assert wb.history().iloc[-1][["tool", "status"]].tolist() == ["sleep_forever", "error"]
    row = wb.servers().set_index("name").loc["w"]
    assert row.status == "error" and "w" in row.last_error
    assert wb.call("w.add", a=2, b=3).value == 5  # a new socket, by itself
    assert wb.servers().set_index("name").loc["w", "status"] == "connected"
    assert len(relay.headers) == 2


def test_a_frame_that_is_not_json_rpc_fails_the_call_at_once(wb: Workbench, relay: Relay) -> None:
    wb.connect("w", url=relay.url, timeout=60)
    relay.garble_next = True
    with pytest.raises(ProtocolError, match=r"sent a WebSocket frame that is not JSON-RPC \(not JSON: .*'this is not JSON-RPC x") as caught:
        wb.call("w.add", a=1, b=2)
    assert " …" in str(caught.value) and "x" * 300 not in str(caught.value)  # quoted, cut at 200 characters
    assert wb.server("w").is_open and wb.call("w.add", a=2, b=3).value == 5  # the socket goes on
    assert wb.history(server="w")["status"].tolist()[-2:] == ["error", "ok"]


def test_socket_closed_while_idle_is_noticed(wb: Workbench, relay: Relay) -> None:
    wb.connect("w", url=relay.url)
    seen: list[dict] = []
    wb.on("connection_status_changed", seen.append)
    relay.hang_up()
    assert wait_until(lambda: any(e["status"] == "error" for e in seen), timeout=10)
    assert "closed the connection" in wb.server("w").last_error
    assert wb.call("w.echo", text="back").text == "back"


def test_a_hung_call_times_out_and_the_socket_stays_usable(wb: Workbench, demo_ws_url: str) -> None:
    wb.connect("w", url=demo_ws_url)
    with pytest.raises(CallTimeoutError, match=r"w: tool 'sleep_forever' did not answer within 0.5 s"):
        wb.call("w.sleep_forever", timeout=0.5)
    assert wb.server("w").status == "connected" and wb.call("w.add", a=1, b=2).value == 3


def test_crashing_server_process_fails_the_call(wb: Workbench) -> None:
    with demo_server("--ws") as port:
        wb.connect("w", url=f"ws://127.0.0.1:{port}/mcp")
        with pytest.raises(ConnectionFailedError, match=r"server 'w' connection lost"):
            wb.call("w.crash")
        assert wb.server("w").status == "error"


def test_headers_and_env_references_reach_the_handshake_but_never_the_frames(
    wb: Workbench, relay: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCPWB_WS_TOKEN", SECRET)
    wb.connect("w", url=relay.url, headers={"Authorization": "Bearer ${env:MCPWB_WS_TOKEN}"})
    assert relay.headers[-1]["authorization"] == f"Bearer {SECRET}"
    assert wb.call("w.add", a=1, b=1).value == 2
    shown = wb.servers().to_string() + repr(wb.server("w").spec) + json.dumps(wb.server("w").spec.to_safe_dict())
    assert SECRET not in shown and "${env:MCPWB_WS_TOKEN}" in shown


def test_traffic_is_traced_over_websocket(wb: Workbench, relay: Relay) -> None:
    wb.connect("w", url=relay.url)
    wb.trace("w")
    wb.call("w.add", a=1, b=2)
    df = wb.traffic("w")
    assert list(df[df["kind"] == "response"]["method"]) == ["tools/call"]


def test_unreachable_and_wrong_urls_are_one_line_errors(wb: Workbench) -> None:
    with pytest.raises(ConnectionFailedError, match="could not connect to 'down'"):
        wb.connect("down", url=f"ws://127.0.0.1:{free_port()}/mcp", connect_timeout=5)
    with pytest.raises(ConfigError, match=r"url must start with ws:// or wss://"):
        wb.connect("x", url="http://127.0.0.1:1/mcp", transport="websocket")
    with pytest.raises(ConnectionFailedError, match="OAuth sign-in is for HTTP servers"):
        wb.connect("o", url=f"ws://127.0.0.1:{free_port()}/mcp", auth="oauth", connect_timeout=5)
    assert ServerSpec.build("s", url="wss://example.test/mcp").transport == "websocket"
    assert ServerSpec.build("s", url="ws://h/mcp", transport="ws").transport == "websocket"


def test_config_files_take_websocket_servers(wb: Workbench, tmp_path: Path, demo_ws_url: str) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"w": {"url": demo_ws_url}, "t": {"url": demo_ws_url, "type": "ws"}}}))
    df = wb.load_config(path).set_index("name")
    assert (df["status"] == "connected").all() and set(df["transport"]) == {"websocket"}


def test_export_history_reconnects_a_websocket_server(wb: Workbench, tmp_path: Path, demo_ws_url: str) -> None:
    wb.connect("w", url=demo_ws_url)
    wb.call("w.add", a=1, b=2)
    script = wb.export_history(tmp_path / "calls.py").read_text()
    assert f"wb.connect('w', url='{demo_ws_url}')" in script
