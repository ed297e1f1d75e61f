"""Smoke tests: each real third-party server starts, lists tools and answers a call.

Raw `mcp.Client` only, no workbench code, so a failure here means the install
(`.ci/install.sh`) or the servers changed, not the workbench. Each test also
checks that the server process (tree) is gone once the client has exited.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from mcp import Client

from tests.third_party import (
    everything_http,
    everything_stdio,
    git_stdio,
    live_descendants,
    time_stdio,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _assert_no_leftover_children(before: set[tuple[int, str]] | None, timeout: float = 5.0) -> None:
    """No descendant of this process that was not there before the test is still alive."""
    if before is None:  # no /proc: nothing to check with
        return
    deadline = time.monotonic() + timeout
    while True:
        now = live_descendants()
        assert now is not None
        leftover = now - before
        if not leftover or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    assert not leftover, f"server processes left behind: {sorted(leftover)}"


def _text(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


@pytest.mark.anyio
async def test_server_everything_stdio() -> None:
    before = live_descendants()
    async with Client(everything_stdio()) as client:
        # server-everything does not answer server/discover: auto mode falls back to the handshake.
        assert client.protocol_version == "2025-11-25"
        assert client.server_info is not None and client.server_info.name == "mcp-servers/everything"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"echo", "get-sum", "trigger-long-running-operation"} <= tools
        result = await client.call_tool("echo", {"message": "hello workbench"})
        assert not result.is_error
        assert _text(result) == "Echo: hello workbench"
    _assert_no_leftover_children(before)


@pytest.mark.anyio
async def test_server_everything_streamable_http() -> None:
    before = live_descendants()
    with everything_http("streamableHttp") as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
        async with Client(url) as client:
            assert "echo" in {tool.name for tool in (await client.list_tools()).tools}
            result = await client.call_tool("get-sum", {"a": 2, "b": 40})
            assert _text(result) == "The sum of 2 and 40 is 42."
    _assert_no_leftover_children(before)


@pytest.mark.anyio
async def test_server_time_stdio() -> None:
    before = live_descendants()
    async with Client(time_stdio()) as client:
        assert client.server_info is not None and client.server_info.name == "mcp-time"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert tools == {"get_current_time", "convert_time"}
        result = await client.call_tool("get_current_time", {"timezone": "Asia/Seoul"})
        assert not result.is_error, _text(result)
        assert result.structured_content is not None
        assert result.structured_content["timezone"] == "Asia/Seoul"
        assert result.structured_content["datetime"].endswith("+09:00")
    _assert_no_leftover_children(before)


@pytest.mark.anyio
async def test_server_git_stdio(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "hello.txt").write_text("hi\n")
    before = live_descendants()
    async with Client(git_stdio(repo)) as client:
        assert client.server_info is not None and client.server_info.name == "mcp-git"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"git_status", "git_log", "git_diff", "git_add", "git_commit"} <= tools
        result = await client.call_tool("git_status", {"repo_path": str(repo)})
        assert not result.is_error, _text(result)
        assert _text(result).startswith("Repository status:")
        assert "hello.txt" in _text(result)
    _assert_no_leftover_children(before)
