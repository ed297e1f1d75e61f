"""The kernel-scoped session store: sessions → connections, last activity, idle cleanup.

In a notebook the kernel is the server process, so the store lives as long as the kernel.
The workbench's own connections form the ``default`` session; chat sessions may open their
own. An idle connection is closed (its process ended) but kept, so its next use reconnects
transparently; an idle non-default session is dropped whole.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from .events import EventEmitter
from .registry import Registry

logger = logging.getLogger("mcp_workbench.sessions")

DEFAULT_SESSION = "default"
DEFAULT_IDLE_TIMEOUT_S = 30 * 60.0


@dataclass
class Session:
    """A named group of connections with its own registry."""

    id: str
    registry: Registry
    created_at: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    @property
    def idle_s(self) -> float:
        busiest = max([self.last_activity, *(c.last_activity for c in self.registry)])
        return time.monotonic() - busiest


class SessionStore:
    """Sessions by id; a sweeper task on the engine loop closes idle connections and sessions."""

    def __init__(self, emitter: EventEmitter, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S) -> None:
        self._emitter = emitter
        self.idle_timeout = idle_timeout
        self._sessions: dict[str, Session] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self.get_or_create(DEFAULT_SESSION)

    @property
    def default(self) -> Session:
        return self._sessions[DEFAULT_SESSION]

    def get_or_create(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            session = Session(session_id, Registry(self._emitter))
            self._sessions[session_id] = session
        return session

    def get(self, session_id: str) -> Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise KeyError(f"no session {session_id!r} (it may have expired after being idle)") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._sessions.values()))

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
        """Close connections idle longer than ``idle_timeout``; drop idle extra sessions."""
        timeout = self.idle_timeout
        closed: list[str] = []
        if timeout is None:
            return closed
        now = time.monotonic()
        for session in list(self._sessions.values()):
            for conn in session.registry:
                if conn.is_open and conn.in_flight == 0 and now - conn.last_activity > timeout:
                    reason = f"closed after {timeout:g} s idle; reconnects on next use"
                    await conn.close(status="idle", reason=reason)
                    closed.append(f"{session.id}/{conn.name}")
            if session.id != DEFAULT_SESSION and session.idle_s > timeout:
                await self.close_session(session.id)
        return closed

    async def close_session(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        await asyncio.gather(*(c.close() for c in session.registry), return_exceptions=True)
        if session_id == DEFAULT_SESSION:
            self.get_or_create(DEFAULT_SESSION)

    async def close_all(self) -> None:
        """Close every connection of every session (interpreter exit, kernel shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        connections = [c for s in self._sessions.values() for c in s.registry]
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)

    def stats(self) -> dict[str, int]:
        connections = [c for s in self._sessions.values() for c in s.registry]
        return {
            "sessions": len(self._sessions),
            "connections": len(connections),
            "connected": sum(1 for c in connections if c.is_open),
            "in_flight": sum(c.in_flight for c in connections),
        }
