"""Where chats live: rooms → sessions → messages, in the workbench's repository (so they
outlive the kernel), or in memory when the workbench has no store (``store=False``).

A session is found by its name (the repository's ``title``) within a room.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .messages import Message


@dataclass
class SessionInfo:
    id: str
    room: str
    name: str
    model: str | None
    servers: list[str]
    created: float = field(default_factory=time.time)


class MemoryStore:
    """Kernel-scoped chats for a workbench without a repository."""

    def __init__(self) -> None:
        self._sessions: dict[str, SessionInfo] = {}
        self._messages: dict[str, list[Message]] = {}

    def find(self, room: str, name: str) -> SessionInfo | None:
        return next((s for s in self._sessions.values() if s.room == room and s.name == name), None)

    def create(self, room: str, name: str, model: str | None, servers: list[str]) -> SessionInfo:
        info = SessionInfo(uuid.uuid4().hex, room, name, model, list(servers))
        self._sessions[info.id], self._messages[info.id] = info, []
        return info

    def append(self, session_id: str, message: Message) -> None:
        self._messages[session_id].append(message)

    def load(self, session_id: str) -> list[Message]:
        return list(self._messages.get(session_id, []))

    def listing(self) -> list[dict[str, Any]]:
        rows = []
        for s in self._sessions.values():
            messages = self._messages[s.id]
            rows.append(_row(s, len(messages), s.created, max((m.time for m in messages), default=s.created)))
        return rows


class RepoStore:
    """Chats in a ``ToolRepository`` (SQLite or PostgreSQL); secrets are masked there."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo

    def _room_id(self, room: str, create: bool) -> str | None:
        found = next((r.id for r in self.repo.list_rooms() if r.name == room), None)
        if found is None and create:
            found = self.repo.create_room(room).id
        return found

    def find(self, room: str, name: str) -> SessionInfo | None:
        room_id = self._room_id(room, create=False)
        if room_id is None:
            return None
        s = next((s for s in self.repo.list_sessions(room_id) if s.title == name), None)
        return None if s is None else SessionInfo(s.id, room, name, s.model, list(s.servers), _ts(s.created_at))

    def create(self, room: str, name: str, model: str | None, servers: list[str]) -> SessionInfo:
        room_id = self._room_id(room, create=True)
        s = self.repo.create_session(room_id, model=model, servers=servers, title=name)
        return SessionInfo(s.id, room, name, model, list(servers), _ts(s.created_at))

    def append(self, session_id: str, m: Message) -> None:
        self.repo.add_message(session_id, m.role, m.content, tool_calls=m.tool_calls,
                              tool_results=m.tool_results, tokens=m.tokens)  # fmt: skip

    def load(self, session_id: str) -> list[Message]:
        return [Message(m.role, m.content, m.tool_calls, m.tool_results, m.tokens, _ts(m.created_at))
                for m in self.repo.messages(session_id)]  # fmt: skip

    def listing(self) -> list[dict[str, Any]]:
        rooms = {r.id: r.name for r in self.repo.list_rooms()}
        rows = []
        for s in self.repo.list_sessions():
            info = SessionInfo(s.id, rooms.get(s.room_id, s.room_id), s.title or s.id, s.model, list(s.servers))
            rows.append(_row(info, len(self.repo.messages(s.id)), _ts(s.created_at), _ts(s.updated_at)))
        return rows


def _ts(value: Any) -> float:
    return value.timestamp() if value is not None else time.time()


def _row(info: SessionInfo, count: int, created: float, updated: float) -> dict[str, Any]:
    return {"room": info.room, "session": info.name, "id": info.id, "model": info.model,
            "servers": info.servers, "messages": count, "created": created, "updated": updated}  # fmt: skip


_counter = itertools.count(1)


def new_name() -> str:
    """A name for an unnamed session: unique and readable (``chat-20250101-120000-1``)."""
    return time.strftime("chat-%Y%m%d-%H%M%S") + f"-{next(_counter)}"
