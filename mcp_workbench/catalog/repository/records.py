"""The records a repository stores and returns: plain frozen dataclasses, one per entity.

Records are snapshots: change the store through the repository (``update``, ``upsert``...)
and read a fresh record back. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from ._codec import LazyField, to_datetime

KINDS = ("tool", "prompt", "resource", "resource_template")
ITEM_STATUSES = ("active", "removed")
SERVER_STATUSES = ("connected", "disconnected", "error", "removed")
CALL_STATUSES = ("ok", "error", "timeout", "cancelled")
CHANGE_TYPES = ("added", "removed", "schema_changed")
EVENTS = ("changed", "deleted", "status_changed")
ROLES = ("system", "user", "assistant", "tool")

T = TypeVar("T")


def item_id(server: str, kind: str, key: str) -> str:
    """The stable id of a catalog item: sorting by it groups by server, then kind, then name."""
    return f"{server}:{kind}:{key}"


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Latency over the last ``LATENCY_WINDOW`` (200) durations of an item, in milliseconds."""

    count: int = 0
    mean_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None


@dataclass(frozen=True)
class CatalogItem:
    """A tool, prompt, resource or resource template that a server exposed.

    ``schema`` is the tool's input schema (a prompt's ``{"arguments": [...]}``, a resource's
    descriptor); ``meta`` is free-form user metadata (tags, notes). ``version`` increases on
    every metadata write and is what ``update(..., expected_version=)`` checks; usage and
    latency counters do not bump it, so calls never make an editor's version stale.
    """

    server: str
    name: str
    kind: str = "tool"
    title: str | None = None
    description: str | None = None
    category: str | None = None
    status: str = "active"
    uri: str | None = None
    # Lazy fields (see LazyField): decoded from the stored JSON / epoch on first access.
    schema: dict[str, Any] = field(default=LazyField(json.loads, dict), repr=False)  # type: ignore[arg-type]
    output_schema: dict[str, Any] | None = field(  # type: ignore[assignment]
        default=LazyField(json.loads), repr=False)
    annotations: dict[str, Any] = field(default=LazyField(json.loads, dict), repr=False)  # type: ignore[arg-type]
    meta: dict[str, Any] = field(default=LazyField(json.loads, dict), repr=False)  # type: ignore[arg-type]
    read_only: bool = False
    destructive: bool = False
    id: str = ""
    schema_version: int = 1
    version: int = 0
    created_at: datetime | None = LazyField(to_datetime)  # type: ignore[assignment]
    updated_at: datetime | None = LazyField(to_datetime)  # type: ignore[assignment]
    usage_count: int = 0
    last_used_at: datetime | None = LazyField(to_datetime)  # type: ignore[assignment]
    latency: LatencyStats = LatencyStats()

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", item_id(self.server, self.kind, self.uri or self.name))


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """A schema an item had before a listing changed it."""

    item_id: str
    schema_version: int
    schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    replaced_at: datetime


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """A server the workbench has seen; ``spec`` is stored with its secrets masked."""

    name: str
    transport: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    status: str = "disconnected"
    last_error: str | None = None
    server_info: dict[str, Any] = field(default_factory=dict)
    category: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredCall:
    """One call in the stored history; arguments, error and preview are stored masked.

    Not ``core.history.CallRecord``: that one is this kernel's live record (it may carry the
    result); this is what the store keeps and returns.
    """

    server: str
    tool: str
    status: str = "ok"
    arguments: dict[str, Any] | None = None
    duration_ms: float | None = None
    error: str | None = None
    result_preview: str | None = None
    at: datetime | None = None
    kind: str = "tool"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredTask:
    """A task the workbench started or followed: enough to find it again on its server
    (``wb.task(server, task_id)``) after the kernel that started it is gone. Arguments and
    error are stored masked; ``created`` / ``updated`` are the server's ISO 8601 times.

    Not ``core.tasks.TaskState`` (the live task this kernel follows, with its result and
    events): this is the row that outlives it."""

    server: str
    task_id: str
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    status: str = "working"
    status_message: str | None = None
    created: str | None = None
    updated: str | None = None
    ttl_ms: int | None = None
    error: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChatRoom:
    id: str
    name: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredChat:
    """A stored chat session of a room: its model, the servers it may use and its title.

    Not ``chat.session.ChatSession`` (the live conversation): this is the row that outlives it.
    """

    id: str
    room_id: str
    model: str | None = None
    servers: list[str] = field(default_factory=list)
    title: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    id: int
    session_id: str
    role: str
    content: str | None = None
    tool_calls: list[Any] | None = None
    tool_results: list[Any] | None = None
    tokens: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated listing; pass ``next_cursor`` back for the next one."""

    items: list[T]
    next_cursor: str | None = None
    has_more: bool = False

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
