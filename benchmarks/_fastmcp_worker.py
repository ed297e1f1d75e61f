"""The fastmcp side of ``peers.py``: the same measurements, in this process or in another one.

``peers.py`` uses ``FastMCPBench`` directly when ``fastmcp`` imports next to the workbench;
otherwise it runs this file with an interpreter that has it (``--fastmcp-python``, e.g. a venv
made with ``--system-site-packages`` so it shares the same ``mcp``) and talks to it over
stdin/stdout, one JSON object per line: ``{"op": "calls", "n": 400}`` -> ``{"samples": [...]}``.
Only the standard library and ``fastmcp`` are imported here.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from typing import Any


class FastMCPBench:
    """One ``fastmcp.Client`` at a time on a target: ``{"command": ..., "args": [...], "cwd": ...}``
    or ``{"url": ...}`` (``open`` again to move to another target)."""

    def __init__(self) -> None:
        import fastmcp

        self.version = fastmcp.__version__
        self.target: dict[str, Any] = {}
        self._stack: AsyncExitStack | None = None
        self.client: Any = None

    def _new_client(self) -> Any:
        from fastmcp import Client
        from fastmcp.client.transports import StdioTransport

        if "url" in self.target:
            return Client(self.target["url"])
        target = self.target
        return Client(StdioTransport(command=target["command"], args=target["args"], cwd=target.get("cwd")))

    async def open(self, target: dict[str, Any]) -> None:
        await self.close()
        self.target = target
        self._stack = AsyncExitStack()
        self.client = await self._stack.enter_async_context(self._new_client())

    async def close(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    async def calls(self, n: int) -> dict[str, Any]:
        """Wall ms per call, and this process's CPU seconds for all of them."""
        out: list[float] = []
        clock, call = time.perf_counter, self.client.call_tool
        cpu = time.process_time()
        for _ in range(n):
            t0 = clock()
            result = await call("add", {"a": 1, "b": 2})
            out.append((clock() - t0) * 1000)
            if result.content[0].text != "3":
                raise AssertionError(f"add(1, 2) answered {result.content!r}")
        return {"samples": out, "cpu_s": time.process_time() - cpu}

    async def connects(self, n: int) -> list[float]:
        out: list[float] = []
        for _ in range(n):
            client = self._new_client()
            t0 = time.perf_counter()
            await client.__aenter__()
            out.append((time.perf_counter() - t0) * 1000)
            await client.__aexit__(None, None, None)
        return out

    async def list_all(self, n: int) -> dict[str, Any]:
        """``n`` times every listing (tools, prompts, resources, templates, concurrently), timed here."""
        out: list[float] = []
        count = 0
        async with self._new_client() as client:
            for _ in range(n):
                t0 = time.perf_counter()
                tools, *_ = await asyncio.gather(
                    client.list_tools(cache_mode="bypass"), client.list_prompts(), client.list_resources(),
                    client.list_resource_templates(),
                )
                out.append((time.perf_counter() - t0) * 1000)
                count = len(tools)
        return {"samples": out, "count": count}


async def _serve() -> None:
    """Answer one JSON command per stdin line until ``{"op": "quit"}``."""
    loop = asyncio.get_running_loop()
    bench = FastMCPBench()

    async def line() -> str:
        return await loop.run_in_executor(None, sys.stdin.readline)

    while True:
        text = await line()
        if not text:
            break
        command = json.loads(text)
        op = command["op"]
        try:
            if op == "open":
                await bench.open(command["target"])
                reply: dict[str, Any] = {"version": bench.version}
            elif op == "quit":
                break
            else:
                result = await getattr(bench, op)(command["n"])
                reply = result if isinstance(result, dict) else {"samples": result}
        except Exception as exc:  # reported to the parent, which raises
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    await bench.close()


if __name__ == "__main__":
    asyncio.run(_serve())
