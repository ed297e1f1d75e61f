"""DataFrame builders for listings and history, with stable, documented column names.

Columns (kept stable; tests and notebooks rely on them):
- servers:   name, transport, status, tools, prompts, resources, server_name, server_version,
             protocol_version, connected_at, last_error, target
- tools:     server, name, title, description, params, required, read_only, destructive, ui,
             calls, p50_ms, last_used, input_schema, output_schema, tokens (estimated, core/tokens.py), icons
             (``ui``: the tool's MCP App, a ui:// resource URI, or None)
- prompts:   server, name, title, description, arguments, required, icons
- resources: server, uri, name, title, description, mime_type, size, icons
- templates: server, uri_template, name, title, description, mime_type
- history:   time, server, kind, tool, arguments, status, duration_ms, error
- subscriptions: server, uri, updates, last_update
- logs:      time, server, level, logger, message, data
(tasks: ``views.tasks.TASK_COLUMNS``)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ..core.appmeta import ui_resource_uri
from ..core.registry import ServerView
from ..core.history import CallRecord, ToolUsage
from ..core.secrets import mask, mask_text
from ..core.tokens import estimate_tokens
from .describe import flags

SERVER_COLUMNS = [
    "name", "transport", "status", "tools", "prompts", "resources", "server_name", "server_version",
    "protocol_version", "connected_at", "last_error", "target",
]  # fmt: skip
TOOL_COLUMNS = [
    "server", "name", "title", "description", "params", "required", "read_only", "destructive", "ui",
    "calls", "p50_ms", "last_used", "input_schema", "output_schema", "tokens", "icons",
]  # fmt: skip
PROMPT_COLUMNS = ["server", "name", "title", "description", "arguments", "required", "icons"]
RESOURCE_COLUMNS = ["server", "uri", "name", "title", "description", "mime_type", "size", "icons"]
TEMPLATE_COLUMNS = ["server", "uri_template", "name", "title", "description", "mime_type"]
HISTORY_COLUMNS = ["time", "server", "kind", "tool", "arguments", "status", "duration_ms", "error"]
SUBSCRIPTION_COLUMNS = ["server", "uri", "updates", "last_update"]
LOG_COLUMNS = ["time", "server", "level", "logger", "message", "data"]


def icons_of(item: Any) -> list[dict[str, Any]] | None:
    """An item's icons as plain dicts (src, mime_type, sizes, theme), or None when it has none."""
    icons = getattr(item, "icons", None)
    if not icons:
        return None
    return [{"src": str(i.src), "mime_type": i.mime_type, "sizes": i.sizes, "theme": getattr(i, "theme", None)}
            for i in icons]  # fmt: skip


def _ts(value: float | None) -> Any:
    return pd.Timestamp(value, unit="s", tz="UTC") if value else pd.NaT


def _matches(words: list[str], *fields: str | None) -> bool:
    haystack = " ".join(f for f in fields if f).lower()
    return all(w in haystack for w in words)


def servers_frame(connections: Iterable[ServerView]) -> pd.DataFrame:
    rows = []
    for c in connections:
        info = c.server_info
        rows.append(
            {
                "name": c.name,
                "transport": c.spec.transport,
                "status": c.status,
                "tools": len(c.tools),
                "prompts": len(c.prompts),
                "resources": len(c.resources),
                "server_name": info.name if info else None,
                "server_version": info.version if info else None,
                "protocol_version": c.protocol_version,
                "connected_at": _ts(c.connected_at),
                "last_error": mask_text(c.last_error) if c.last_error else None,
                "target": c.spec.describe(),
            }
        )
    return pd.DataFrame(rows, columns=SERVER_COLUMNS)


class UsageFigures:
    """What the tools frame shows of usage: ``calls``, ``p50_ms``, ``last_used`` per tool."""

    __slots__ = ("count", "p50", "last_used")

    def __init__(self, count: int, p50: float | None, last_used: Any) -> None:
        self.count, self.p50, self.last_used = count, p50, last_used

    @classmethod
    def from_memory(cls, usage: ToolUsage) -> UsageFigures:
        return cls(usage.count, usage.percentile(50), _ts(usage.last_used))

    @classmethod
    def from_catalog(cls, item: Any) -> UsageFigures:
        return cls(item.usage_count, item.latency.p50_ms, pd.Timestamp(item.last_used_at) if item.last_used_at else pd.NaT)


def tool_rows(view: ServerView, words: list[str] | None = None) -> list[dict[str, Any]]:
    """One server's tools as rows of the columns that come from the listing (no usage figures),
    only those matching every word of ``words`` (name, title, description)."""
    rows = []
    for tool in view.tools.values():
        if words and not _matches(words, tool.name, tool.title, tool.description):
            continue
        schema = tool.input_schema or {}
        ann = tool.annotations
        read_only, destructive = flags(tool)
        rows.append(
            {
                "server": view.name,
                "name": tool.name,
                "title": tool.title or (ann.title if ann else None),
                "description": tool.description,
                "params": list((schema.get("properties") or {}).keys()),
                "required": list(schema.get("required") or []),
                "read_only": read_only,
                "destructive": destructive,
                "ui": ui_resource_uri(tool),  # apps:
                "input_schema": schema,
                "output_schema": tool.output_schema,
                "tokens": estimate_tokens(tool),  # bench: what its definition costs a model per turn
                "icons": icons_of(tool),
            }
        )
    return rows


def tools_frame(
    connections: Iterable[ServerView], usage: dict[tuple[str, str], UsageFigures], search: str | None = None,
    rows_of: Callable[[ServerView], list[dict[str, Any]]] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The tools of ``connections`` with their usage; ``rows_of(view)`` may hand back each server's
    listing rows from a cache (used when there is no ``search``)."""
    words = search.lower().split() if search else []
    rows = []
    for c in connections:
        for row in rows_of(c) if rows_of is not None and not words else tool_rows(c, words):
            stats = usage.get((row["server"], row["name"]))
            rows.append({**row, "calls": stats.count if stats else 0, "p50_ms": stats.p50 if stats else None,
                         "last_used": stats.last_used if stats else pd.NaT})  # fmt: skip
    frame = pd.DataFrame(rows, columns=TOOL_COLUMNS)
    frame["ui"] = pd.Series([r["ui"] for r in rows], dtype=object)  # apps: None (not NaN) without an app
    return frame


def prompts_frame(connections: Iterable[ServerView]) -> pd.DataFrame:
    rows = []
    for c in connections:
        for p in c.prompts.values():
            args = p.arguments or []
            rows.append(
                {
                    "server": c.name,
                    "name": p.name,
                    "title": p.title,
                    "description": p.description,
                    "arguments": [a.name for a in args],
                    "required": [a.name for a in args if a.required],
                    "icons": icons_of(p),
                }
            )
    return pd.DataFrame(rows, columns=PROMPT_COLUMNS)


def _items_frame(connections: Iterable[ServerView], attr: str, columns: list[str]) -> pd.DataFrame:
    """One row per item of each connection's ``attr`` listing; columns are the items' own fields."""
    rows = [
        {"server": c.name, **{col: icons_of(item) if col == "icons" else getattr(item, col) for col in columns[1:]}}
        for c in connections
        for item in getattr(c, attr)
    ]
    frame = pd.DataFrame(rows, columns=columns)
    if "uri" in columns:
        frame["uri"] = frame["uri"].map(str)  # pydantic URL objects → plain strings
    return frame


def resources_frame(connections: Iterable[ServerView]) -> pd.DataFrame:
    return _items_frame(connections, "resources", RESOURCE_COLUMNS)


def templates_frame(connections: Iterable[ServerView]) -> pd.DataFrame:
    return _items_frame(connections, "templates", TEMPLATE_COLUMNS)


def history_frame(records: Iterable[CallRecord]) -> pd.DataFrame:
    rows = [
        {
            "time": _ts(r.time),
            "server": r.server,
            "kind": r.kind,
            "tool": r.tool,
            "arguments": mask(r.arguments),
            "status": r.status,
            "duration_ms": r.duration_ms,
            "error": mask_text(r.error) if r.error else None,
        }
        for r in records
    ]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


CATALOG_COLUMNS = [
    "server", "kind", "name", "title", "description", "status", "category", "read_only", "destructive",
    "calls", "p50_ms", "p95_ms", "last_used", "schema_version", "updated_at", "id",
]  # fmt: skip
CHANGE_COLUMNS = ["at", "server", "kind", "name", "change", "schema_version"]


def catalog_frame(items: Iterable[Any]) -> pd.DataFrame:
    """Catalog items from the repository: servers seen before, connected now or not."""
    rows = [
        {
            "server": i.server, "kind": i.kind, "name": i.name, "title": i.title, "description": i.description,
            "status": i.status, "category": i.category, "read_only": i.read_only, "destructive": i.destructive,
            "calls": i.usage_count, "p50_ms": i.latency.p50_ms, "p95_ms": i.latency.p95_ms,
            "last_used": i.last_used_at, "schema_version": i.schema_version, "updated_at": i.updated_at, "id": i.id,
        }  # fmt: skip
        for i in items
    ]
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


def changes_frame(changes: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{k: c.get(k) for k in CHANGE_COLUMNS} for c in changes], columns=CHANGE_COLUMNS)


def stored_history_frame(records: Iterable[Any]) -> pd.DataFrame:
    """History rows read back from the repository (already masked when written)."""
    rows = [
        {
            "time": pd.Timestamp(r.at) if r.at else pd.NaT, "server": r.server, "kind": r.kind, "tool": r.tool,
            "arguments": r.arguments, "status": r.status, "duration_ms": r.duration_ms, "error": r.error,
        }  # fmt: skip
        for r in records
    ]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def subscriptions_frame(subscriptions: Iterable[Any]) -> pd.DataFrame:
    rows = [{"server": s.server, "uri": mask_text(s.uri), "updates": s.updates, "last_update": _ts(s.last_update)}
            for s in subscriptions]  # fmt: skip
    return pd.DataFrame(rows, columns=SUBSCRIPTION_COLUMNS)


def logs_frame(entries: Iterable[Any]) -> pd.DataFrame:
    """Server log messages (masked when they arrived), oldest first."""
    rows = [{"time": _ts(e.time), "server": e.server, "level": e.level, "logger": e.logger, "message": e.message,
             "data": e.data} for e in entries]  # fmt: skip
    return pd.DataFrame(rows, columns=LOG_COLUMNS)
REGISTRY_COLUMNS = ["name", "title", "description", "version", "packages", "remotes", "repository", "status",
                    "published_at", "fetched_at"]  # fmt: skip


def registry_frame(entries: Iterable[Any]) -> pd.DataFrame:
    """MCP Registry entries (``core.mcp_registry.RegistryEntry``), one row each, in the registry's order."""
    return pd.DataFrame([e.row() for e in entries], columns=REGISTRY_COLUMNS)
