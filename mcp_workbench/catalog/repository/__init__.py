"""The workbench's persistent catalog: servers, tools / prompts / resources, usage, history
and chats, on SQLite (default, one file) or PostgreSQL (shared by a team).

    repo = open_repository()                                   # ~/.mcp-workbench/catalog.sqlite
    repo = open_repository("sqlite:///abs/path/catalog.sqlite")
    repo = open_repository("postgresql://user@host/db")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ...errors import WorkbenchError
from ._redact import redact_dsn
from .base import ToolRepository
from .records import (
    CALL_STATUSES,
    CHANGE_TYPES,
    EVENTS,
    ITEM_STATUSES,
    KINDS,
    ROLES,
    SERVER_STATUSES,
    CatalogItem,
    ChatMessage,
    ChatRoom,
    LatencyStats,
    Page,
    SchemaVersion,
    ServerRecord,
    StoredCall,
    StoredChat,
    StoredTask,
    item_id,
)
from .sqlbase import SQLRepository
from .sqlite import HOME_ENV, SQLiteRepository, default_path, path_from_url

if TYPE_CHECKING:
    from .postgres import PostgresRepository

__all__ = [
    "open_repository", "ToolRepository", "SQLRepository", "SQLiteRepository",
    "PostgresRepository", "default_path", "HOME_ENV", "CatalogItem", "ServerRecord",
    "StoredCall", "StoredTask", "SchemaVersion", "LatencyStats", "ChatRoom", "StoredChat", "ChatMessage",
    "Page", "item_id", "KINDS", "ITEM_STATUSES", "SERVER_STATUSES", "CALL_STATUSES",
    "CHANGE_TYPES", "EVENTS", "ROLES",
]

ACCEPTED = ("a file path, sqlite:///abs/path/catalog.sqlite, or postgresql://user@host/db "
            "(None for the default file)")


def open_repository(store: str | os.PathLike[str] | None = None) -> SQLRepository:
    """Open (creating or upgrading as needed) the store named by ``store``:
    None -> the default SQLite file; ``sqlite:///...`` or a path -> that SQLite file;
    ``postgresql://...`` -> PostgreSQL."""
    if store is None:
        return SQLiteRepository()
    if isinstance(store, os.PathLike):
        return SQLiteRepository(store)
    if not isinstance(store, str) or not store.strip():
        raise WorkbenchError(f"unsupported store {store!r}: use {ACCEPTED}")
    text = store.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme == "sqlite":
        return SQLiteRepository(path_from_url(text))
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresRepository

        return PostgresRepository(text)
    if scheme:
        raise WorkbenchError(f"unsupported store {redact_dsn(text)!r}: use {ACCEPTED}")
    return SQLiteRepository(text)


def __getattr__(name: str) -> object:
    if name == "PostgresRepository":  # lazily: psycopg is optional
        from .postgres import PostgresRepository

        return PostgresRepository
    raise AttributeError(name)
