"""The mock server from a cassette, driven by the plain ``mcp.Client`` (not the workbench) over
stdio and Streamable HTTP, in both protocol eras, and for a handshake-era recording."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from mcp_workbench import Workbench
from tests.bench.conftest import FLAWED
from tests.servers import SUB_ENV, free_port, wait_for_port, DEMO_TOOL_NAMES

MOCK = [sys.executable, "-m", "mcp_workbench.mock"]


def stdio(cassette: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(command=MOCK[0], args=[*MOCK[1:], str(cassette), *extra], env=dict(SUB_ENV))


@contextmanager
def http_mock(cassette: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*MOCK, str(cassette), "--http", "--port", str(port)], env={**os.environ, **SUB_ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()


async def drive(server: Any, mode: str) -> dict[str, Any]:
    """What a client sees of the recorded demo session."""
    progress: list[float] = []
    logs: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async def on_log(params: Any) -> None:
        logs.append(params.data)

    async with Client(server, mode=mode, logging_callback=on_log) as client:  # type: ignore[arg-type]
        seen: dict[str, Any] = {"version": client.protocol_version, "server": client.server_info.name}
        seen["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
        seen["add"] = (await client.call_tool("add", {"a": 1, "b": 2})).structured_content
        seen["again"] = (await client.call_tool("add", {"a": 1, "b": 2})).structured_content  # the last one repeats
        slow = await client.call_tool("slow", {"seconds": 0.1, "steps": 2}, progress_callback=on_progress)
        seen["slow"] = slow.content[0].text
        seen["prompt"] = (await client.get_prompt("review", {"code": "x = 1"})).messages[0].content.text
        seen["readme"] = (await client.read_resource("demo://readme")).contents[0].text
        with pytest.raises(MCPError) as miss:
            await client.call_tool("add", {"a": 5, "b": 6})
        seen["miss"] = miss.value.error.message
    seen["progress"], seen["logs"] = progress, logs
    return seen


def check(seen: dict[str, Any], version: str) -> None:
    assert seen["version"] == version and seen["server"] == "mcp-workbench-demo"
    assert seen["tools"] == DEMO_TOOL_NAMES
    assert seen["add"] == seen["again"] == {"result": 3}
    assert seen["slow"] == "done after 0.1s" and seen["progress"] == [1, 2]
    assert seen["logs"] == ["slow: sleeping 0.1s in 2 steps"]
    assert seen["prompt"].startswith("Please review this python code") and "mcp-workbench-demo" in seen["readme"]
    assert 'tools/call {"arguments":{"a":5,"b":6},"name":"add"}' in seen["miss"]
    assert 'closest recorded: {"arguments":{"a":1,"b":2},"name":"add"}' in seen["miss"]


@pytest.mark.parametrize("mode, version", [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_stdio_mock_for_a_plain_client(session: Path, mode: str, version: str) -> None:
    check(anyio.run(drive, stdio(session), mode), version)


@pytest.mark.parametrize("mode, version", [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_http_mock_for_a_plain_client(session: Path, mode: str, version: str) -> None:
    with http_mock(session) as url:
        check(anyio.run(drive, url, mode), version)
        check(anyio.run(drive, url, mode), version)  # a second client of the same mock


def test_a_handshake_era_recording_is_mocked_too(bench: Callable[..., Workbench], tmp_path: Path) -> None:
    cassette = tmp_path / "flawed.jsonl"
    wb = bench()
    wb.record(cassette)
    wb.connect("flawed", command=sys.executable, args=FLAWED)
    assert wb.request("flawed", "tools/call", {"name": "fine", "arguments": {}})["result"]["content"][0]["text"] == "ok"
    wb.close()
    wb.stop_recording()

    async def use(server: Any) -> tuple[str, list[str], str]:
        async with Client(server) as client:  # auto: the discover probe misses, the handshake follows
            tools = [t.name for t in (await client.list_tools()).tools]
            text = (await client.call_tool("fine", {})).content[0].text
            return client.protocol_version, tools, text

    version, tools, text = anyio.run(use, stdio(cassette))
    assert version == "2025-11-25" and "fine" in tools and text == "ok"
    with http_mock(cassette) as url:
        assert anyio.run(use, url)[::2] == ("2025-11-25", "ok")


def test_command_line_mistakes_exit_2_with_one_line(bench: Callable[..., Workbench], session: Path, tmp_path: Path) -> None:
    def mock(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*MOCK, *args], env=SUB_ENV, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    missing = mock(str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and missing.stderr.strip().endswith("record one first with wb.record(path) / %mcp record")
    assert len(missing.stderr.strip().splitlines()) == 1

    two = tmp_path / "two.jsonl"
    wb = bench()
    wb.record(two)
    wb.connect("one", command=sys.executable, args=FLAWED)
    wb.connect("other", command=sys.executable, args=FLAWED)
    wb.close()
    wb.stop_recording()
    several = mock(str(two))
    assert several.returncode == 2 and "holds several servers (one, other): choose one with --server NAME" in several.stderr
    wrong = mock(str(two), "--server", "othr")
    assert wrong.returncode == 2 and "has no server 'othr': did you mean 'other'?" in wrong.stderr
