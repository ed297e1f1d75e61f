"""The connection service: connect, list, call, read, ping and trace, on the engine thread.

Sync methods block on the engine thread (``call``); async twins (``acall``) await it from any
loop. Work is done once, in coroutines; the twins only choose how to wait. The call path is
kept lean: one dict lookup to resolve ``server.tool``, a cached validator, the request, an append
to the call log (the catalog persists it off the hot path). This is the core of the public
``Workbench`` (``mcp_workbench.facade``), which adds the catalog, the listings as DataFrames and
the outer layers; nothing here imports them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ArgumentError, CallTimeoutError, ConnectionFailedError, WorkbenchError
from .config import ServerSpec, load_config_file
from .logs import check_level, set_log_level
from .connection import Connection, ProgressHandler
from .engine import Engine
from .events import EventEmitter
from .history import CallLog, CallRecord
from .raw import handshake_info, raw_outcome
from .registry import ServerView
from .requests import UNSET, ServerRequests
from .results import PromptResult, ResourceResult, ToolResult
from .secrets import mask_text
from .sessions import SessionStore
from .tasks import TaskManager
from .traffic import TrafficMonitor
from .validation import preload as preload_validation
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


@dataclass(frozen=True, kw_only=True)
class ConnectOptions:
    """Everything ``connect`` takes besides the name (see ``Workbench.connect`` for each option)."""

    command: str | None = None
    args: Sequence[str] | None = None
    env: Mapping[str, str] | None = None
    cwd: str | os.PathLike[str] | None = None
    url: str | None = None
    transport: str | None = None
    headers: Mapping[str, str] | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    inherit_env: bool = False
    auth: str | dict[str, Any] | None = None
    redirect_handler: Callable[[str], Any] | None = None
    callback_handler: Callable[[], Any] | None = None
    on_elicitation: Any = UNSET
    on_sampling: Any = UNSET
    roots: Any = UNSET
    log_level: str | None = None

    @classmethod
    def of(cls, given: dict[str, Any]) -> ConnectOptions:
        """From a ``connect`` call's locals (its own parameters, nothing else)."""
        return cls(**{f.name: given[f.name] for f in dataclasses.fields(cls)})

    def spec(self, name: str) -> ServerSpec:
        """The server spec these options describe (sign-in handlers kept in memory only)."""
        handlers = {k: v for k, v in (("redirect_handler", self.redirect_handler),
                                      ("callback_handler", self.callback_handler)) if v is not None}  # fmt: skip
        if handlers and not self.auth:
            raise WorkbenchError("redirect_handler= / callback_handler= are for sign-in: pass auth='oauth' too")
        spec = ServerSpec.build(
            name, command=self.command, args=list(self.args) if self.args is not None else None,
            env=dict(self.env) if self.env is not None else None, cwd=self.cwd, url=self.url, transport=self.transport,
            headers=dict(self.headers) if self.headers is not None else None, timeout=self.timeout,
            connect_timeout=self.connect_timeout, inherit_env=self.inherit_env, auth=self.auth,
        )  # fmt: skip
        return dataclasses.replace(spec, extra={**spec.extra, **handlers}) if handlers else spec


class ServerService:
    """Live connections to MCP servers, and every request made through them, in one kernel."""

    # bench: an outer layer may diagnose a failed URL connect (the doctor); its one-line summary
    # is added to the ConnectionFailedError. None: no diagnosis.
    connect_doctor: Callable[[ServerSpec], Awaitable[str | None]] | None = None

    def __init__(
        self, *, engine: Engine, events: EventEmitter, requests: ServerRequests, timeout: float,
        idle_timeout: float | None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.events = events
        self.requests = requests
        self.sessions = SessionStore(events, idle_timeout=idle_timeout)
        self.log = CallLog()
        self.default_timeout = timeout
        self.monitor = TrafficMonitor()
        self.keep_results = False  # a catalog is listening: hand it each result for its preview
        # Replay (record/replay) installs a function here: spec -> a transport, or None for the real server.
        self.transport_override: Callable[[ServerSpec], Any] | None = None
        # apps: the MCP Apps host (mcp_workbench.apps.AppHost) results ask for ``r.app``, and the
        # client extensions every connection advertises in its handshake (the host adds its own).
        self.app_host: Any = None
        self.client_extensions: list[Any] = []
        self.tasks = TaskManager(events, self.registry.get)
        self.tasks.on_settled = self._log_task
        self.log_levels: dict[str, str] = {}  # asked for at connect or with set_log_level: kept across reconnects

    @property
    def registry(self) -> Any:
        """The live sessions by name (``core.registry.Registry``)."""
        return self.sessions.registry

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.engine.run(coro)

    # ------------------------------------------------------------------ servers, read-only
    def server(self, name: str) -> ServerView:
        return ServerView(self.registry.get(name))

    def views(self) -> list[ServerView]:
        return [ServerView(c) for c in self.registry]

    def names(self) -> list[str]:
        return self.registry.names()

    def resolve(self, target: str, kind: str = "tool") -> tuple[str, Any]:
        """``server.tool`` (or a unique bare name) -> (server name, the Tool or Prompt), with suggestions."""
        conn, _, item = self.registry.resolve_item(target, kind)
        return conn.name, item

    def connections(self, server: str | None) -> list[Connection]:
        return [self.registry.get(server)] if server else list(self.registry)

    # ------------------------------------------------------------------ connect
    def connect(self, name: str, options: ConnectOptions) -> ConnectInfo:
        return self._run(self._connect(self._spec(name, options)))

    async def aconnect(self, name: str, options: ConnectOptions) -> ConnectInfo:
        spec = self._spec(name, options)
        return await self.engine.arun(self._connect(spec))

    def _spec(self, name: str, options: ConnectOptions) -> ServerSpec:
        spec = options.spec(name)
        if options.log_level is not None:
            self.log_levels[name] = check_level(options.log_level)
        self.requests.set_hooks(
            name, on_elicitation=options.on_elicitation, on_sampling=options.on_sampling, roots=options.roots
        )
        return spec

    async def _connect(self, spec: ServerSpec) -> ConnectInfo:
        self.sessions.ensure_sweeper()
        preload_validation()  # perf (#15): jsonschema's slow import runs while the server starts, not in a call
        registry = self.registry
        old = registry.remove(spec.name) if spec.name in registry else None
        if old is not None:
            await old.close()
        conn = Connection(
            spec, self.events, callbacks=self.requests.callbacks(spec.name),
            default_timeout=lambda: self.default_timeout, tap=self.monitor.tap_for(spec.name),
            transport_override=lambda s: self.transport_override(s) if self.transport_override else None,
            extensions=self.client_extensions,  # apps:
            tasks=self.tasks.hooks,
        )  # fmt: skip
        if old is not None:  # a reconnect keeps what was subscribed (the new session subscribes again)
            conn.listener.uris |= old.listener.uris
        registry.add(conn)
        start = time.perf_counter()
        # On failure the connection stays listed (status error, last_error) so servers() shows why.
        try:
            await conn.open()
        except ConnectionFailedError as exc:  # bench: a failed URL connect says which stage failed
            diagnose = (self.connect_doctor is not None and (spec.url or "").startswith(("http://", "https://"))
                        and self.transport_override is None)  # an HTTP(S) server, not replaying  # fmt: skip
            summary = await self.connect_doctor(spec) if diagnose else None  # type: ignore[misc]
            if summary:
                raise ConnectionFailedError(f"{exc}; {summary}") from None
            raise
        level = self.log_levels.get(spec.name)
        if level is not None:
            try:
                await set_log_level(conn, level)
            except WorkbenchError as exc:  # connected all the same: say why the level is not applied
                logger.warning("%s: log_level=%r not applied: %s", spec.name, level, exc)
        self.events.emit("tools_changed", {"server": spec.name, "tools": len(conn.tools)})
        return _connect_info(conn, (time.perf_counter() - start) * 1000)

    def load_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> list[str]:
        """Connect every server of a config file in parallel; returns their names."""
        return self._run(self._connect_many(load_config_file(path), strict))

    async def aload_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> list[str]:
        specs = load_config_file(path)
        return await self.engine.arun(self._connect_many(specs, strict))

    async def _connect_many(self, specs: list[ServerSpec], strict: bool) -> list[str]:
        results = await asyncio.gather(*(self._connect(s) for s in specs), return_exceptions=True)
        failures = [(s.name, r) for s, r in zip(specs, results) if isinstance(r, BaseException)]
        for name, exc in failures:
            logger.warning("server %s failed to connect: %s", name, exc)
        if strict and failures:
            raise failures[0][1]
        return [s.name for s in specs]

    def disconnect(self, name: str) -> None:
        self._run(self._disconnect(name))

    async def adisconnect(self, name: str) -> None:
        await self.engine.arun(self._disconnect(name))

    async def _disconnect(self, name: str) -> None:
        conn = self.registry.get(name)
        await conn.close()
        self.registry.remove(name)

    def reconnect(self, name: str) -> ConnectInfo:
        return self._run(self._connect(self.registry.get(name).spec))

    async def areconnect(self, name: str) -> ConnectInfo:
        return await self.engine.arun(self._connect(self.registry.get(name).spec))

    async def aopen(self, name: str) -> None:
        """Reopen ``name`` if it was closed idle or crashed (a call would do the same)."""
        conn = self.registry.get(name)
        await self.engine.arun(self._ensure_open_then(conn, _nothing))

    def logout(self, name: str) -> bool:
        return self._run(self._logout(name))

    async def alogout(self, name: str) -> bool:
        return await self.engine.arun(self._logout(name))

    async def _logout(self, name: str) -> bool:
        from .auth import forget_tokens  # the OAuth stack loads only when used

        if name.startswith(("http://", "https://")):
            spec = ServerSpec.build("logout", url=name, auth="oauth").resolved()
            return await asyncio.to_thread(forget_tokens, spec)
        conn = self.registry.get(name)
        removed = await asyncio.to_thread(forget_tokens, conn.spec.resolved())
        if conn.spec.auth is not None:
            await conn.close(reason="logged out")
        return removed

    def close(self) -> None:
        if not self.engine.running:  # never started (or stopped): nothing to close
            return
        self._run(self._close_all())

    async def aclose(self) -> None:
        await self.engine.arun(self._close_all())

    async def _close_all(self) -> None:
        await self.tasks.close()
        await self.sessions.close_all()

    # ------------------------------------------------------------------ listings
    def refresh(self, server: str | None = None) -> None:
        self._run(self._refresh(self.connections(server)))

    async def arefresh(self, server: str | None = None) -> None:
        conns = self.connections(server)
        await self.engine.arun(self._refresh(conns))

    async def _refresh(self, conns: list[Connection]) -> None:
        await asyncio.gather(*(self._ensure_open_then(c, c.refresh) for c in conns))

    async def _ensure_open_then(self, conn: Connection, op: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if not conn.is_open:
            await conn.open()
        return await op()

    # ------------------------------------------------------------------ calls
    def call(
        self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *, timeout: float | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> ToolResult:  # fmt: skip
        conn, tool, args = self._prepare_call(target, arguments, kwargs)
        return self.engine.run(self._invoke(conn, tool, args, timeout, on_progress))

    async def acall(
        self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *, timeout: float | None = None,
        on_progress: ProgressHandler | None = None,
    ) -> ToolResult:  # fmt: skip
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
        conn, tool, spec = self.registry.resolve_item(target)
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
            result = ToolResult(raw, server=conn.name, tool=tool, arguments=args, duration_ms=duration, reader=self,
                                app_host=self.app_host)  # fmt: skip
            if raw.is_error:
                status, error = "error", mask_text(result.text)[:500]
            return result
        except BaseException as exc:
            status = _status_of(exc)
            error = mask_text(str(exc)) or type(exc).__name__
            raise
        finally:
            duration = (time.perf_counter() - t0) * 1000
            # The catalog keeps a preview of the result, taken now: the record must not hold the result.
            preview = result.preview() if self.keep_results and result is not None else None
            self.log.append(CallRecord(started, conn.name, tool, dict(args), status, duration, error, "tool", preview))
            if emit:
                self.events.emit(
                    "operation_completed",
                    {"operation": "call", "server": conn.name, "tool": tool, "success": status == "ok",
                     "status": status, "duration_ms": duration, "error": error},
                )  # fmt: skip

    def get_prompt(self, target: str, arguments: dict[str, Any], *, timeout: float | None = None) -> PromptResult:
        return self._run(self._get_prompt(target, arguments, timeout))

    async def aget_prompt(self, target: str, arguments: dict[str, Any], *, timeout: float | None = None) -> PromptResult:
        return await self.engine.arun(self._get_prompt(target, arguments, timeout))

    async def _get_prompt(self, target: str, args: dict[str, Any], timeout: float | None) -> PromptResult:
        conn, name, prompt = self.registry.resolve_item(target, "prompt")
        missing = [a.name for a in prompt.arguments or [] if a.required and a.name not in args]
        if missing:
            raise ArgumentError(f"{conn.name}.{name}: missing required argument {', '.join(map(repr, missing))}")
        str_args = {k: v if isinstance(v, str) else _json(v) for k, v in args.items()}
        raw = await self._tracked(conn, "prompt", name, args, lambda: conn.get_prompt(name, str_args, timeout=timeout))
        return PromptResult(raw, server=conn.name, prompt=name)

    def read(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        return self._run(self._read(server, uri, timeout))

    async def aread(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        return await self.engine.arun(self._read(server, uri, timeout))

    async def _read(self, server: str, uri: str, timeout: float | None) -> ResourceResult:
        conn = self.registry.get(server)
        self.requests.policy.check(conn.name, uri)  # before anything is sent: refused files never leave
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

    def ping(self, server: str | None = None) -> list[dict[str, Any]]:
        return self._run(self._ping(self.connections(server)))

    async def aping(self, server: str | None = None) -> list[dict[str, Any]]:
        return await self.engine.arun(self._ping(self.connections(server)))

    async def _ping(self, conns: list[Connection]) -> list[dict[str, Any]]:
        async def one(c: Connection) -> dict[str, Any]:
            try:
                ms = await self._ensure_open_then(c, lambda: c.ping(timeout=10))
                return {"server": c.name, "status": c.status, "latency_ms": ms, "error": None}
            except WorkbenchError as exc:
                return {"server": c.name, "status": c.status, "latency_ms": None, "error": str(exc)}

        return list(await asyncio.gather(*(one(c) for c in conns)))

    # ------------------------------------------------------------------ bench: raw requests, handshake
    def request(
        self, server: str, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one JSON-RPC request as is: ``wb.request("demo", "tools/list", {"cursor": c})``.

        Returns the outcome as on the wire (and in a cassette): ``{"result": {...}}`` or the
        server's ``{"error": {"code", "message", "data"}}``. No history, no validation: for
        comparing a server with a recording (``verify``) and for methods the API lacks."""
        return self._run(self._request(server, method, params, timeout))

    async def arequest(
        self, server: str, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Async twin of ``request``."""
        return await self.engine.arun(self._request(server, method, params, timeout))

    async def _request(self, server: str, method: str, params: dict[str, Any] | None, timeout: float | None) -> dict[str, Any]:
        conn = self.registry.get(server)
        limit = conn.timeout if timeout is None else timeout
        op = lambda c: raw_outcome(c, method, params, limit)  # noqa: E731
        return await self._ensure_open_then(conn, lambda: conn.request(op, timeout=limit, what=method, sdk_timeout=True))

    def server_info(self, server: str) -> dict[str, Any]:
        """What the handshake said, as JSON: protocolVersion, serverInfo, capabilities, instructions."""
        conn = self.registry.get(server)
        return handshake_info(conn.protocol_version, conn.server_info, conn.capabilities, conn.instructions)

    # ------------------------------------------------------------------ traffic
    def trace(self, server: str | None = None, *, stop: bool = False, limit: int | None = None) -> list[str]:
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
    ) -> Any:  # fmt: skip
        return self.monitor.frame(server, method=method, kind=kind, errors=errors, last=last)

    # ------------------------------------------------------------------ stats
    def stats(self) -> dict[str, Any]:
        """Live sessions, calls, errors, and calls per server (this kernel's)."""
        by_server: dict[str, int] = {}
        for (server, _), usage in list(self.log.usage.items()):
            by_server[server] = by_server.get(server, 0) + usage.count
        return {**self.sessions.stats(), "calls": self.log.total, "errors": self.log.errors, "calls_by_server": by_server}


    def _log_task(self, state: Any) -> None:
        """A finished task goes to the history like a call (kind "task")."""
        status = {"completed": "ok", "cancelled": "cancelled"}.get(state.status, "error")
        if state.result is not None and state.result.is_error:
            status = "error"
        error = None if status == "ok" else mask_text(state.error or state.status_message or state.status)[:500]
        duration = (time.time() - state.started) * 1000
        self.log.append(CallRecord(state.started, state.server, state.tool or "?", dict(state.arguments or {}), status,
                                   duration, error, "task"))  # fmt: skip


async def _nothing() -> None:
    return None


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
