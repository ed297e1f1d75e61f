"""Servers' log messages (``notifications/message``), kept in memory for ``wb.logs()``.

Each message a server sends is appended here (masked, bounded) whatever the era; the level a
server sends at is set with ``logging/setLevel`` on handshake-era sessions, and rides on every
request's ``_meta`` on 2026-07-28 sessions (``set_log_level`` below does either).
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError
from .capabilities import require

if TYPE_CHECKING:
    from .connection import Connection

LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")  # RFC 5424, low to high
# Each level's Python logging level: server messages also go to logging (mcp_workbench.server.<name>).
PYTHON_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.INFO, "warning": logging.WARNING,
                 "error": logging.ERROR, "critical": logging.CRITICAL, "alert": logging.CRITICAL,
                 "emergency": logging.CRITICAL}  # fmt: skip
LOG_LIMIT = 10_000


def check_level(level: Any) -> str:
    """A valid MCP log level (case-insensitive), or a one-line error listing them."""
    text = str(level).strip().lower() if isinstance(level, str) else ""
    if text not in LEVELS:
        raise WorkbenchError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
    return text


def at_least(level: str, floor: str) -> bool:
    """Is ``level`` at or above ``floor`` (unknown levels count as info)?"""
    rank = {name: i for i, name in enumerate(LEVELS)}
    return rank.get(level, 1) >= rank[floor]


@dataclass(frozen=True, slots=True)
class LogEntry:
    time: float
    server: str
    level: str
    logger: str | None
    message: str  # the data as one line of text (masked)
    data: Any  # the data as sent (masked)


class LogBuffer:
    """The last ``limit`` log messages of every server, oldest first."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def append(self, server: str, level: str, logger: str | None, message: str, data: Any) -> None:
        with self._lock:
            self._entries.append(LogEntry(time.time(), server, level, logger, message, data))

    def entries(self, server: str | None = None, level: str | None = None, last: int | None = None) -> list[LogEntry]:
        """Entries of ``server`` (all when None) at ``level`` or above, the last ``last`` of them."""
        floor = check_level(level) if level is not None else None
        if last is not None and (not isinstance(last, int) or last < 1):
            raise WorkbenchError("last must be a positive number of messages, e.g. last=20")
        with self._lock:
            found = [e for e in self._entries if (server is None or e.server == server)
                     and (floor is None or at_least(e.level, floor))]  # fmt: skip
        return found[-last:] if last else found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


async def send_level(client: Any, level: str) -> None:
    """``logging/setLevel`` (deprecated in 2026 only, where this is never sent)."""
    with warnings.catch_warnings():
        from mcp.shared.exceptions import MCPDeprecationWarning  # the SDK loads with the first connection

        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await client.set_logging_level(level)


async def set_log_level(conn: Connection, level: str, *, timeout: float | None = None) -> None:
    """``logging/setLevel`` on a handshake-era session (sent again after a reconnect); on a 2026
    session the level rides on every later request (``Connection.meta``). Refused when the server
    did not advertise logging."""
    level = check_level(level)
    require(conn.name, conn.capabilities, "logging")
    if not conn.modern and conn.status == "connected":
        await conn.request(lambda c: send_level(c, level), timeout=timeout, what="logging/setLevel")
    conn.log_level, conn.level_requested = level, True
