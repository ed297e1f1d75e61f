"""``ToolRepository``: what the workbench needs from a persistent catalog.

The protocol is the contract both backends pass with one shared test suite
(``tests/repository``). The records it returns are in ``records``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from .records import (
    CatalogItem,
    ChatMessage,
    ChatRoom,
    Page,
    SchemaVersion,
    ServerRecord,
    StoredCall,
    StoredChat,
    StoredTask,
)

__all__ = ["ToolRepository"]


@runtime_checkable
class ToolRepository(Protocol):
    """A persistent catalog of servers, their tools / prompts / resources, calls and chats."""

    location: str  # the file path or the redacted DSN, for messages

    # -- catalog items -------------------------------------------------------------------
    def get(self, id: str) -> CatalogItem | None:
        """The item with this id (``item_id(server, kind, name)``), or None."""

    def list(self, cursor: str | None = None, limit: int = 50, **filters: Any) -> Page[CatalogItem]:
        """All items in id order, one keyset page at a time; ``filters`` as in ``search``."""

    def search(self, query: str | None = None, cursor: str | None = None, limit: int = 50, *,
               server: str | None = None, kind: str | None = None, category: str | None = None,
               status: str | None = None, read_only: bool | None = None,
               destructive: bool | None = None) -> Page[CatalogItem]:
        """Items whose name / title / description hold every word of ``query``."""

    def upsert(self, item: CatalogItem | Mapping[str, Any]) -> CatalogItem:
        """Insert or overwrite an item's metadata (usage and history are kept)."""

    def update(self, id: str, patch: Mapping[str, Any], *,
               expected_version: int | None = None) -> CatalogItem:
        """Patch fields; ``ConflictError`` when ``expected_version`` is stale."""

    def delete(self, id: str) -> bool:
        """Delete an item; False when absent."""

    def on(self, event: str, handler: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Subscribe to ``changed`` / ``deleted`` / ``status_changed``; returns unsubscribe."""

    def sync_listing(self, server: str, kind: str, items: Iterable[Any]) -> builtins.list[dict[str, Any]]:
        """Match a live listing; return the changes (added / removed / schema_changed)."""

    def changes(self, server: str | None = None, since: datetime | float | None = None, *,
                kind: str | None = None) -> builtins.list[dict[str, Any]]:
        """Listing changes recorded by ``sync_listing``, oldest first."""

    def schema_history(self, id: str) -> builtins.list[SchemaVersion]:
        """Previous schemas of an item, oldest first."""

    # -- servers -------------------------------------------------------------------------
    def upsert_server(self, name: str, *, transport: str | None = None,
                      spec: Mapping[str, Any] | None = None, status: str | None = None,
                      server_info: Mapping[str, Any] | None = None,
                      category: str | None = None) -> ServerRecord:
        """Create or update a server (spec stored with secrets masked)."""

    def get_server(self, name: str) -> ServerRecord | None: ...

    def list_servers(self, status: str | None = None) -> builtins.list[ServerRecord]: ...

    def set_server_status(self, name: str, status: str,
                          last_error: str | None = None) -> ServerRecord: ...

    # -- calls and totals ----------------------------------------------------------------
    def record_call(self, server: str, tool: str, *, status: str = "ok",
                    arguments: Mapping[str, Any] | None = None,
                    duration_ms: float | None = None, error: str | None = None,
                    result_preview: str | None = None, at: datetime | float | None = None,
                    kind: str = "tool") -> None: ...

    def record_calls(self, calls: Iterable[StoredCall | Mapping[str, Any]]) -> int:
        """Append a batch to the history and update usage / latency in one transaction."""

    def history(self, limit: int = 100, server: str | None = None, tool: str | None = None,
                since: datetime | float | None = None) -> builtins.list[StoredCall]:
        """Most recent calls first."""

    def stats(self) -> dict[str, Any]:
        """Totals by status and by category (servers, items, calls)."""

    # -- chat ----------------------------------------------------------------------------
    def create_room(self, name: str, *, id: str | None = None) -> ChatRoom: ...

    def list_rooms(self) -> builtins.list[ChatRoom]: ...

    def create_session(self, room_id: str, *, model: str | None = None,
                       servers: Sequence[str] = (), title: str | None = None,
                       id: str | None = None) -> StoredChat: ...

    def get_session(self, session_id: str) -> StoredChat | None: ...

    def list_sessions(self, room_id: str | None = None) -> builtins.list[StoredChat]: ...

    def add_message(self, session_id: str, role: str, content: str | None = None, *,
                    tool_calls: builtins.list[Any] | None = None,
                    tool_results: builtins.list[Any] | None = None,
                    tokens: int | None = None) -> ChatMessage: ...

    def messages(self, session_id: str) -> builtins.list[ChatMessage]: ...

    # -- tasks ---------------------------------------------------------------------------
    def save_task(self, row: Mapping[str, Any]) -> StoredTask:
        """Insert or update a task by (server, task_id); None fields keep their stored value."""

    def get_task(self, server: str, task_id: str) -> StoredTask | None: ...

    def list_tasks(self, server: str | None = None, limit: int = 1000) -> builtins.list[StoredTask]: ...

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None: ...
