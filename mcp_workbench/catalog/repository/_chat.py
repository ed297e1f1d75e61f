"""Chat rooms, sessions and messages (for the chat issue): stored now so a conversation
outlives the kernel. Message text and tool arguments are masked like the call history."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from ...errors import WorkbenchError
from ._codec import dumps, dumps_or_none, now, to_datetime
from ._core import SQLCore, Tx, insert_sql, where_clause
from ._redact import mask_text, mask_value
from ._rows import RowReader
from .records import ROLES, ChatMessage, ChatRoom, StoredChat

_ROOM = RowReader(ChatRoom, ("id", "name", "created_at"), decode={"created_at": to_datetime})
_SESSION = RowReader(
    StoredChat, ("id", "room_id", "model", "servers", "title", "created_at", "updated_at"),
    decode={"servers": json.loads, "created_at": to_datetime, "updated_at": to_datetime},
)
_MESSAGE = RowReader(
    ChatMessage, ("id", "session_id", "role", "content", "tool_calls", "tool_results", "tokens",
                  "created_at"),
    decode={"tool_calls": json.loads, "tool_results": json.loads, "created_at": to_datetime},
)


class ChatOps(SQLCore):
    """Chat storage on any SQL backend."""

    def create_room(self, name: str, *, id: str | None = None) -> ChatRoom:
        """A new room; names are unique."""
        room = ChatRoom(id=id or uuid.uuid4().hex, name=name, created_at=to_datetime(now()))
        with self._write() as tx:
            if tx.execute("SELECT 1 FROM chat_rooms WHERE name = ? OR id = ?",
                          (name, room.id)).fetchone():
                raise WorkbenchError(f"a chat room named {name!r} (or with id {room.id!r}) exists")
            tx.execute("INSERT INTO chat_rooms (id, name, created_at) VALUES (?, ?, ?)",
                       (room.id, name, room.created_at.timestamp()))  # type: ignore[union-attr]
        return room

    def list_rooms(self) -> list[ChatRoom]:
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_ROOM.select} FROM chat_rooms ORDER BY created_at, id").fetchall()
        return _ROOM.all(rows)

    def create_session(self, room_id: str, *, model: str | None = None,
                       servers: Sequence[str] = (), title: str | None = None,
                       id: str | None = None) -> StoredChat:
        """A new session in a room, remembering the model and the servers it may use."""
        ts = now()
        stored = {"id": id or uuid.uuid4().hex, "room_id": room_id, "model": model,
                  "servers": dumps(list(servers)), "title": title, "created_at": ts, "updated_at": ts}
        row = tuple(stored[c] for c in _SESSION.columns)
        with self._write() as tx:
            if not tx.execute("SELECT 1 FROM chat_rooms WHERE id = ?", (room_id,)).fetchone():
                raise WorkbenchError(f"no chat room {room_id!r}: create_room first")
            tx.execute(insert_sql("chat_sessions", _SESSION.columns), row)
        return _SESSION(row)

    def get_session(self, session_id: str) -> StoredChat | None:
        with self._read() as tx:
            row = tx.execute(f"SELECT {_SESSION.select} FROM chat_sessions WHERE id = ?",
                             (session_id,)).fetchone()
        return None if row is None else _SESSION(row)

    def list_sessions(self, room_id: str | None = None) -> list[StoredChat]:
        """Sessions (of one room, or all), oldest first."""
        where, params = where_clause({"room_id": room_id})
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_SESSION.select} FROM chat_sessions{where} ORDER BY created_at, id",
                              params).fetchall()
        return _SESSION.all(rows)

    def add_message(self, session_id: str, role: str, content: str | None = None, *,
                    tool_calls: list[Any] | None = None, tool_results: list[Any] | None = None,
                    tokens: int | None = None) -> ChatMessage:
        """Append a message; its id orders the conversation."""
        if role not in ROLES:
            raise WorkbenchError(f"unknown chat role {role!r}: use one of {', '.join(ROLES)}")
        ts = now()
        values = (session_id, role, mask_text(content), dumps_or_none(mask_value(tool_calls)),
                  dumps_or_none(mask_value(tool_results)), tokens, ts)
        with self._write() as tx:
            if not tx.execute("SELECT 1 FROM chat_sessions WHERE id = ?", (session_id,)).fetchone():
                raise WorkbenchError(f"no chat session {session_id!r}: create_session first")
            new_id = tx.execute("INSERT INTO chat_messages (session_id, role, content, tool_calls, "
                                "tool_results, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                "RETURNING id", values).fetchone()[0]
            tx.execute("UPDATE chat_sessions SET updated_at = ? WHERE id = ?", (ts, session_id))
            row = self._message_in(tx, new_id)
        return row

    def messages(self, session_id: str) -> list[ChatMessage]:
        """A session's messages in order."""
        with self._read() as tx:
            rows = tx.execute(f"SELECT {_MESSAGE.select} FROM chat_messages WHERE session_id = ? "
                              "ORDER BY id", (session_id,)).fetchall()
        return _MESSAGE.all(rows)

    def _message_in(self, tx: Tx, message_id: int) -> ChatMessage:
        return _MESSAGE(tx.execute(f"SELECT {_MESSAGE.select} FROM chat_messages WHERE id = ?",
                                   (message_id,)).fetchone())
