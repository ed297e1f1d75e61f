"""A tiny MCP server for ``wb.map`` on Dask: ``work(i)`` answers ``2 * i`` after a short sleep;
the first call with ``i == crash_at`` (across every process: a marker file says it happened)
kills the server process, as a server that crashes mid-job on one worker; ``i == fail_at``
returns an error result.

    python -m tests.map_server
"""

from __future__ import annotations

import os

import anyio
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent

server = MCPServer("map-test-server", log_level="WARNING")


@server.tool(description="2 * i, after sleeping `sleep` seconds; crash_at / fail_at for fault tests.")
async def work(i: int, sleep: float = 0.005, crash_at: int = -1, fail_at: int = -1, marker: str = "") -> CallToolResult:
    await anyio.sleep(sleep)
    if i == crash_at and marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # only the first crasher wins
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(3)
    if i == fail_at:
        return CallToolResult(content=[TextContent(type="text", text=f"row {i} failed on purpose")], is_error=True)
    return CallToolResult(content=[TextContent(type="text", text=str(2 * i))], structured_content={"double": 2 * i})


if __name__ == "__main__":
    server.run("stdio")
