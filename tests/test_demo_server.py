"""The bundled demo server over real stdio, Streamable HTTP, SSE and WebSocket (no mocks).

The HTTP servers run as real subprocesses on loopback; each test module run starts one of each
and terminates it in the fixture finalizer.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.sse import sse_client

from mcp_workbench.core.websocket import websocket_client
from mcp_workbench.demo.server import build_server
from tests.servers import ROOT, SUB_ENV, demo_server

TOOLS = {"add", "echo", "slow", "image", "table", "fail", "delete_all", "env", "crash", "sleep_forever", "add_tool", "big",
         "counter", "increment", "reset",  # the counter MCP App (demo/counter.py)
         "countdown", "research", "bump", "chatter", "links"}  # tasks, a subscribable resource, logs, links (demo/modern.py)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    with demo_server("--http") as port:
        yield port


@pytest.fixture(scope="module")
def sse_port() -> Iterator[int]:
    with demo_server("--sse") as port:
        yield port


@pytest.fixture(scope="module")
def ws_port() -> Iterator[int]:
    with demo_server("--ws") as port:
        yield port


def stdio_params(**env: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "mcp_workbench.demo"],
                                 env={**SUB_ENV, **env}, cwd=str(ROOT))


def _client(kind: str, request: pytest.FixtureRequest, **kwargs: Any) -> Client:
    """A Client for one transport; SSE is wrapped by passing the sse_client context manager as a Transport."""
    if kind == "stdio":
        return Client(stdio_params(), **kwargs)
    if kind == "http":
        return Client(f"http://127.0.0.1:{request.getfixturevalue('http_port')}/mcp", **kwargs)
    if kind == "ws":  # the SDK has no WebSocket client: ours, as a Transport
        return Client(websocket_client(f"ws://127.0.0.1:{request.getfixturevalue('ws_port')}/mcp"), **kwargs)
    return Client(sse_client(f"http://127.0.0.1:{request.getfixturevalue('sse_port')}/sse"), **kwargs)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["stdio", "http", "sse", "ws"])
async def test_tools_over_transport(kind: str, request: pytest.FixtureRequest) -> None:
    progress: list[tuple[float, float | None, str | None]] = []
    logs: list[Any] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def on_log(params: Any) -> None:
        logs.append(params)

    # log_level opts in to log messages on 2026-07-28 connections; a callback alone does not.
    async with _client(kind, request, logging_callback=on_log, log_level="info") as client:
        assert client.server_info is not None and client.server_info.name == "mcp-workbench-demo"
        listing = await client.list_tools()
        assert listing.next_cursor is None
        tools = {t.name: t for t in listing.tools}
        assert TOOLS <= set(tools)
        for name in ("add", "echo", "table"):
            assert tools[name].annotations and tools[name].annotations.read_only_hint is True
        destructive = tools["delete_all"].annotations
        assert destructive and destructive.destructive_hint is True and destructive.read_only_hint is False
        assert all(t.title and t.description for t in listing.tools)

        added = await client.call_tool("add", {"a": 1, "b": 2})
        assert not added.is_error and added.structured_content == {"result": 3}
        assert added.content[0].type == "text" and added.content[0].text == "3"

        img = await client.call_tool("image", {"width": 8, "height": 4, "color": "blue"})
        block = img.content[0]
        assert block.type == "image" and block.mime_type == "image/png"
        assert base64.b64decode(block.data).startswith(b"\x89PNG\r\n\x1a\n")

        table = await client.call_tool("table", {"rows": 3})
        assert tools["table"].output_schema is not None and "rows" in tools["table"].output_schema["properties"]
        rows = table.structured_content["rows"]  # type: ignore[index]
        assert [r["id"] for r in rows] == [1, 2, 3] and {"id", "name", "score"} == set(rows[0])

        failed = await client.call_tool("fail", {"message": "boom"})
        assert failed.is_error and failed.content[0].text == "boom"  # type: ignore[union-attr]

        slow = await client.call_tool("slow", {"seconds": 0.2, "steps": 4}, progress_callback=on_progress)
        assert slow.content[0].text == "done after 0.2s"  # type: ignore[union-attr]
        assert [p[0] for p in progress] == [1, 2, 3, 4] and progress[-1][1] == 4
        assert any("slow" in str(entry.data) for entry in logs)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["stdio", "http", "ws"])
async def test_prompts_resources_pagination(kind: str, request: pytest.FixtureRequest) -> None:
    async with _client(kind, request) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {"review", "summarize"} <= set(prompts)
        got = await client.get_prompt("review", {"code": "print(1)", "language": "python"})
        assert got.messages[0].role == "user" and "print(1)" in got.messages[0].content.text  # type: ignore[union-attr]
        summary = await client.get_prompt("summarize", {"text": "hello world"})
        assert "hello world" in summary.messages[0].content.text  # type: ignore[union-attr]

        uris: list[str] = []
        pages, cursor = 0, None
        while True:
            page = await client.list_resources(cursor=cursor)
            pages += 1
            uris += [str(r.uri) for r in page.resources]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert pages > 1 and len(uris) >= 27 and len(set(uris)) == len(uris)
        assert {"demo://readme", "demo://config.json", "demo://notes/0", "demo://notes/24"} <= set(uris)

        templates = (await client.list_resource_templates()).resource_templates
        assert any(t.uri_template == "demo://items/{item_id}" for t in templates)
        item = await client.read_resource("demo://items/42")
        assert '"id": "42"' in item.contents[0].text  # type: ignore[union-attr]
        readme = await client.read_resource("demo://readme")
        assert readme.contents[0].mime_type == "text/markdown"


@pytest.mark.anyio
async def test_env_passed_over_stdio() -> None:
    async with Client(stdio_params(WORKBENCH_DEMO_VAR="hello-env")) as client:
        seen = await client.call_tool("env", {"name": "WORKBENCH_DEMO_VAR"})
        assert seen.content[0].text == "hello-env"  # type: ignore[union-attr]
        unset = await client.call_tool("env", {"name": "WORKBENCH_DEMO_SURELY_UNSET"})
        assert unset.content[0].text == "<unset>"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_in_process_generated_tools_paginate() -> None:
    async with Client(build_server(extra_tools=120)) as client:
        first = await client.list_tools()
        assert len(first.tools) == 50 and first.next_cursor is not None
        names = [t.name for t in first.tools]
        cursor = first.next_cursor
        while cursor is not None:
            page = await client.list_tools(cursor=cursor)
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
        assert len(names) == len(TOOLS) + 120 and "gen_0000" in names and "gen_0119" in names
        assert (await client.call_tool("gen_0007", {})).structured_content == {"result": 7}
        with pytest.raises(MCPError):
            await client.list_tools(cursor="not-a-cursor")
