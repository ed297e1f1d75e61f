"""The ``Workbench`` facade: the public Python API, sync and async twins with the same names.

Sync methods block on the engine thread (``wb.call``); async twins (``await wb.acall``) await
it from any loop. Work is done once, in coroutines; the twins only choose how to wait. The call
path is kept lean: a dict lookup, a cached validator, the request, an append to the call log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from ..views import frames
from ..catalog.sync import Catalog
from .config import ServerSpec, load_config_file
from .connection import ClientCallbacks, Connection, ProgressHandler
from .engine import Engine, get_engine
from ..errors import ArgumentError, CallTimeoutError, WorkbenchError
from .events import EventEmitter
from .history import CallLog, CallRecord
from ..catalog.repository import SQLRepository, open_repository
from .policy import ResourcePolicy
from .results import PromptResult, ResourceResult, ToolResult
from .secrets import mask_text
from .traffic import TrafficMonitor
from .sessions import DEFAULT_IDLE_TIMEOUT_S, SessionStore
from .validation import validate_arguments

T = TypeVar("T")
logger = logging.getLogger("mcp_workbench")


@dataclass(frozen=True)
class ConnectInfo:
    """What ``connect`` reports: enough to see at a glance that the server is there."""

    name: str
    transport: str
    status: str
    tools: int
    prompts: int
    resources: int
    templates: int
    protocol_version: str | None
    server: str | None
    connect_ms: float

    def __repr__(self) -> str:
        return (
            f"<connected {self.name} ({self.transport}, {self.server or 'unnamed server'}, protocol "
            f"{self.protocol_version}): {self.tools} tools, {self.prompts} prompts, {self.resources} resources, "
            f"{self.templates} templates in {self.connect_ms:.0f} ms>"
        )


class WorkbenchCore:
    """Connections to MCP servers and everything done with them, in one kernel.

    The core of the facade; ``mcp_workbench.facade.Workbench`` adds the outer layers (chat,
    record/replay, widgets) on top, so this module imports none of them.
    """

    def __init__(
        self,
        *,
        engine: Engine | None = None,
        timeout: float = 60.0,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S,
        callbacks: ClientCallbacks | None = None,
        store: str | os.PathLike[str] | SQLRepository | None | bool = None,
    ) -> None:
        """``store``: where the catalog and history persist — None for the default SQLite file
        (``~/.mcp-workbench/catalog.sqlite``, or under ``$MCP_WORKBENCH_HOME``), a path or
        ``sqlite:///...``, ``postgresql://...``, an open repository, or False for memory only."""
        self.engine = engine or get_engine()
        self.events = EventEmitter()
        self.sessions = SessionStore(self.events, idle_timeout=idle_timeout)
        self.log = CallLog()
        self.default_timeout = timeout
        self.callbacks = callbacks or ClientCallbacks()
        self.catalog_store: Catalog | None = None
        self.store: Any = False
        self.monitor = TrafficMonitor()
        self.resource_policy = ResourcePolicy()  # file:// reads only inside the roots (policy.py)
        # Replay (record/replay) installs a function here: spec -> a transport, or None for the real server.
        self.transport_override: Callable[[ServerSpec], Any] | None = None
        # apps: the MCP Apps host (mcp_workbench.apps.AppHost) results ask for ``r.app``, and the
        # client extensions every connection advertises in its handshake (the host adds its own).
        self.app_host: Any = None
        self.client_extensions: list[Any] = []
        if store is not False:
            self.set_store(store)

    def set_store(self, store: str | os.PathLike[str] | SQLRepository | None | bool) -> None:
        """Switch the persistent catalog (None: the default SQLite file; False: memory only)."""
        if self.catalog_store is not None:
            self.catalog_store.close()
            self.catalog_store = None
        self.store = store
        if store is not False:
            repo = store if isinstance(store, SQLRepository) else open_repository(None if store is True else store)
            self.catalog_store = Catalog(repo, self.events, self.log, self.registry.lookup)

    # ------------------------------------------------------------------ plumbing
    @property
    def registry(self):  # type: ignore[no-untyped-def]
        return self.sessions.default.registry

    @property
    def idle_timeout(self) -> float | None:
        return self.sessions.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, value: float | None) -> None:
        self.sessions.idle_timeout = value

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.engine.run(coro)

    def on(self, event: str, handler: Callable[[dict[str, Any]], Any]) -> Callable[[], None]:
        """Subscribe to an event; returns an unsubscribe function. Handlers run on the engine thread."""
        return self.events.on(event, handler)

    def off(self, event: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        self.events.off(event, handler)

    # ------------------------------------------------------------------ connect
    def connect(self, name: str, **options: Any) -> ConnectInfo:
        """Connect a server: ``command=``/``args=``/``env=``/``cwd=`` (stdio) or ``url=`` (HTTP, SSE).

        Other options: ``transport=`` ("stdio", "http", "sse"), ``headers=``, ``timeout=`` (per-call
        default, seconds), ``connect_timeout=``, ``inherit_env=True`` (stdio servers otherwise get a
        minimal environment plus ``env``). Values may reference ``${env:VAR}``.

        ``auth="oauth"`` signs in to a remote server (OAuth 2.1: a sign-in link, tokens kept in the
        OS keyring or a 0600 file); ``auth={...}`` adds client_id / client_secret / scopes, or
        ``{"type": "client_credentials", ...}`` for unattended runs. ``redirect_handler(url)`` and
        ``callback_handler()`` replace the link and the loopback callback in headless runs.
        """
        spec = self._spec(name, options)
        return self._run(self._connect(spec))

    def _client_callbacks(self, server: str) -> ClientCallbacks:
        """The server-to-client handlers for ``server`` (the chat layer overrides this)."""
        return self.callbacks

    def _set_connection_hooks(self, server: str, **hooks: Any) -> None:
        """``connect(..., on_elicitation=, on_sampling=, roots=)``: needs the chat layer."""
        raise WorkbenchError(f"{', '.join(hooks)} need the full Workbench (mcp_workbench.Workbench)")

    async def aconnect(self, name: str, **options: Any) -> ConnectInfo:
        spec = self._spec(name, options)
        return await self.engine.arun(self._connect(spec))

    def _spec(self, name: str, options: dict[str, Any]) -> ServerSpec:
        hooks = {k: options.pop(k) for k in ("on_elicitation", "on_sampling", "roots") if k in options}
        if hooks:
            self._set_connection_hooks(name, **hooks)
        unknown = set(options) - {
            "command", "args", "env", "cwd", "url", "transport", "headers", "timeout", "connect_timeout",
            "inherit_env", "auth", "redirect_handler", "callback_handler",
        }  # fmt: skip
        if unknown:
            raise WorkbenchError(f"connect() got unknown option(s) {', '.join(sorted(unknown))}")
        handlers = {k: options.pop(k) for k in ("redirect_handler", "callback_handler") if options.get(k) is not None}
        if handlers and not options.get("auth"):
            raise WorkbenchError("redirect_handler= / callback_handler= are for sign-in: pass auth='oauth' too")
        spec = ServerSpec.build(name, **options)
        return dataclasses.replace(spec, extra={**spec.extra, **handlers}) if handlers else spec

    async def _connect(self, spec: ServerSpec) -> ConnectInfo:
        self.sessions.ensure_sweeper()
        registry = self.registry
        old = registry.remove(spec.name) if spec.name in registry else None
        if old is not None:
            await old.close()
        conn = Connection(
            spec, self.events, callbacks=self._client_callbacks(spec.name), default_timeout=lambda: self.default_timeout,
            tap=self.monitor.tap_for(spec.name),
            transport_override=lambda s: self.transport_override(s) if self.transport_override else None,
            extensions=self.client_extensions,  # apps:
        )  # fmt: skip
        registry.add(conn)
        start = time.perf_counter()
        # On failure the connection stays listed (status error, last_error) so servers() shows why.
        await conn.open()
        self.events.emit("tools_changed", {"server": spec.name, "tools": len(conn.tools)})
        return _connect_info(conn, (time.perf_counter() - start) * 1000)

    def load_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
        """Connect every server of a Claude Desktop / Cursor / VS Code file, in parallel."""
        specs = load_config_file(path)
        return self._run(self._connect_many(specs, strict))

    async def aload_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
        specs = load_config_file(path)
        return await self.engine.arun(self._connect_many(specs, strict))

    async def _connect_many(self, specs: list[ServerSpec], strict: bool) -> pd.DataFrame:
        results = await asyncio.gather(*(self._connect(s) for s in specs), return_exceptions=True)
        failures = [(s.name, r) for s, r in zip(specs, results) if isinstance(r, BaseException)]
        for name, exc in failures:
            logger.warning("server %s failed to connect: %s", name, exc)
        if strict and failures:
            raise failures[0][1]
        names = {s.name for s in specs}
        return frames.servers_frame(c for c in self.registry if c.name in names)

    def disconnect(self, name: str) -> None:
        """Close a server and forget it (its process tree is ended)."""
        self._run(self._disconnect(name))

    async def adisconnect(self, name: str) -> None:
        await self.engine.arun(self._disconnect(name))

    async def _disconnect(self, name: str) -> None:
        conn = self.registry.get(name)
        await conn.close()
        self.registry.remove(name)

    def logout(self, name: str) -> bool:
        """Forget the stored OAuth tokens of server ``name`` (or of a URL) and close the
        connection that holds them in memory; the next connect signs in again. True when
        tokens were stored."""
        from .auth import forget_tokens

        if name.startswith(("http://", "https://")):
            return forget_tokens(ServerSpec.build("logout", url=name, auth="oauth").resolved())
        conn = self.registry.get(name)
        removed = forget_tokens(conn.spec.resolved())
        if conn.spec.auth is not None:
            self._run(conn.close(reason="logged out"))
        return removed

    def reconnect(self, name: str) -> ConnectInfo:
        """Close and reopen a server with the same spec."""
        return self._run(self._connect(self.registry.get(name).spec))

    async def areconnect(self, name: str) -> ConnectInfo:
        return await self.engine.arun(self._connect(self.registry.get(name).spec))

    def close(self) -> None:
        """Close every connection of every session; the workbench stays usable afterwards."""
        if self.engine._loop is None:  # never started: nothing to close
            return
        self._run(self._close())

    async def aclose(self) -> None:
        await self.engine.arun(self._close())

    async def _close(self) -> None:
        await self.sessions.close_all()
        for session in self.sessions:
            for conn in session.registry:
                session.registry.remove(conn.name)
        if self.catalog_store is not None:
            await asyncio.to_thread(self.catalog_store.flush)

    # ------------------------------------------------------------------ listings
    def servers(self) -> pd.DataFrame:
        """One row per server: name, transport, status, tools, prompts, resources, server info..."""
        return frames.servers_frame(self.registry)

    def _selected(self, server: str | None) -> list[Connection]:
        return [self.registry.get(server)] if server else list(self.registry)

    def tools(
        self, server: str | None = None, *, search: str | None = None,
        read_only: bool | None = None, destructive: bool | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Every tool of every server (or one), filtered by keywords and annotations, with usage."""
        conns = self._selected(server)
        frame = frames.tools_frame(conns, self._usage([c.name for c in conns]), search)
        for column, wanted in (("read_only", read_only), ("destructive", destructive)):
            if wanted is not None:
                frame = frame[frame[column] == wanted].reset_index(drop=True)
        return frame

    def tool(self, target: str) -> Any:
        """The MCP ``Tool`` (name, description, input_schema, annotations) for ``server.tool``."""
        conn, name = self.registry.resolve(target)
        self.registry.check_item(conn, name)
        return conn.tools[name]

    def prompt(self, target: str) -> Any:
        """The MCP ``Prompt`` for ``server.prompt``."""
        conn, name = self.registry.resolve(target, "prompt")
        self.registry.check_item(conn, name, "prompt")
        return conn.prompts[name]

    def resource(self, server: str, uri: str) -> Any:
        """The listed MCP ``Resource`` (name, mime_type, ``meta``...) for ``uri``, or None when
        ``server`` does not list it (a template's URI, say)."""
        # apps: a read-only view; the app host reads a ui:// resource's listed _meta.ui here.
        return next((r for r in self.registry.get(server).resources if str(r.uri) == uri), None)

    def server_names(self) -> list[str]:
        return self.registry.names()

    def _usage(self, servers: list[str]) -> dict[tuple[str, str], frames.Usage]:
        """Usage per tool: lifetime figures from the catalog, else this kernel's."""
        if self.catalog_store is None:
            return {k: frames.Usage.from_memory(u) for k, u in list(self.log.usage.items())}
        self.catalog_store.flush()
        return {
            (item.server, item.name): frames.Usage.from_catalog(item)
            for server in servers
            for item in self._catalog_items(server=server, kind="tool")
        }

    def _catalog_items(self, query: str | None = None, **filters: Any) -> list[Any]:
        repo = self._require_catalog().repo
        items: list[Any] = []
        cursor = None
        while True:
            page = repo.search(query, cursor=cursor, limit=1000, **filters)
            items.extend(page.items)
            if not page.has_more:
                return items
            cursor = page.next_cursor

    def _require_catalog(self) -> Catalog:
        if self.catalog_store is None:
            raise WorkbenchError("this workbench has no store (store=False); open one with wb.set_store(None)")
        return self.catalog_store

    def catalog(
        self, search: str | None = None, *, server: str | None = None, kind: str | None = "tool",
        status: str | None = None, category: str | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Everything ever catalogued (servers seen before, connected now or not), with usage."""
        self._require_catalog().flush()
        items = self._catalog_items(search, server=server, kind=kind, status=status, category=category)
        return frames.catalog_frame(items)

    def catalog_changes(self, server: str | None = None, *, since: Any = None) -> pd.DataFrame:
        """What the last sync of ``server`` found (added, removed, schema changed), or all since ``since``."""
        cat = self._require_catalog()
        cat.flush()
        if since is not None or server is None:
            return frames.changes_frame(cat.repo.changes(server, since))
        if server not in cat.last_changes and server not in self.registry:
            self.registry.get(server)  # raises with suggestions
        return frames.changes_frame(cat.last_changes.get(server, []))

    def prompts(self, server: str | None = None) -> pd.DataFrame:
        return frames.prompts_frame(self._selected(server))

    def resources(self, server: str | None = None) -> pd.DataFrame:
        return frames.resources_frame(self._selected(server))

    def resource_templates(self, server: str | None = None) -> pd.DataFrame:
        return frames.templates_frame(self._selected(server))

    def refresh(self, server: str | None = None) -> None:
        """Re-read listings from the server(s)."""
        conns = self._selected(server)

        async def refresh_all() -> None:
            await asyncio.gather(*(self._ensure_open_then(c, c.refresh) for c in conns))

        self._run(refresh_all())

    async def _ensure_open_then(self, conn: Connection, op: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if not conn.is_open:
            await conn.open()
        return await op()

    # ------------------------------------------------------------------ calls
    def call(
        self,
        target: str,
        arguments: dict[str, Any] | None = None,
        /,
        *,
        timeout: float | None = None,
        on_progress: ProgressHandler | None = None,
        **kwargs: Any,
    ) -> ToolResult:
        """Call ``server.tool`` with a dict and/or keyword arguments; returns a ``ToolResult``."""
        conn, tool, args = self._prepare_call(target, arguments, kwargs)
        return self.engine.run(self._invoke(conn, tool, args, timeout, on_progress))

    async def acall(
        self,
        target: str,
        arguments: dict[str, Any] | None = None,
        /,
        *,
        timeout: float | None = None,
        on_progress: ProgressHandler | None = None,
        **kwargs: Any,
    ) -> ToolResult:
        """Async twin of ``call`` (top-level ``await`` in a notebook cell)."""
        conn, tool, args = self._prepare_call(target, arguments, kwargs)
        return await self.engine.arun(self._invoke(conn, tool, args, timeout, on_progress))

    def _prepare_call(
        self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any]
    ) -> tuple[Connection, str, dict[str, Any]]:
        if not isinstance(target, str):
            raise ArgumentError("the tool is named as a string 'server.tool', e.g. wb.call('demo.add', a=1, b=2)")
        if arguments is not None and not isinstance(arguments, dict):
            raise ArgumentError(f"{target}: arguments must be a dict, got {type(arguments).__name__}")
        args = {**arguments, **kwargs} if arguments else kwargs
        conn, tool = self.registry.resolve(target)
        spec = conn.tools.get(tool)
        if spec is None:
            self.registry.check_item(conn, tool)
        else:
            validate_arguments(f"{conn.name}.{tool}", spec.input_schema, args)
        return conn, tool, args

    async def _invoke(
        self, conn: Connection, tool: str, args: dict[str, Any], timeout: float | None, on_progress: Any
    ) -> ToolResult:
        emit = self.events.has_handlers("operation_started") or self.events.has_handlers("operation_completed")
        if emit:
            self.events.emit("operation_started", {"operation": "call", "server": conn.name, "tool": tool})
        started = time.time()
        t0 = time.perf_counter()
        status, error, result = "ok", None, None
        try:
            if not conn.is_open:
                await conn.open()  # idle-closed or crashed: reconnect once, by itself
            raw = await conn.call_tool(tool, args, timeout=timeout, on_progress=on_progress)
            duration = (time.perf_counter() - t0) * 1000
            result = ToolResult(raw, server=conn.name, tool=tool, arguments=args, duration_ms=duration,
                                app_host=self.app_host)  # apps:  # fmt: skip
            if raw.is_error:
                status, error = "error", mask_text(result.text)[:500]
            return result
        except BaseException as exc:
            status = _status_of(exc)
            error = mask_text(str(exc)) or type(exc).__name__
            raise
        finally:
            duration = (time.perf_counter() - t0) * 1000
            # The result rides along only until the catalog has taken its preview (then it is dropped).
            kept = result if self.catalog_store is not None else None
            self.log.append(CallRecord(started, conn.name, tool, dict(args), status, duration, error, "tool", kept))
            if emit:
                self.events.emit(
                    "operation_completed",
                    {"operation": "call", "server": conn.name, "tool": tool, "success": status == "ok",
                     "status": status, "duration_ms": duration, "error": error},
                )  # fmt: skip

    def get_prompt(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None, **kwargs: Any
    ) -> PromptResult:
        """Render ``server.prompt`` with its arguments."""
        return self._run(self._get_prompt(target, {**(arguments or {}), **kwargs}, timeout))

    async def aget_prompt(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None, **kwargs: Any
    ) -> PromptResult:
        return await self.engine.arun(self._get_prompt(target, {**(arguments or {}), **kwargs}, timeout))

    async def _get_prompt(self, target: str, args: dict[str, Any], timeout: float | None) -> PromptResult:
        conn, name = self.registry.resolve(target, "prompt")
        prompt = conn.prompts.get(name)
        if prompt is None:
            self.registry.check_item(conn, name, "prompt")
        else:
            missing = [a.name for a in prompt.arguments or [] if a.required and a.name not in args]
            if missing:
                raise ArgumentError(f"{conn.name}.{name}: missing required argument {', '.join(map(repr, missing))}")
        str_args = {k: v if isinstance(v, str) else _json(v) for k, v in args.items()}
        raw = await self._tracked(conn, "prompt", name, args, lambda: conn.get_prompt(name, str_args, timeout=timeout))
        return PromptResult(raw, server=conn.name, prompt=name)

    def read(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        """Read a resource (or a filled-in resource template) by URI."""
        return self._run(self._read(server, uri, timeout))

    async def aread(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        return await self.engine.arun(self._read(server, uri, timeout))

    async def _read(self, server: str, uri: str, timeout: float | None) -> ResourceResult:
        conn = self.registry.get(server)
        self.resource_policy.check(conn.name, uri)  # before anything is sent: refused files never leave
        shown = mask_text(uri)  # a token-bearing URI is recorded and shown masked
        raw = await self._tracked(conn, "resource", shown, {"uri": shown}, lambda: conn.read_resource(uri, timeout=timeout))
        return ResourceResult(raw, server=conn.name, uri=uri)

    async def _tracked(
        self, conn: Connection, kind: str, name: str, args: dict[str, Any], op: Callable[[], Coroutine[Any, Any, T]]
    ) -> T:
        """Run a non-tool request with reconnect, history and events."""
        self.events.emit("operation_started", {"operation": kind, "server": conn.name, "tool": name})
        started, t0 = time.time(), time.perf_counter()
        status, error = "ok", None
        try:
            if not conn.is_open:
                await conn.open()
            return await op()
        except BaseException as exc:
            status, error = _status_of(exc), mask_text(str(exc))
            raise
        finally:
            duration = (time.perf_counter() - t0) * 1000
            self.log.append(CallRecord(started, conn.name, name, dict(args), status, duration, error, kind))
            self.events.emit(
                "operation_completed",
                {"operation": kind, "server": conn.name, "tool": name, "success": status == "ok",
                 "status": status, "duration_ms": duration, "error": error},
            )  # fmt: skip

    def ping(self, server: str | None = None) -> pd.DataFrame:
        """Round-trip latency per server (reconnecting idle ones)."""
        return self._run(self._ping(self._selected(server)))

    async def aping(self, server: str | None = None) -> pd.DataFrame:
        return await self.engine.arun(self._ping(self._selected(server)))

    async def _ping(self, conns: list[Connection]) -> pd.DataFrame:
        async def one(c: Connection) -> dict[str, Any]:
            try:
                ms = await self._ensure_open_then(c, lambda: c.ping(timeout=10))
                return {"server": c.name, "status": c.status, "latency_ms": ms, "error": None}
            except WorkbenchError as exc:
                return {"server": c.name, "status": c.status, "latency_ms": None, "error": str(exc)}

        rows = await asyncio.gather(*(one(c) for c in conns))
        return pd.DataFrame(rows, columns=["server", "status", "latency_ms", "error"])

    # ------------------------------------------------------------------ traffic
    def trace(self, server: str | None = None, *, stop: bool = False, limit: int | None = None) -> list[str]:
        """Record the wire traffic of ``server`` (every server when None); ``stop=True`` ends it.

        ``limit`` bounds each server's buffer (default 10,000 messages). Returns the traced servers.
        """
        if server is not None and server not in self.registry and server not in self.monitor.taps:
            self.registry.get(server)  # raises with suggestions
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise WorkbenchError("limit must be a positive number of messages, e.g. limit=10000")
        if stop:
            self.monitor.stop(server)
        else:
            self.monitor.start(server, limit)
        return self.monitor.tracing()

    def traffic(
        self, server: str | None = None, *, method: str | None = None, kind: str | None = None,
        errors: bool = False, last: int | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """What crossed the wire while tracing: time, server, direction, kind, method, id,
        latency_ms (responses, matched to their request), size_bytes, preview, payload."""
        return self.monitor.frame(server, method=method, kind=kind, errors=errors, last=last)

    # ------------------------------------------------------------------ history, stats
    def history(self, *, server: str | None = None, last: int | None = None) -> pd.DataFrame:
        """Every call this kernel made (secrets masked), oldest first."""
        if self.catalog_store is not None:
            self.catalog_store.flush()
            stored = self.catalog_store.repo.history(limit=last or 1_000_000, server=server)
            return frames.stored_history_frame(reversed(stored))
        records = self.log.snapshot()
        if server:
            records = [r for r in records if r.server == server]
        if last:
            records = records[-last:]
        return frames.history_frame(records)

    def stats(self) -> dict[str, Any]:
        """Sessions, connections, calls, errors, and calls per server."""
        by_server: dict[str, int] = {}
        for (server, _), usage in list(self.log.usage.items()):
            by_server[server] = by_server.get(server, 0) + usage.count
        stats = {**self.sessions.stats(), "calls": self.log.total, "errors": self.log.errors, "calls_by_server": by_server}
        if self.catalog_store is not None:
            self.catalog_store.flush()
            stats["catalog"] = self.catalog_store.repo.stats()
        return stats

    def __repr__(self) -> str:
        s = self.sessions.stats()
        return f"<Workbench: {s['connected']}/{s['connections']} servers connected, {self.log.total} calls>"


def _connect_info(conn: Connection, ms: float) -> ConnectInfo:
    info = conn.server_info
    return ConnectInfo(
        conn.name, conn.spec.transport, conn.status, len(conn.tools), len(conn.prompts), len(conn.resources),
        len(conn.templates), conn.protocol_version, f"{info.name} {info.version}".strip() if info else None, ms,
    )  # fmt: skip


def _status_of(exc: BaseException) -> str:
    if isinstance(exc, (CallTimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
        return "cancelled"
    return "error"


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
