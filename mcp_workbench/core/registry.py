"""Many connections by name, and ``server.tool`` addressing with helpful misses.

Resolution is a dict lookup on the hot path; the fuzzy matching that builds "did you mean"
suggestions runs only when a lookup fails.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from .connection import Connection
from .capabilities import offers
from ..errors import ServerNotFoundError, ToolNotFoundError
from .events import EventEmitter


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.5)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if candidates:
        shown = ", ".join(sorted(candidates)[:10]) + (" ..." if len(candidates) > 10 else "")
        return f"; known: {shown}"
    return ""


class Registry:
    """Connections by server name; emits ``server_added`` / ``server_removed``."""

    def __init__(self, emitter: EventEmitter) -> None:
        self._emitter = emitter
        self._connections: dict[str, Connection] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._connections

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._connections.values()))

    def __len__(self) -> int:
        return len(self._connections)

    def names(self) -> list[str]:
        return list(self._connections)

    def add(self, connection: Connection) -> None:
        self._connections[connection.name] = connection
        self._emitter.emit("server_added", {"server": connection.name, "transport": connection.spec.transport})

    def remove(self, name: str) -> Connection | None:
        connection = self._connections.pop(name, None)
        if connection is not None:
            self._emitter.emit("server_removed", {"server": name})
        return connection

    def lookup(self, name: str) -> Connection | None:
        return self._connections.get(name)

    def get(self, name: str) -> Connection:
        connection = self._connections.get(name)
        if connection is None:
            if not self._connections:
                raise ServerNotFoundError(
                    f"no server named {name!r}: no server is connected yet; connect one with wb.connect(...) "
                    "or %mcp connect NAME ..."
                )
            raise ServerNotFoundError(f"no server named {name!r}{_suggest(name, self.names())}")
        return connection

    def resolve(self, target: str, kind: str = "tool") -> tuple[Connection, str]:
        """``server.tool`` → (connection, tool); a bare ``tool`` works when only one server has it."""
        server, dot, item = target.partition(".")
        if dot:
            connection = self._connections.get(server)
            if connection is not None:
                return connection, item
            if server not in self._connections and self.find(target, kind):
                pass  # a bare name that itself contains a dot (e.g. "files.read"): fall through
            else:
                self.get(server)  # raises with suggestions
        matches = self.find(target, kind)
        if len(matches) == 1:
            return matches[0], target
        if len(matches) > 1:
            where = ", ".join(f"{c.name}.{target}" for c in matches)
            raise ToolNotFoundError(f"{kind} {target!r} exists on several servers; name one: {where}")
        every = [f"{c.name}.{n}" for c in self for n in _items(c, kind)]
        raise ToolNotFoundError(f"no {kind} {target!r}; address it as SERVER.{kind.upper()}{_suggest(target, every)}")

    def find(self, name: str, kind: str = "tool") -> list[Connection]:
        return [c for c in self._connections.values() if name in _items(c, kind)]

    def resolve_item(self, target: str, kind: str = "tool") -> tuple[Connection, str, Any]:
        """``server.tool`` → (connection, name, the ``Tool`` or ``Prompt``); a name the server
        lacks is a ``ToolNotFoundError`` with suggestions."""
        connection, name = self.resolve(target, kind)
        items = _items(connection, kind)
        item = items.get(name)
        if item is None:
            raise ToolNotFoundError(f"server {connection.name!r} has no {kind} {name!r}{_suggest(name, list(items))}")
        return connection, name, item


class ServerView:
    """A read-only view of one server, for the layers outside the core (widgets, magics, chat,
    export): what it is, its state, and what it offers, never the connection's controls."""

    __slots__ = ("_conn",)

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    name = property(lambda self: self._conn.name, doc="the server's name in the workbench")
    spec = property(lambda self: self._conn.spec, doc="how it is started or reached (``ServerSpec``, values as written)")
    transport = property(lambda self: self._conn.spec.transport, doc="a name of ``core.transports.TRANSPORTS``")
    status = property(lambda self: self._conn.status, doc="connected | connecting | disconnected | idle | error")
    is_open = property(lambda self: self._conn.is_open, doc="True while a live session is open")
    last_error = property(lambda self: self._conn.last_error, doc="why the last connect or session failed")
    connected_at = property(lambda self: self._conn.connected_at, doc="epoch seconds of the last connect")
    in_flight = property(lambda self: self._conn.in_flight, doc="requests running now")
    server_info = property(lambda self: self._conn.server_info, doc="the server's name and version")
    protocol_version = property(lambda self: self._conn.protocol_version, doc="the negotiated protocol version")
    capabilities = property(lambda self: self._conn.capabilities, doc="what the server advertised")
    instructions = property(lambda self: self._conn.instructions, doc="the server's instructions, if any")
    log_level = property(lambda self: self._conn.log_level, doc="the level of log messages asked for")
    subscribed = property(lambda self: frozenset(self._conn.listener.uris), doc="the resources subscribed to")
    resources = property(lambda self: tuple(self._conn.resources), doc="the resources listed")
    templates = property(lambda self: tuple(self._conn.templates), doc="the resource templates listed")

    def offers(self, feature: str) -> bool:
        """Whether the server advertised ``feature``: "completions", "logging" or "subscribe"."""
        return offers(self._conn.capabilities, feature)

    @property
    def tools(self) -> Mapping[str, Any]:
        """The tools listed, by name."""
        return MappingProxyType(self._conn.tools)

    @property
    def prompts(self) -> Mapping[str, Any]:
        """The prompts listed, by name."""
        return MappingProxyType(self._conn.prompts)

    def __repr__(self) -> str:
        return f"<ServerView {self.name} ({self.transport}, {self.status})>"


def _items(connection: Connection, kind: str) -> dict[str, object]:
    return connection.prompts if kind == "prompt" else connection.tools  # type: ignore[return-value]
