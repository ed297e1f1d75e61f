"""The kernel-scoped session store: every live MCP session by server name, idle cleanup, stats.

In a notebook the kernel is the server process, so the store lives as long as the kernel. Each
connection is one MCP session with one server; the store keeps them in a ``Registry`` (lookup by
name, ``server.tool`` addressing) and runs one sweeper on the engine loop that closes a session
idle longer than ``idle_timeout`` (its process ended) but keeps it listed, so its next use
reconnects transparently.
"""

from __future__ import annotations

import asyncio
import logging
import time

from .events import EventEmitter
from .registry import Registry

logger = logging.getLogger("mcp_workbench.sessions")

DEFAULT_IDLE_TIMEOUT_S = 30 * 60.0


class SessionStore:
    """Live sessions (``registry``); a sweeper task on the engine loop closes idle ones."""

    def __init__(self, emitter: EventEmitter, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S) -> None:
        self.registry = Registry(emitter)
        self.idle_timeout = idle_timeout
        self.created_at = time.time()
        self._sweeper: asyncio.Task[None] | None = None

    def ensure_sweeper(self) -> None:
        """Start the idle sweeper on the running (engine) loop, once."""
        if self.idle_timeout is None or (self._sweeper is not None and not self._sweeper.done()):
            return
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever(), name="mcp-idle-sweeper")

    async def _sweep_forever(self) -> None:
        while True:
            timeout = self.idle_timeout
            if timeout is None:
                return
            await asyncio.sleep(max(0.05, min(timeout / 4, 30.0)))
            try:
                await self.sweep()
            except Exception:
                logger.exception("idle sweep failed")

    async def sweep(self) -> list[str]:
        """Close sessions idle longer than ``idle_timeout``; returns the servers closed."""
        timeout = self.idle_timeout
        closed: list[str] = []
        if timeout is None:
            return closed
        now = time.monotonic()
        for conn in self.registry:
            if conn.is_open and conn.in_flight == 0 and now - conn.last_activity > timeout:
                await conn.close(status="idle", reason=f"closed after {timeout:g} s idle; reconnects on next use")
                closed.append(conn.name)
        return closed

    async def close_all(self) -> None:
        """Close and forget every session (``wb.close()``, interpreter exit, kernel shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        connections = list(self.registry)
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
        for conn in connections:
            self.registry.remove(conn.name)

    def stats(self) -> dict[str, int]:
        connections = list(self.registry)
        return {
            "connections": len(connections),
            "connected": sum(1 for c in connections if c.is_open),
            "in_flight": sum(c.in_flight for c in connections),
        }
