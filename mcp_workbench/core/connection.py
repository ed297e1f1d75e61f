"""One live MCP server: an ``mcp.Client`` held open by a long-lived task on the engine loop.

The task enters ``async with Client(...)`` and leaves it itself (anyio cancel scopes demand
it); requests from any task share the session. Status follows what really happens: a stdio
server's stderr reaching end of file means its process is gone, so a crash is noticed even
while idle, and in-flight requests fail at once with the server's last stderr lines.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from . import VERSION as __version__
from .config import DEFAULT_TIMEOUT_S, ServerSpec
from ..errors import CallTimeoutError, ConnectionFailedError, MalformedMessageError, ProtocolError, WorkbenchError
from .events import EventEmitter
from .logs import PYTHON_LEVELS, send_level
from .paging import LISTING_KINDS, LISTINGS, Held, Listing, all_pages, changed_kinds, unchanged
from .secrets import mask, mask_text
from .subscriptions import Listener, subscribe_request
from .tap import Tap, tapped
from .taskwire import TaskHooks, TasksExtension, is_modern, task_support
from .transports import StderrCapture, build_transport

T = TypeVar("T")
ProgressHandler = Callable[[float, float | None, str | None], Any]

# Server log messages go to Python logging under mcp_workbench.server.<name> for whoever configures
# it; without a handler they must not reach the cell through logging's last-resort handler (a
# chatty server would print thousands of lines). The server_log event and %mcp traffic show them.
logging.getLogger("mcp_workbench.server").addHandler(logging.NullHandler())
_CLOSE_TIMEOUT_S = 8.0  # the SDK's own stdio shutdown is bounded at ~6 s (stdin close, TERM, KILL)
# Advice in Python terms; a front end with its own terms (the dashboard's form) replaces these.
TIMEOUT_ADVICE = "raise the timeout to allow longer"
ENV_ADVICE = "pass env={...} or inherit_env=True"


@dataclass
class ClientCallbacks:
    """Server-to-client request handlers, passed through to ``mcp.Client`` (all async)."""

    sampling: Any = None
    elicitation: Any = None
    list_roots: Any = None


class Connection:
    """One server connection; every coroutine here runs on the engine loop."""

    def __init__(
        self,
        spec: ServerSpec,
        emitter: EventEmitter,
        *,
        callbacks: ClientCallbacks | None = None,
        log_level: str | None = "info",
        default_timeout: Callable[[], float] = lambda: DEFAULT_TIMEOUT_S,
        tap: Tap | None = None,
        transport_override: Callable[[ServerSpec], Any] | None = None,
        extensions: Sequence[Any] = (),
        tasks: TaskHooks | None = None,
    ) -> None:
        """``transport_override(spec)`` may return a transport to use instead of the real one
        (replay from a cassette); it returns None to let the server be started or reached.
        ``tasks``: where task status notices and plain calls that became tasks go."""
        self.spec = spec
        self.tap = tap
        self._extensions = extensions  # apps: client extensions advertised in the handshake
        self._transport_override = transport_override
        self._override: Any = None
        self._default_timeout = default_timeout
        self._session_timeout: float | None = None
        self.name = spec.name
        self._emitter = emitter
        self._callbacks = callbacks or ClientCallbacks()
        self.log_level = log_level  # what the server sends (2026: on every request; 2025: logging/setLevel)
        self.level_requested = False  # set_log_level was used: a reconnected 2025 session is told again
        self._stamped_level = log_level
        self._tasks = tasks
        self.listener = Listener(spec.name, self._schedule_refresh)  # .uris: the subscribed resources
        self._logger = logging.getLogger(f"mcp_workbench.server.{spec.name}")
        self.status = "disconnected"
        self.last_error: str | None = None
        self.connected_at: float | None = None
        self.last_activity = time.monotonic()
        self.server_info: types.Implementation | None = None
        self.protocol_version: str | None = None
        self.capabilities: types.ServerCapabilities | None = None
        self.instructions: str | None = None
        self.tools: dict[str, types.Tool] = {}
        self.prompts: dict[str, types.Prompt] = {}
        self.resources: list[types.Resource] = []
        self.templates: list[types.ResourceTemplate] = []
        self.stderr: StderrCapture | None = None
        self.in_flight = 0
        self._client: Client | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._requests: set[asyncio.Task[Any]] = set()
        self._died: set[asyncio.Task[Any]] = set()
        self._garbled: dict[asyncio.Task[Any], MalformedMessageError] = {}  # failed by a bad stdout line
        self._startup_noise: MalformedMessageError | None = None  # the first bad line before the handshake ended
        self._generation = 0
        self._closing = False
        self._open_lock: asyncio.Lock | None = None
        self._refresh_lock: asyncio.Lock | None = None
        self._refresh_pending: set[str] = set()  # the listings a list_changed notice named, not yet re-read
        self._refresh_task: asyncio.Task[None] | None = None
        self._resubscriber: asyncio.Task[None] | None = None
        self._wire: dict[str, list[Any]] = {}  # each listing's pages as they last came over the wire

    # ----------------------------------------------------------------- lifecycle
    def _set_status(self, status: str, error: str | None = None) -> None:
        previous = self.status
        self.status, self.last_error = status, error
        if previous != status or error:
            self._emitter.emit(
                "connection_status_changed",
                {"server": self.name, "status": status, "previous": previous, "error": error},
            )

    @property
    def timeout(self) -> float:
        """The per-call default: the server's own, else the workbench's (read at call time)."""
        return self.spec.timeout if self.spec.timeout is not None else self._default_timeout()

    @property
    def is_open(self) -> bool:
        return self.status == "connected" and self._client is not None

    async def open(self) -> None:
        """Start the server (or reach it), handshake, and load its listings (once at a time)."""
        if self._open_lock is None:
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            if not self.is_open:
                await self._open()

    async def _open(self) -> None:
        await self._shutdown()
        self._closing = False
        self._generation += 1
        generation = self._generation
        try:
            spec = self.spec.resolved()
        except WorkbenchError as exc:  # an unset ${env:VAR}: the server's row must say why
            self._set_status("error", str(exc))
            raise
        loop = asyncio.get_running_loop()
        self._override = self._transport_override(spec) if self._transport_override is not None else None
        if spec.runs_command and self._override is None:
            self.stderr = StderrCapture(
                self.name,
                on_eof=lambda: loop.call_soon_threadsafe(self._on_process_exit, generation),
                on_line=self.tap.stderr_line if self.tap is not None else None,
            )
        else:
            self.stderr = None
        self._set_status("connecting")
        self._session_timeout = self.timeout  # the SDK's default for every request of this session
        self._refresh_pending = set()  # the listings loaded below are fresh
        self._startup_noise = None
        ready: asyncio.Future[None] = loop.create_future()
        self._stop = asyncio.Event()
        self._runner = loop.create_task(self._run(spec, ready), name=f"mcp-connection-{self.name}")
        try:
            async with asyncio.timeout(spec.connect_timeout):
                await asyncio.shield(ready)
        except TimeoutError:
            ready.cancel()  # nobody will read it
            await self._shutdown(force=True)  # still inside the handshake: it cannot see the stop event
            message = f"server {self.name!r} did not complete the MCP handshake within {spec.connect_timeout:g} s"
            if self._startup_noise is not None:  # e.g. a command that is not an MCP server at all
                message += f"; {mask_text(str(self._startup_noise))}"
            self._set_status("error", self._with_stderr(message))
            raise ConnectionFailedError(self.last_error) from None
        except BaseException as exc:
            await self._shutdown()
            self._set_status("error", self._start_error(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ConnectionFailedError(self.last_error) from None
        self.connected_at = time.time()
        self.last_activity = time.monotonic()
        self._set_status("connected")
        if self._refresh_pending:
            self._schedule_refresh(())

    async def _run(self, spec: ServerSpec, ready: asyncio.Future[None]) -> None:
        """The task that owns the ``async with Client(...)`` for the connection's lifetime."""
        stop = self._stop
        assert stop is not None
        try:
            on_http = (self.tap.http, self.tap.watching_http) if self.tap is not None else None  # bench: http rows
            transport = self._override if self._override is not None else build_transport(spec, self.stderr, on_http)
            on_eof = None
            if not spec.runs_command and self._override is None:  # stdio servers: the end of stderr says it
                generation = self._generation
                on_eof = lambda: self._on_transport_closed(generation)  # noqa: E731
            client = Client(
                tapped(transport, self.tap or Tap(self.name), on_eof),
                logging_callback=self._on_log,
                message_handler=self._on_message,
                sampling_callback=self._callbacks.sampling,
                elicitation_callback=self._callbacks.elicitation,
                list_roots_callback=self._callbacks.list_roots,
                client_info=types.Implementation(name="mcp-workbench", version=__version__),
                log_level=self.log_level,  # type: ignore[arg-type]  # stamped on every 2026 request
                # the tasks extension (2026) and the client extensions others add (MCP Apps)
                extensions=[*([self._task_extension()] if self._tasks is not None else []), *self._extensions] or None,
                cache=None,  # listings are ours to cache; list_changed must always refetch
                read_timeout_seconds=self._session_timeout,
            )
            self._stamped_level = self.log_level
            async with client:
                if self.stderr is not None:
                    self.stderr.close_writer()
                self._client = client
                self.server_info = client.server_info
                self.protocol_version = client.protocol_version
                self.capabilities = client.server_capabilities
                self.instructions = client.instructions
                await self._load_listings(client)
                if not ready.done():
                    ready.set_result(None)
                self._resubscriber = asyncio.get_running_loop().create_task(self._restore(client))
                try:
                    await stop.wait()
                finally:
                    self._resubscriber.cancel()
                    await asyncio.gather(self._resubscriber, return_exceptions=True)
                    await self.listener.close()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            elif not self._closing and self.status == "connected":
                self._set_status("error", self._with_stderr(f"connection to {self.name!r} failed: {_describe(exc)}"))
            if isinstance(exc, asyncio.CancelledError) and self._closing:
                return
            if not isinstance(exc, Exception):
                raise
        finally:
            self._client = None
            if self.stderr is not None:
                self.stderr.close_writer()

    async def _shutdown(self, force: bool = False) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        if self._stop is not None:
            self._stop.set()
        try:
            if force:
                runner.cancel()  # the SDK's own shutdown (stdin close, TERM, KILL) still runs on the way out
            await asyncio.wait_for(asyncio.shield(runner), _CLOSE_TIMEOUT_S)
        except (TimeoutError, asyncio.TimeoutError):
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        except BaseException:
            pass
        self._client = None

    async def close(self, status: str = "disconnected", reason: str | None = None) -> None:
        """Close the session and end the server's process tree (TERM, then KILL)."""
        await self._shutdown()
        if self.stderr is not None:
            await asyncio.to_thread(self.stderr.join, 2.0)
        self._set_status(status, reason)

    def _on_process_exit(self, generation: int) -> None:
        """Runs on the loop when the server's stderr closed: its process is gone."""
        if generation != self._generation or self._closing:
            return
        message = self._with_stderr(f"server {self.name!r} process exited")
        if self.status in ("connected", "connecting"):
            self._set_status("error", message)
        for task in list(self._requests):
            if task not in self._garbled:  # already cancelled, to fail with the bad line
                self._died.add(task)
                task.cancel()
        if self._stop is not None:
            self._stop.set()

    def _on_transport_closed(self, generation: int) -> None:
        """A URL server's message stream ended (a WebSocket the server closed): the same status as
        a stdio server whose process exited; the session fails what is pending, the next call reconnects."""
        if generation != self._generation or self._closing:
            return
        if self.status in ("connected", "connecting"):
            self._set_status("error", f"server {self.name!r} connection lost: the server closed the connection")
        if self._stop is not None:
            self._stop.set()

    # ----------------------------------------------------------------- listings
    async def _load_listings(self, client: Client, kinds: Collection[str] = LISTING_KINDS) -> None:
        """Every page of the listings ``kinds`` (default: all) that the server's capabilities
        advertise, the kinds concurrently; the others stay as they are."""
        caps = client.server_capabilities
        # perf (#15): each next page is requested as soon as the tap sees its cursor, each listing's
        # pages are kept as they came over the wire, and a page that comes again unchanged hands
        # back the items held (``paging``).
        tap, was = self.tap, self._wire
        chosen = [listing for listing in LISTINGS if listing.kind in kinds]
        wire: dict[str, list[Any]] = {listing.kind: [] for listing in chosen}

        def read(listing: Listing) -> Awaitable[list[Any]]:
            if getattr(caps, listing.capability) is None:
                return _nothing()
            pages, held = was.get(listing.kind), getattr(self, listing.kind)
            items = list(held.values()) if isinstance(held, dict) else list(held)
            return all_pages(getattr(client, listing.fetch), listing.attr, tap=tap, method=listing.method,
                             wire=wire[listing.kind], held=Held(pages, items, listing.attr) if pages else None)  # fmt: skip

        results = await asyncio.gather(*(read(listing) for listing in chosen))
        # A listing that came over the wire as last time is kept as it is; otherwise items equal to
        # the ones held keep their objects. Identity then says "unchanged" (compiled argument
        # checks and cached frames stay valid; refresh's comparison costs nothing).
        for listing, items in zip(chosen, results, strict=True):
            if not unchanged(was.get(listing.kind), wire[listing.kind]):
                fresh = {item.name: item for item in items} if listing.by_name else items
                setattr(self, listing.kind, _same_or_new(getattr(self, listing.kind), fresh))
        self._wire = {**was, **wire}

    async def _restore(self, client: Client) -> None:
        """After (re)connecting: the 2026 listen stream (list changes, subscribed URIs); on a 2025
        session the log level asked for and the subscriptions again, so a reconnect keeps them."""
        try:
            if is_modern(client):
                await self.listener.open(client)
            else:
                if self.level_requested and self.log_level:
                    await send_level(client, self.log_level)
                for uri in sorted(self.listener.uris):
                    await subscribe_request(client, uri, True)
        except Exception as exc:  # the connection works; only change events are lost
            self._logger.warning("%s: could not restore subscriptions: %s", self.name, exc)

    async def refresh(self, timeout: float | None = None, kinds: Collection[str] = LISTING_KINDS) -> None:
        """Re-read the listings ``kinds`` (default: every one): on demand, or the ones a
        list_changed notification names."""
        if self._refresh_lock is None:
            self._refresh_lock = asyncio.Lock()
        async with self._refresh_lock:  # one notification may arrive by two routes: refresh once
            before = (self.tools, self.prompts, self.resources, self.templates)
            await self.request(lambda client: self._load_listings(client, kinds), timeout=timeout, what="listing refresh")
            changed = before != (self.tools, self.prompts, self.resources, self.templates)
        if changed:
            self._emitter.emit("tools_changed", {"server": self.name, "tools": len(self.tools)})

    # ----------------------------------------------------------------- requests
    async def request(
        self, op: Callable[[Client], Awaitable[T]], *, timeout: float | None, what: str, sdk_timeout: bool = False
    ) -> T:
        """Run one request with the per-call timeout and error translation.

        The SDK times every request itself (the session default is the server's timeout), so
        only a per-call timeout on a request that cannot pass one to the SDK adds a scope here;
        ``sdk_timeout`` says ``op`` hands ``timeout`` to the SDK.
        """
        client = self._client
        if client is None or self.status != "connected":
            raise ConnectionFailedError(
                self.last_error or f"server {self.name!r} is not connected; reconnect with wb.connect or %mcp connect"
            )
        limit = self.timeout if timeout is None else timeout
        task = asyncio.current_task()
        assert task is not None
        self._requests.add(task)
        self.in_flight += 1
        self.last_activity = started = time.monotonic()
        try:
            if sdk_timeout or limit == self._session_timeout:
                return await op(client)
            with anyio.fail_after(limit):
                return await op(client)
        except TimeoutError:
            raise self._timed_out(what, limit) from None
        except asyncio.CancelledError:
            if task in self._died:
                task.uncancel()
                await self._await_last_words()
                raise ConnectionFailedError(self.last_error or f"server {self.name!r} died during {what}") from None
            garbled = self._garbled.pop(task, None)
            if garbled is not None:
                task.uncancel()
                raise ProtocolError(f"{self.name}: {what} failed: {mask_text(str(garbled))}") from None
            raise
        except MCPError as exc:
            # -32000 / -32001 are also in the range servers use for their own errors: they mean a
            # lost connection / our timeout only when that is what really happened.
            if exc.code == types.CONNECTION_CLOSED and self._transport_gone(exc):
                await self._await_last_words()
                raise self._died_error(what) from None
            if exc.code == types.REQUEST_TIMEOUT and time.monotonic() - started >= limit * 0.9:
                raise self._timed_out(what, limit) from None
            raise ProtocolError(f"{self.name}: {what} failed: {_first_line(mask_text(exc.error.message))}") from None
        except WorkbenchError:
            raise
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError) as exc:
            await self._await_last_words()
            raise self._died_error(what, exc) from None
        except Exception as exc:
            if _is_transport_error(exc):
                raise self._died_error(what, exc) from None
            raise ProtocolError(f"{self.name}: {what} failed: {_first_line(mask_text(_describe(exc)))}") from None
        finally:
            self._requests.discard(task)
            self._died.discard(task)
            self._garbled.pop(task, None)
            self.in_flight -= 1
            self.last_activity = time.monotonic()

    def _transport_gone(self, exc: MCPError) -> bool:
        """Is a -32000 the SDK's "connection closed", or a server's own error with that code?"""
        runner = self._runner
        return (
            exc.error.message.strip().lower().startswith(("connection closed", "sse stream"))
            or (self.stderr is not None and self.stderr.closed.is_set())
            or (self._stop is not None and self._stop.is_set())
            or runner is None
            or runner.done()
        )

    async def _await_last_words(self, limit: float = 0.5) -> None:
        """A dying server's last stderr lines arrive a moment after its stdout closes: wait for
        the end of stderr (briefly) so the error can quote them."""
        if self.stderr is None:
            return
        deadline = time.monotonic() + limit
        task = asyncio.current_task()
        try:
            while not self.stderr.closed.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if task is None or task not in self._died:
                raise
            task.uncancel()  # the end of stderr arrived, and with it the death notice: done waiting

    def _timed_out(self, what: str, limit: float) -> CallTimeoutError:
        return CallTimeoutError(f"{self.name}: {what} did not answer within {limit:g} s and was cancelled "
                                f"({TIMEOUT_ADVICE})")  # fmt: skip

    def _died_error(self, what: str, exc: BaseException | None = None) -> ConnectionFailedError:
        detail = f": {_describe(exc)}" if exc is not None else ""
        message = self._with_stderr(f"server {self.name!r} connection lost during {what}{detail}")
        if self.status == "connected":
            self._set_status("error", message)
            if self._stop is not None:
                self._stop.set()
        return ConnectionFailedError(self.last_error or message)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], *, timeout: float | None, on_progress: ProgressHandler | None
    ) -> types.CallToolResult:
        if self._tasks is not None and not self.modern and task_support(self.tools.get(name)) == "required":
            return await self._tasks.run(self, name, arguments, timeout)  # 2025: such a tool only runs as a task
        progress = _progress_adapter(on_progress, self._emitter, self.name, name)
        limit = self.timeout if timeout is None else timeout
        meta = self.meta()
        return await self.request(
            lambda c: c.call_tool(name, arguments, read_timeout_seconds=limit, progress_callback=progress, meta=meta),
            timeout=limit,  # worked out once, here
            what=f"tool {name!r}",
            sdk_timeout=True,
        )

    async def get_prompt(self, name: str, arguments: dict[str, str] | None, *, timeout: float | None) -> Any:
        meta = self.meta()
        return await self.request(lambda c: c.get_prompt(name, arguments, meta=meta), timeout=timeout,
                                  what=f"prompt {name!r}")  # fmt: skip

    async def read_resource(self, uri: str, *, timeout: float | None) -> Any:
        meta = self.meta()
        return await self.request(lambda c: c.read_resource(uri, meta=meta), timeout=timeout, what=f"resource {uri!r}")

    # ----------------------------------------------------------------- 2025-11-25 / 2026-07-28 features
    @property
    def modern(self) -> bool:
        return self.protocol_version in MODERN_PROTOCOL_VERSIONS

    def meta(self) -> Any:
        """The per-request ``_meta`` of a 2026 session: a log level other than the one the client
        stamps on every request (None otherwise)."""
        if self.log_level is None or self.log_level == self._stamped_level or not self.modern:
            return None
        return {types.LOG_LEVEL_META_KEY: self.log_level}

    def _task_extension(self) -> TasksExtension:
        hooks = self._tasks
        assert hooks is not None
        return TasksExtension(lambda snap, tool, limit: hooks.follow(self.name, snap, tool, limit),
                              lambda snap: hooks.on_status(self.name, snap))  # fmt: skip

    async def ping(self, *, timeout: float | None = None) -> float:
        """Round-trip time of one ping, in milliseconds."""
        start = time.perf_counter()
        await self.request(_probe, timeout=timeout, what="ping")
        return (time.perf_counter() - start) * 1000

    # ----------------------------------------------------------------- callbacks
    async def _on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        level = PYTHON_LEVELS.get(str(params.level), logging.INFO)
        data = params.data if isinstance(params.data, str) else repr(params.data)
        logger = self._logger.getChild(params.logger) if params.logger else self._logger
        logger.log(level, "%s", mask_text(data))
        self._emitter.emit("server_log", {"server": self.name, "level": str(params.level), "message": mask_text(data),
                                          "logger": params.logger, "data": mask(params.data)})  # fmt: skip

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, MalformedMessageError):
            self._on_bad_line(message)
            return
        if isinstance(message, (types.ToolListChangedNotification, types.PromptListChangedNotification)) or (
            isinstance(message, types.ResourceListChangedNotification)
        ):
            self._schedule_refresh(changed_kinds(type(message).__name__))
        elif isinstance(message, types.ResourceUpdatedNotification):
            self._emitter.emit("resource_updated", {"server": self.name, "uri": str(message.params.uri)})

    def _on_bad_line(self, error: MalformedMessageError) -> None:
        """A stdout line (or WebSocket frame) that is not JSON-RPC. Before the handshake ends it is skipped (servers
        print banners; the SDK skips them too). Afterwards it may be the answer a request waits
        for, garbled: every pending request fails with it now instead of at its timeout. The
        connection itself goes on (the next line may be fine)."""
        text = mask_text(str(error))
        if self.status != "connected":
            self._startup_noise = self._startup_noise or error
            self._logger.info("skipped before the handshake ended: %s", text)
            return
        self._logger.warning("%s", text)
        for task in self._requests:
            if task not in self._died and task not in self._garbled:  # cancel once: one uncancel undoes it
                self._garbled[task] = error
                task.cancel()

    def _schedule_refresh(self, kinds: Collection[str]) -> None:
        """Coalesce change notices into one refresh at a time, and none before the handshake ends;
        only the listings the notices named are re-read.

        Servers announce changes in bursts (server-everything sends five right after connecting);
        a notice that arrives while connecting is kept and served once the status is connected.
        """
        self._refresh_pending.update(kinds)
        if not self._refresh_pending:
            return
        if self.status != "connected" or (self._refresh_task is not None and not self._refresh_task.done()):
            return
        # Its own task: awaiting a request inside the receive loop would deadlock it.
        self._refresh_task = asyncio.get_running_loop().create_task(self._refresh_while_pending())

    async def _refresh_while_pending(self) -> None:
        while self._refresh_pending and self.status == "connected":
            kinds, self._refresh_pending = self._refresh_pending, set()
            try:
                await self.refresh(kinds=kinds)
            except Exception as exc:  # a refresh failure must not kill the session
                self._logger.warning("listing refresh after a list_changed notice failed: %s", exc)

    # ----------------------------------------------------------------- errors
    def _with_stderr(self, message: str) -> str:
        tail = self.stderr.text(3).strip() if self.stderr is not None else ""
        if tail:
            last = " | ".join(line.strip() for line in tail.splitlines() if line.strip())[-300:]
            return f"{message}; server stderr: {last}"
        return message

    def _start_error(self, exc: BaseException) -> str:
        base = f"could not connect to {self.name!r} ({self.spec.describe()}): {_describe(exc)}"
        if self.spec.runs_command:
            base = self._with_stderr(base)
            if self.spec.env is None and not self.spec.inherit_env:
                base += f" (stdio servers get a minimal environment: {ENV_ADVICE})"
        return base


async def _nothing() -> list[Any]:
    return []


L = TypeVar("L", dict[str, Any], list[Any])


def _same_or_new(held: L, fresh: L) -> L:
    """``held`` when ``fresh`` equals it; else ``fresh`` with every item equal to a held one (same
    name, or same position in a list) replaced by that held object. Items a page handed back from
    ``held`` (``paging.Held``) are the held objects already: identity first, no model comparison."""
    if isinstance(fresh, dict):
        kept: Any = {k: old if (old := held.get(k)) is not None and (old is v or old == v) else v for k, v in fresh.items()}
        same = list(kept) == list(held) and all(kept[k] is held[k] for k in kept)
    else:
        kept = [old if i < len(held) and ((old := held[i]) is v or old == v) else v for i, v in enumerate(fresh)]
        same = len(kept) == len(held) and all(a is b for a, b in zip(kept, held))
    return held if same else kept  # type: ignore[no-any-return]


def _progress_adapter(
    handler: ProgressHandler | None, emitter: EventEmitter, server: str, tool: str
) -> Callable[[float, float | None, str | None], Awaitable[None]] | None:
    """The SDK wants an async callback; users may pass a plain function."""
    if handler is None and not emitter.has_handlers("progress"):
        return None

    async def progress(value: float, total: float | None, message: str | None) -> None:
        if handler is not None:
            result = handler(value, total, message)
            if inspect.isawaitable(result):
                await result
        emitter.emit("progress", {"server": server, "tool": tool, "progress": value, "total": total, "message": message})

    return progress


async def _probe(client: Client) -> Any:
    """A cheap round trip: ``ping`` on handshake-era sessions; 2026 removed it, so ``server/discover``."""
    if is_modern(client):
        return await client.session.send_discover(client.protocol_version)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        return await client.send_ping()


def _is_transport_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("httpx", "httpcore")) or isinstance(exc, (ConnectionError, EOFError))


def _first_line(text: str, limit: int = 300) -> str:
    """Error messages are one line: a server's multi-line text (a pydantic dump) is cut."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit and len(lines) <= 1 else first[:limit] + " …"


def _describe(exc: BaseException | None) -> str:
    """One line for an exception, unwrapping anyio's exception groups."""
    if exc is None:
        return ""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        return exc.error.message
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
