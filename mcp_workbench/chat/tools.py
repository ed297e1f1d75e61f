"""MCP tools as OpenAI functions, and back.

Function names must match ``^[a-zA-Z0-9_-]{1,64}$``, so ``server.tool`` becomes
``server__tool`` with other characters replaced by ``_``; a name that is too long or that
collides gets a short hash suffix. The way back is a dict lookup, never a parse, so any name
round-trips.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core.appmeta import visible_to

_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64


@dataclass(frozen=True)
class BoundTool:
    """A tool the model may call: where it lives and what its annotations say."""

    api_name: str
    server: str
    tool: str
    description: str
    schema: dict[str, Any]
    read_only: bool
    destructive: bool

    @property
    def target(self) -> str:
        return f"{self.server}.{self.tool}"


def api_name(server: str, tool: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``server__tool`` made valid for the API and unique among ``taken``."""
    base = _ALLOWED.sub("_", f"{server}__{tool}")
    if len(base) <= MAX_NAME and base not in taken:
        return base
    digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()
    for size in range(6, 41):
        name = f"{base[: MAX_NAME - size - 1]}_{digest[:size]}"
        if name not in taken:
            return name
    raise ValueError(f"cannot name {server}.{tool} uniquely")  # 40 hex digits collide: not in practice


def _schema(tool: Any) -> dict[str, Any]:
    schema = dict(getattr(tool, "input_schema", None) or {})
    schema.setdefault("type", "object")
    if schema.get("type") == "object":
        schema.setdefault("properties", {})
    return schema


class ToolMap:
    """The tools of a chat's servers, by API name, and their OpenAI ``tools`` parameter."""

    def __init__(self, connections: Iterable[Any]) -> None:
        self.by_name: dict[str, BoundTool] = {}
        for conn in connections:
            for name, tool in sorted(conn.tools.items()):
                if not visible_to(tool, "model"):  # apps: an app-only tool (_meta.ui.visibility)
                    continue
                ann = getattr(tool, "annotations", None)
                key = api_name(conn.name, name, set(self.by_name))
                self.by_name[key] = BoundTool(
                    api_name=key, server=conn.name, tool=name,
                    description=(tool.description or getattr(tool, "title", None) or name),
                    schema=_schema(tool),
                    read_only=bool(ann and ann.read_only_hint),
                    destructive=bool(ann and ann.destructive_hint),
                )  # fmt: skip

    def __len__(self) -> int:
        return len(self.by_name)

    def get(self, name: str) -> BoundTool | None:
        return self.by_name.get(name)

    def specs(self) -> list[dict[str, Any]]:
        """The ``tools=`` list for chat completions."""
        return [
            {"type": "function",
             "function": {"name": t.api_name, "description": f"[{t.server}] {t.description}"[:1024],
                          "parameters": t.schema}}
            for t in self.by_name.values()
        ]  # fmt: skip
