"""The public ``Workbench``, composed from its parts, and the kernel's one instance.

Like ``httpx.Client`` is built from the transport and auth objects it is handed, the
``Workbench`` builds its parts in ``__init__`` and hands each what it needs:

- ``requests``  how servers' sampling / elicitation / roots requests are answered (core)
- ``service``   the live connections and every request through them (core)
- ``features``  tasks, completions, subscriptions, server logs (core)
- ``catalog_sync`` the persistent catalog kept in step with them, or None (catalog)
- ``listings``  servers, tools, history... as DataFrames (views)
- ``task_views`` ``Task`` objects with a live status line, and ``wb.tasks()`` (views)
- ``repro``     record / replay, ``map``, history export (repro)
- ``chat_service`` chat sessions, and the model that answers sampling (chat)
- ``dashboards`` the ipywidgets dashboard, imported only when shown (widgets)
- ``mcp_registry`` servers published in an MCP Registry: search, connect by name (core; cached in the catalog)

Every public method is declared here, typed and documented, and delegates in one line, so this
file is the whole public surface. (The module is not called ``workbench.py``: importing such a
submodule would shadow the package's ``workbench()`` function.)
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from . import _kernel
from .apps import AppHost
from .catalog.registry_cache import CatalogRegistryCache
from .catalog.repository import SQLRepository, open_repository
from .catalog.sync import Catalog
from .chat.api import ChatService
from .core.connection import ClientCallbacks, ProgressHandler
from .core.appmeta import apps_extension
from .core.engine import Engine, get_engine
from .core.events import EventEmitter
from .core.features import Features
from .core.registry import ServerView
from .core.registry_service import RegistryOptions, RegistryService
from .core.requests import UNSET, ServerRequests
from .core.policy import ResourcePolicy
from .core.results import PromptResult, ResourceResult, ToolResult
from .core.service import ConnectInfo, ConnectOptions, ServerService
from .core.sessions import DEFAULT_IDLE_TIMEOUT_S
from .repro.api import Repro
from .repro.doctor import DEFAULT_TIMEOUT_S as DOCTOR_TIMEOUT_S
from .repro.doctor import connect_summary
from .repro.lint import TOKEN_THRESHOLD
from .views.listings import Listings
from .views.tasks import Task, TaskViews, task_flag
from .widgets.api import DashboardHost

if TYPE_CHECKING:
    import pandas as pd

    from .apps.widget import AppView
    from .chat.session import ChatSession
    from .core.subscriptions import Subscription
    from .repro.cassette import Cassette
    from .repro.doctor import DoctorReport
    from .repro.verify import VerifyReport
    from .widgets.dashboard import Dashboard

T = TypeVar("T")
Store = str | os.PathLike[str] | SQLRepository | None | bool
logger = logging.getLogger("mcp_workbench")


class Workbench:
    """Connections to MCP servers, and everything done with them, in one kernel."""

    def __init__(
        self, *, store: Store = None, timeout: float = 60.0, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S,
        engine: Engine | None = None, callbacks: ClientCallbacks | None = None, interactive: bool = False,
    ) -> None:  # fmt: skip
        """``store``: where the catalog and history persist: None for the default SQLite file
        (``~/.mcp-workbench/catalog.sqlite``, or under ``$MCP_WORKBENCH_HOME``), a path or
        ``sqlite:///...``, ``postgresql://...``, an open repository, or False for memory only.
        ``timeout``: the default per-call timeout (s); ``idle_timeout``: close servers idle this
        long (they reopen on next use). ``interactive``: a person is at the kernel, so servers'
        requests are answered even without hooks (``input()`` prompts, the working directory as
        the root). ``callbacks``: raw SDK client callbacks, which take precedence."""
        self.engine = engine or get_engine()
        self.events = EventEmitter()
        self.requests = ServerRequests(ResourcePolicy())
        self.requests.interactive = interactive
        if callbacks is not None:
            self.requests.raw = callbacks
        self.service = ServerService(engine=self.engine, events=self.events, requests=self.requests,
                                     timeout=timeout, idle_timeout=idle_timeout)  # fmt: skip
        self.features = Features(self.service)
        self.catalog_sync: Catalog | None = None
        self.store: Store = False
        self.listings = Listings(self.service, lambda: self.catalog_sync, self.features)
        self.task_views = TaskViews(self.features, lambda: self.catalog_sync)
        self.repro = Repro(self, self.service)
        self.service.connect_doctor = connect_summary  # a failed URL connect says which stage failed
        self.chat_service = ChatService(self, lambda: self.catalog_sync)
        self.requests.sampler = self.chat_service.sample  # "answer sampling with my model"
        self.requests.asker = self.chat_service.ask  # questions go to the running chat turn, if any
        self.dashboards = DashboardHost(self)
        self.app_host = AppHost(self)  # MCP Apps: which tools have one, and the views that show them
        self.service.app_host = self.app_host  # results ask it for ``r.app``
        self.service.client_extensions.append(apps_extension())  # every handshake: "this client renders apps"
        self.mcp_registry = RegistryService(self.service, self._registry_cache)
        if store is not False:
            self.set_store(store)

    # ------------------------------------------------------------------ settings and plumbing
    def set_store(self, store: Store) -> None:
        """Switch the persistent catalog (None: the default SQLite file; False: memory only)."""
        if self.catalog_sync is not None:
            self.catalog_sync.close()
            self.catalog_sync = None
        self.store = store
        if store is not False:
            repo = store if isinstance(store, SQLRepository) else open_repository(None if store is True else store)
            self.catalog_sync = Catalog(repo, self.events, self.service.log, self.service.registry.lookup)
        self.service.keep_results = self.catalog_sync is not None

    @property
    def default_timeout(self) -> float:
        """The per-call timeout (s) for servers without their own; read at call time."""
        return self.service.default_timeout

    @default_timeout.setter
    def default_timeout(self, value: float) -> None:
        self.service.default_timeout = value

    @property
    def idle_timeout(self) -> float | None:
        """Close a server idle this many seconds (it reconnects on next use); None: never."""
        return self.service.sessions.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, value: float | None) -> None:
        self.service.sessions.idle_timeout = value

    @property
    def log(self) -> Any:
        """This kernel's in-memory call log (``core.history.CallLog``): records and usage, read-only use."""
        return self.service.log

    @property
    def resource_policy(self) -> ResourcePolicy:
        """Which ``file://`` resources may be read: inside the roots (see ``set_roots``) or allowed one by one."""
        return self.requests.policy

    @property
    def interactive_requests(self) -> bool:
        """Answer sampling / elicitation / roots even without hooks (the notebook's defaults)."""
        return self.requests.interactive

    @interactive_requests.setter
    def interactive_requests(self, value: bool) -> None:
        self.requests.interactive = bool(value)

    def on(self, event: str, handler: Callable[[dict[str, Any]], Any]) -> Callable[[], None]:
        """Subscribe to an event; returns an unsubscribe function. Handlers run on the engine thread.

        Events: server_added, server_removed, connection_status_changed, tools_changed,
        operation_started, operation_completed, server_log, progress, task_created, task_status,
        resource_updated."""
        return self.events.on(event, handler)

    def off(self, event: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Unsubscribe ``handler`` from ``event``."""
        self.events.off(event, handler)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the engine loop (where connections live) without waiting for it."""
        return self.engine.submit(coro)

    # ------------------------------------------------------------------ connect
    def connect(
        self, name: str, *, command: str | None = None, args: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None, url: str | None = None,
        transport: str | None = None, headers: Mapping[str, str] | None = None, timeout: float | None = None,
        connect_timeout: float | None = None, inherit_env: bool = False, auth: str | dict[str, Any] | None = None,
        redirect_handler: Callable[[str], Any] | None = None, callback_handler: Callable[[], Any] | None = None,
        on_elicitation: Any = UNSET, on_sampling: Any = UNSET, roots: Any = UNSET, log_level: str | None = None,
    ) -> ConnectInfo:  # fmt: skip
        """Connect a server: ``command=``/``args=``/``env=``/``cwd=`` (stdio) or ``url=`` (HTTP, SSE).

        ``transport=``: a name of ``core.transports.TRANSPORTS`` ("stdio", "http", "sse"; default:
        from the command or the URL). ``headers=``, ``timeout=`` (per-call default, seconds),
        ``connect_timeout=``, ``inherit_env=True`` (stdio servers otherwise get a minimal
        environment plus ``env``). Values may reference ``${env:VAR}``.

        ``auth="oauth"`` signs in to a remote server (OAuth 2.1: a sign-in link, tokens kept in the
        OS keyring or a 0600 file); ``auth={...}`` adds client_id / client_secret / scopes, or
        ``{"type": "client_credentials", ...}`` for unattended runs. ``redirect_handler(url)`` and
        ``callback_handler()`` replace the link and the loopback callback in headless runs.
        ``on_elicitation=``, ``on_sampling=``, ``roots=``: this server's own answers to its
        requests (see ``on_elicitation``, ``on_sampling``, ``set_roots``). ``log_level=``: the
        level of the log messages it should send (see ``set_log_level``), kept across reconnects.
        """
        return self.service.connect(name, ConnectOptions.of(locals()))

    async def aconnect(
        self, name: str, *, command: str | None = None, args: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None, url: str | None = None,
        transport: str | None = None, headers: Mapping[str, str] | None = None, timeout: float | None = None,
        connect_timeout: float | None = None, inherit_env: bool = False, auth: str | dict[str, Any] | None = None,
        redirect_handler: Callable[[str], Any] | None = None, callback_handler: Callable[[], Any] | None = None,
        on_elicitation: Any = UNSET, on_sampling: Any = UNSET, roots: Any = UNSET, log_level: str | None = None,
    ) -> ConnectInfo:  # fmt: skip
        """Async twin of ``connect``."""
        return await self.service.aconnect(name, ConnectOptions.of(locals()))

    def load_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
        """Connect every server of a Claude Desktop / Cursor / VS Code file, in parallel."""
        return self.listings.servers(self.service.load_config(path, strict=strict))

    async def aload_config(self, path: str | os.PathLike[str], *, strict: bool = False) -> pd.DataFrame:
        """Async twin of ``load_config``."""
        return self.listings.servers(await self.service.aload_config(path, strict=strict))

    def disconnect(self, name: str) -> None:
        """Close a server and forget it (its process tree is ended)."""
        self.service.disconnect(name)

    async def adisconnect(self, name: str) -> None:
        """Async twin of ``disconnect``."""
        await self.service.adisconnect(name)

    def reconnect(self, name: str) -> ConnectInfo:
        """Close and reopen a server with the same spec."""
        return self.service.reconnect(name)

    async def areconnect(self, name: str) -> ConnectInfo:
        """Async twin of ``reconnect``."""
        return await self.service.areconnect(name)

    async def aopen(self, name: str) -> None:
        """Reopen a server closed while idle (or after a crash); nothing when it is open."""
        await self.service.aopen(name)

    def logout(self, name: str) -> bool:
        """Forget the stored OAuth tokens of server ``name`` (or of a URL) and close the connection
        that holds them in memory; the next connect signs in again. True when tokens were stored."""
        return self.service.logout(name)

    async def alogout(self, name: str) -> bool:
        """Async twin of ``logout``."""
        return await self.service.alogout(name)

    def close(self) -> None:
        """Close every connection; the workbench stays usable afterwards."""
        self.service.close()
        if self.catalog_sync is not None:
            self.catalog_sync.flush()

    async def aclose(self) -> None:
        """Async twin of ``close``."""
        await self.service.aclose()
        if self.catalog_sync is not None:
            await asyncio.to_thread(self.catalog_sync.flush)

    # ------------------------------------------------------------------ servers, read-only
    def server(self, name: str) -> ServerView:
        """A read-only view of server ``name`` (status, spec, tools, prompts, resources...)."""
        return self.service.server(name)

    def server_views(self) -> list[ServerView]:
        """Read-only views of every server, in the order they were connected."""
        return self.service.views()

    def server_names(self) -> list[str]:
        """The names of the servers connected (or known: idle, failed)."""
        return self.service.names()

    def resolve(self, target: str, kind: str = "tool") -> tuple[str, Any]:
        """``server.tool`` (or a bare name only one server has) -> (server, the Tool or Prompt)."""
        return self.service.resolve(target, kind)

    def tool(self, target: str) -> Any:
        """The MCP ``Tool`` (name, description, input_schema, annotations) for ``server.tool``."""
        return self.service.resolve(target)[1]

    def prompt(self, target: str) -> Any:
        """The MCP ``Prompt`` for ``server.prompt``."""
        return self.service.resolve(target, "prompt")[1]

    # ------------------------------------------------------------------ listings
    # Listings are DataFrames with every documented column; shown in a cell they display a
    # readable table (views.readable). ``all_columns=True`` (or ``.df``) shows every column.
    def servers(self, *, all_columns: bool = False) -> pd.DataFrame:
        """One row per server: name, transport, status, tools, prompts, resources, server info..."""
        return self.listings.servers(all_columns=all_columns)

    def tools(
        self, server: str | None = None, *, search: str | None = None, read_only: bool | None = None,
        destructive: bool | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        """Every tool of every server (or one), filtered by keywords and annotations, with usage.

        Shown in a cell: name, title, one-line description, parameters (required marked *), read-only /
        destructive badges, calls, p50, last used; ``all_columns=True`` shows the schemas and every column."""
        return self.listings.tools(server, search=search, read_only=read_only, destructive=destructive,
                                   all_columns=all_columns)  # fmt: skip

    def prompts(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        """Every prompt: server, name, title, description, arguments, required."""
        return self.listings.prompts(server, all_columns=all_columns)

    def resources(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        """Every resource (all pages): server, uri, name, title, description, mime_type, size."""
        return self.listings.resources(server, all_columns=all_columns)

    def resource_templates(self, server: str | None = None, *, all_columns: bool = False) -> pd.DataFrame:
        """Every resource template: server, uri_template, name, title, description, mime_type."""
        return self.listings.resource_templates(server, all_columns=all_columns)

    def refresh(self, server: str | None = None) -> None:
        """Re-read listings from the server(s)."""
        self.service.refresh(server)

    async def arefresh(self, server: str | None = None) -> None:
        """Async twin of ``refresh``."""
        await self.service.arefresh(server)

    def catalog(
        self, search: str | None = None, *, server: str | None = None, kind: str | None = "tool",
        status: str | None = None, category: str | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        """Everything ever catalogued (servers seen before, connected now or not), with usage."""
        return self.listings.catalog(search, server=server, kind=kind, status=status, category=category,
                                     all_columns=all_columns)  # fmt: skip

    def catalog_changes(self, server: str | None = None, *, since: Any = None) -> pd.DataFrame:
        """What the last sync of ``server`` found (added, removed, schema changed), or all since ``since``."""
        return self.listings.catalog_changes(server, since=since)

    # ------------------------------------------------------------------ calls
    @overload
    def call(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
             on_progress: ProgressHandler | None = None, task: Literal[False] = False, **kwargs: Any) -> ToolResult: ...
    @overload
    def call(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
             on_progress: ProgressHandler | None = None, task: Literal[True], **kwargs: Any) -> Task: ...

    def call(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        on_progress: ProgressHandler | None = None, task: bool = False, **kwargs: Any,
    ) -> ToolResult | Task:  # fmt: skip
        """Call ``server.tool`` with a dict and/or keyword arguments; returns a ``ToolResult``.

        ``task=True`` starts it as a task and returns a ``Task`` at once (``t.result()`` waits).
        A tool that only runs as a task (taskSupport "required") is run as one and waited for."""
        return self.task_views.start(target, arguments, kwargs, timeout=timeout) if task_flag(task) else \
            self.service.call(target, arguments, kwargs, timeout=timeout, on_progress=on_progress)  # fmt: skip

    @overload
    async def acall(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
                    on_progress: ProgressHandler | None = None, task: Literal[False] = False,
                    **kwargs: Any) -> ToolResult: ...  # fmt: skip
    @overload
    async def acall(self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
                    on_progress: ProgressHandler | None = None, task: Literal[True], **kwargs: Any) -> Task: ...

    async def acall(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        on_progress: ProgressHandler | None = None, task: bool = False, **kwargs: Any,
    ) -> ToolResult | Task:  # fmt: skip
        """Async twin of ``call`` (top-level ``await`` in a notebook cell)."""
        return await self.task_views.astart(target, arguments, kwargs, timeout=timeout) if task_flag(task) else \
            await self.service.acall(target, arguments, kwargs, timeout=timeout, on_progress=on_progress)  # fmt: skip

    def get_prompt(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None, **kwargs: Any
    ) -> PromptResult:
        """Render ``server.prompt`` with its arguments."""
        return self.service.get_prompt(target, {**(arguments or {}), **kwargs}, timeout=timeout)

    async def aget_prompt(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None, **kwargs: Any
    ) -> PromptResult:
        """Async twin of ``get_prompt``."""
        return await self.service.aget_prompt(target, {**(arguments or {}), **kwargs}, timeout=timeout)

    def read(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        """Read a resource (or a filled-in resource template) by URI."""
        return self.service.read(server, uri, timeout=timeout)

    async def aread(self, server: str, uri: str, *, timeout: float | None = None) -> ResourceResult:
        """Async twin of ``read``."""
        return await self.service.aread(server, uri, timeout=timeout)

    def ping(self, server: str | None = None) -> pd.DataFrame:
        """Round-trip latency per server (reconnecting idle ones)."""
        return self.listings.ping(self.service.ping(server))

    async def aping(self, server: str | None = None) -> pd.DataFrame:
        """Async twin of ``ping``."""
        return self.listings.ping(await self.service.aping(server))

    def request(
        self, server: str, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one JSON-RPC request as is: ``wb.request("demo", "tools/list", {"cursor": c})``; the
        outcome as on the wire, ``{"result": ...}`` or ``{"error": ...}``. No history, no validation."""
        return self.service.request(server, method, params, timeout=timeout)

    async def arequest(
        self, server: str, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Async twin of ``request``."""
        return await self.service.arequest(server, method, params, timeout=timeout)

    def server_info(self, server: str) -> dict[str, Any]:
        """What the handshake said, as JSON: protocolVersion, serverInfo, capabilities, instructions."""
        return self.service.server_info(server)
    # ------------------------------------------------------------------ tasks, completions, subscriptions, logs
    def task(self, server: str, task_id: str) -> Task:
        """Re-attach to task ``task_id`` of ``server`` (ids are kept in the catalog, so this also
        works in a new kernel); the same ``Task`` object while this workbench follows it."""
        return self.task_views.task(server, task_id)

    async def atask(self, server: str, task_id: str) -> Task:
        """Async twin of ``task``."""
        return await self.task_views.atask(server, task_id)

    def tasks(self, server: str | None = None, *, remote: bool = False) -> pd.DataFrame:
        """Every task started or followed (earlier kernels' too, from the catalog): id, server, tool,
        status, status_message, created, updated, ttl_ms; newest first. ``remote=True``: the
        server's own list (``tasks/list``, where a 2025 server offers it)."""
        return self.task_views.frame(server, remote)

    def complete(
        self, target: str, argument: str, value: str = "", *, context: dict[str, Any] | None = None,
        template: str | None = None, timeout: float | None = None,
    ) -> list[str]:  # fmt: skip
        """The server's completions for an argument of prompt ``server.prompt`` (or, with
        ``template=URI_TEMPLATE``, of a resource template of server ``target``) that start
        from ``value``; ``context``: the arguments already chosen (``completion/complete``)."""
        return self.features.complete(target, argument, value, context=context, template=template, timeout=timeout)

    async def acomplete(
        self, target: str, argument: str, value: str = "", *, context: dict[str, Any] | None = None,
        template: str | None = None, timeout: float | None = None,
    ) -> list[str]:  # fmt: skip
        """Async twin of ``complete``."""
        return await self.features.acomplete(target, argument, value, context=context, template=template, timeout=timeout)

    def subscribe(self, server: str, uri: str, on_update: Callable[[str], Any] | None = None) -> Subscription:
        """Follow changes of resource ``uri`` (``resources/subscribe``, or ``subscriptions/listen``
        on 2026 servers): ``sub.updates``, ``sub.last_update``; ``on_update(uri)`` runs in a worker
        thread on each update; each is also a ``resource_updated`` event."""
        return self.features.subscribe(server, uri, on_update)

    async def asubscribe(self, server: str, uri: str, on_update: Callable[[str], Any] | None = None) -> Subscription:
        """Async twin of ``subscribe``."""
        return await self.features.asubscribe(server, uri, on_update)

    def unsubscribe(self, server: str, uri: str) -> None:
        """Stop following resource ``uri`` of ``server`` (same as ``sub.unsubscribe()``)."""
        self.features.unsubscribe(server, uri)

    async def aunsubscribe(self, server: str, uri: str) -> None:
        """Async twin of ``unsubscribe``."""
        await self.features.aunsubscribe(server, uri)

    def subscriptions(self, server: str | None = None) -> pd.DataFrame:
        """The active subscriptions: server, uri, updates, last_update."""
        return self.listings.subscriptions(server)

    def set_log_level(self, server: str, level: str) -> None:
        """The lowest level of log messages ``server`` should send: debug, info, notice, warning,
        error, critical, alert, emergency (``logging/setLevel``; 2026: sent with each request)."""
        self.features.set_log_level(server, level)

    async def aset_log_level(self, server: str, level: str) -> None:
        """Async twin of ``set_log_level``."""
        await self.features.aset_log_level(server, level)

    def logs(self, server: str | None = None, level: str | None = None, last: int | None = None) -> pd.DataFrame:
        """Servers' log messages (this kernel's, masked), oldest first, at ``level`` or above:
        time, server, level, logger, message, data."""
        return self.listings.logs(server, level, last)

    # ------------------------------------------------------------------ traffic, history, stats
    def trace(self, server: str | None = None, *, stop: bool = False, limit: int | None = None) -> list[str]:
        """Record the wire traffic of ``server`` (every server when None); ``stop=True`` ends it.

        ``limit`` bounds each server's buffer (default 10,000 messages). Returns the traced servers."""
        return self.service.trace(server, stop=stop, limit=limit)

    def traffic(
        self, server: str | None = None, *, method: str | None = None, kind: str | None = None,
        errors: bool = False, last: int | None = None, all_columns: bool = False,
    ) -> pd.DataFrame:  # fmt: skip
        """What crossed the wire while tracing: time, server, direction, kind, method, id,
        latency_ms (responses, matched to their request), size_bytes, preview, payload."""
        return self.listings.traffic(server, method=method, kind=kind, errors=errors, last=last,
                                     all_columns=all_columns)  # fmt: skip

    def history(self, *, server: str | None = None, last: int | None = None, all_columns: bool = False) -> pd.DataFrame:
        """Every call made (secrets masked), oldest first; from the store, so it outlives the kernel."""
        return self.listings.history(server=server, last=last, all_columns=all_columns)

    def stats(self) -> dict[str, Any]:
        """Connections, calls, errors, calls per server, and the catalog's totals."""
        return self.listings.stats()

    # ------------------------------------------------------------------ server requests
    def on_elicitation(self, fn: Callable[..., Any] | str | None) -> Any:
        """Answer servers' elicitation requests with ``fn(request)`` (or "accept_defaults",
        "decline", "cancel"; None: ask the user). Set it before connecting: the capability is
        declared in the handshake. Usable as a decorator."""
        self.requests.set_hooks(on_elicitation=fn)
        return fn

    def on_sampling(self, fn: Callable[..., Any] | str | None) -> Any:
        """Answer servers' sampling requests with ``fn(request)`` (or "model": the chat's model
        after its approval policy; "deny"). Set it before connecting. Usable as a decorator."""
        self.requests.set_hooks(on_sampling=fn)
        return fn

    def set_roots(self, roots: Iterable[str | os.PathLike[str]] | None) -> None:
        """The roots: what servers are told (roots/list) and where ``file://`` reads may reach
        (paths or file:// URIs; None: the working directory)."""
        self.requests.set_hooks(roots=None if roots is None else list(roots))

    # ------------------------------------------------------------------ chat
    def chat(
        self, model: str | None = None, servers: list[str] | None = None, system: str | None = None,
        session: str | None = None, **options: Any,
    ) -> ChatSession:  # fmt: skip
        """A chat with a model that may call the tools of ``servers`` (None: every connected one).

        ``session`` names it: the same name (in the same ``room=``) resumes it, also in a new
        kernel on the same store. Options: ``room``, ``base_url``, ``api_key``, ``approve``
        ("ask", "auto", "never" or fn(request) -> bool, for tools annotated destructive),
        ``allow`` (``server.tool`` patterns that never ask), ``ask_for``, ``max_tool_rounds``,
        ``max_result_chars``, ``token_budget``, ``stream``, ``display``, ``retries``,
        ``retry_backoff``, ``timeout``; unset ones come from ``mcp_workbench.chat.settings``."""
        return self.chat_service.chat(model, servers, system, session, **options)

    def chats(self) -> pd.DataFrame:
        """Every chat session in the store: room, session, id, model, servers, messages, times."""
        return self.chat_service.chats()

    # ------------------------------------------------------------------ record, replay, map, export
    @property
    def cassette(self) -> Cassette | None:
        """The cassette in use: the one replaying, else the one recording (the chat records model
        turns through it: ``record_model_turn`` / ``lookup_model_turn``)."""
        return self.repro.cassette

    def record(self, path: str | Path, servers: str | Iterable[str] | None = None, *, reconnect: bool = True) -> Cassette:
        """Write every request and response of ``servers`` (None: every server, also ones connected
        later) to a JSON Lines cassette at ``path`` (replaced), secrets masked. Servers already
        connected are reconnected so the cassette starts at the handshake (``reconnect=False``
        keeps them)."""
        return self.repro.record(path, servers, reconnect=reconnect)

    def stop_recording(self) -> Path | None:
        """Stop recording; requests still open are written. Returns the cassette's path."""
        return self.repro.stop_recording()

    def replay(self, path: str | Path, mode: str = "once") -> Cassette:
        """Serve the servers of a cassette from it: no process is started, no URL reached.

        ``mode="once"``: a request the cassette lacks is an error naming it; ``"new_episodes"``:
        it goes to the real server and is appended. Connected servers are reconnected."""
        return self.repro.replay(path, mode)

    def stop_replay(self) -> Path | None:
        """Stop replaying: connections made from now on reach the real servers."""
        return self.repro.stop_replay()

    def map(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, progress: bool = True, cluster: Any = None, **mapping: Any,
    ) -> pd.DataFrame:  # fmt: skip
        """Call ``server.tool`` once per row of ``data``: ``wb.map("demo.add", df, a="col_a", b="col_b")``.

        A keyword names the column for a parameter (or gives a constant that is not a string;
        string constants go in ``constants=``, clashing names in ``columns=``); parameters named
        like a column need no keyword. At most ``concurrency`` calls run at once, at most
        ``rate_limit`` start per second; a failed row is retried ``retries`` times (backoff from
        ``retry_delay`` s). Returns one row per input row, same index: ``text``, structured
        fields as columns, ``is_error``, ``error``, ``attempts``, ``duration_ms``.

        On Dask (``pip install 'mcp-workbench[dask]'``): ``cluster=client`` (a ``dask.distributed``
        Client) runs the rows in chunks on its workers, each worker with its own connection made
        from the server's spec (secrets only as ``${env:VAR}`` references, resolved there);
        ``concurrency`` then applies per chunk. A dask DataFrame as ``data`` gives a lazy dask
        DataFrame. Both add a ``worker`` column; the calls reach this kernel's history."""
        return self.repro.map(target, data, columns=columns, constants=constants, concurrency=concurrency,
                              rate_limit=rate_limit, retries=retries, retry_delay=retry_delay, timeout=timeout,
                              progress=progress, cluster=cluster, **mapping)  # fmt: skip

    async def amap(
        self, target: str, data: Any, /, *, columns: dict[str, Any] | None = None, constants: dict[str, Any] | None = None,
        concurrency: int = 16, rate_limit: float | None = None, retries: int = 0, retry_delay: float = 0.1,
        timeout: float | None = None, cluster: Any = None, **mapping: Any,
    ) -> pd.DataFrame:  # fmt: skip
        """Async twin of ``map`` (no progress bar: the cell's own loop keeps running)."""
        return await self.repro.amap(target, data, columns=columns, constants=constants, concurrency=concurrency,
                                     rate_limit=rate_limit, retries=retries, retry_delay=retry_delay,
                                     timeout=timeout, cluster=cluster, **mapping)  # fmt: skip

    def export_history(self, path: str | Path, *, server: str | None = None, last: int | None = None) -> Path:
        """Write the calls of ``history(server=, last=)`` as a runnable Python script."""
        return self.repro.export_history(path, server=server, last=last)

    # ------------------------------------------------------------------ the server author's bench
    def verify(
        self, cassette: str | Path, *, servers: Mapping[str, str | Mapping[str, Any]] | None = None,
        ignore: Iterable[str] = (), connect: bool = False, timeout: float | None = None,
    ) -> VerifyReport:  # fmt: skip
        """Re-run a cassette's requests against the live servers and compare.

        ``servers={"demo": "demo2"}`` maps a recorded server to a connected one (or to connect
        options, ``{"demo": {"command": ...}}``); ``connect=True`` connects the recorded servers
        the way the cassette says they were reached, and disconnects them afterwards. ``ignore``
        drops volatile fields first (``["$..time", "$.structuredContent.id"]``). Returns a
        DataFrame (server, method, target, status same|changed|missing|error, diff, recorded_ms,
        live_ms, note) with ``.ok``, ``.summary`` and ``.text()``; listings are compared per tool,
        prompt and resource (schema drift)."""
        return self.repro.verify(cassette, servers=servers, ignore=ignore, connect=connect, timeout=timeout)

    def lint(self, server: str, *, cassette: str | Path | None = None, token_threshold: int = TOKEN_THRESHOLD) -> pd.DataFrame:
        """What in ``server``'s tools and prompts will trip up clients and models: a DataFrame
        (severity, kind, name, rule, message), errors first; empty when clean. Rules: name-syntax,
        model-name, duplicate-name, missing-description, input-/output-schema-invalid,
        required-not-in-properties, annotations-conflict, too-many-tokens (above
        ``token_threshold``), structured-output-mismatch for the calls of ``cassette`` (default:
        the cassette being recorded or replayed)."""
        return self.repro.lint(server, cassette=cassette, token_threshold=token_threshold)

    def doctor(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = DOCTOR_TIMEOUT_S) -> DoctorReport:
        """Why a remote server does not connect: one row per stage, in order (url, dns, tcp, tls,
        http, protected-resource metadata, authorization-server metadata, initialize/discover,
        protocol version, listings) with status ok|fail|skipped, ms, detail and advice; ``.ok``
        and ``.summary`` (the first failure in one line)."""
        return self.repro.doctor(url, headers=headers, timeout=timeout)

    # ------------------------------------------------------------------ MCP Apps
    def app(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        allow: list[str] | None = None, **kwargs: Any,
    ) -> AppView:  # fmt: skip
        """Call ``server.tool`` and return its live MCP App (an ``AppView`` widget; display it).

        ``allow``: iframe permissions this app may get when its resource asks for them
        ("camera", "microphone", "geolocation", "clipboard-write"; default ``wb.app_host.allow``,
        empty). A tool without a UI is an ``ArgumentError``; ``r = wb.call(...)`` shows the app
        too when displayed, and ``r.app`` is the same view."""
        return self.app_host.app(target, arguments, timeout=timeout, allow=allow, **kwargs)

    async def aapp(
        self, target: str, arguments: dict[str, Any] | None = None, /, *, timeout: float | None = None,
        allow: list[str] | None = None, **kwargs: Any,
    ) -> AppView:  # fmt: skip
        """Async twin of ``app``."""
        return await self.app_host.aapp(target, arguments, timeout=timeout, allow=allow, **kwargs)

    def apps(self, server: str | None = None) -> pd.DataFrame:
        """Every tool with an MCP App: server, tool, uri, title, csp, permissions, prefers_border."""
        return self.app_host.apps(server)

    # ------------------------------------------------------------------ MCP Registry
    @property
    def registry_url(self) -> str:
        """The MCP Registry searched and connected from (default: ``$MCP_WORKBENCH_REGISTRY_URL``,
        else the official registry); any registry speaking its ``/v0.1`` API. Set None to reset."""
        return self.mcp_registry.url

    @registry_url.setter
    def registry_url(self, value: str | None) -> None:
        self.mcp_registry.set_url(value)

    def registry_search(self, search: str | None = None, *, cached: bool = False) -> pd.DataFrame:
        """Servers published in the MCP Registry whose name holds ``search`` (latest versions, every
        page): name, title, description, version, packages, remotes, repository, status,
        published_at, fetched_at. Kept in the catalog; ``cached=True`` reads it without the network."""
        return self.listings.registry(self.mcp_registry.search(search, cached=cached))

    async def aregistry_search(self, search: str | None = None, *, cached: bool = False) -> pd.DataFrame:
        """Async twin of ``registry_search``."""
        return self.listings.registry(await self.mcp_registry.asearch(search, cached=cached))

    def connect_registry(
        self, server: str, *, name: str | None = None, version: str = "latest", use: str | None = None,
        env: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None, arguments: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None, timeout: float | None = None,
        connect_timeout: float | None = None, cached: bool = False,
    ) -> ConnectInfo:  # fmt: skip
        """Connect registry server ``server`` (``io.github.owner/name``) as ``name`` (default: the part
        after the slash): a remote (streamable-http / sse) by URL, else a package: npm with npx, PyPI
        with uvx (or this kernel's python when installed here), OCI with docker. ``use=`` picks
        "remote", "npm", "pypi" or "oci". ``env`` / ``headers`` / ``variables`` (URL template) /
        ``arguments`` fill what the server.json declares; variables it requires that are neither
        given nor in the kernel's environment are named in one error before anything starts."""
        return self.mcp_registry.connect(server, RegistryOptions.of(locals()))

    async def aconnect_registry(
        self, server: str, *, name: str | None = None, version: str = "latest", use: str | None = None,
        env: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None, arguments: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None, timeout: float | None = None,
        connect_timeout: float | None = None, cached: bool = False,
    ) -> ConnectInfo:  # fmt: skip
        """Async twin of ``connect_registry``."""
        return await self.mcp_registry.aconnect(server, RegistryOptions.of(locals()))

    def _registry_cache(self) -> CatalogRegistryCache | None:
        return CatalogRegistryCache(self.catalog_sync.repo) if self.catalog_sync is not None else None

    # ------------------------------------------------------------------ dashboard
    def dashboard(self) -> Dashboard:
        """The ipywidgets dashboard for this workbench (display it: a cell's last value); a new one
        closes the previous one."""
        return self.dashboards.open()

    def __repr__(self) -> str:
        s = self.service.sessions.stats()
        return f"<Workbench: {s['connected']}/{s['connections']} servers connected, {self.service.log.total} calls>"


_workbench: Workbench | None = None
_workbench_lock = threading.Lock()


def workbench(store: Store = None) -> Workbench:
    """The process's (the kernel's) one Workbench: the same object on every call.

    ``store`` picks the persistent catalog the first time (or switches to another one later).
    A person is at the kernel: servers' sampling / elicitation / roots requests get the
    notebook's interactive answers unless hooks say otherwise.
    """
    global _workbench
    if _workbench is None:
        with _workbench_lock:
            if _workbench is None:
                _workbench = Workbench(store=store, interactive=True)
                atexit.register(_close_at_exit, _workbench)
                _kernel.created(_workbench)  # perf: a loaded extension applies its %config traits now
                return _workbench
    if store is not None and store != _workbench.store:
        _workbench.set_store(store)
    return _workbench


def _close_at_exit(wb: Workbench) -> None:
    """Interpreter exit / kernel shutdown: end every server process tree."""
    try:
        wb.close()
        if wb.catalog_sync is not None:
            wb.catalog_sync.close()
    except BaseException as exc:  # exiting: report, never raise
        logger.debug("closing at exit failed: %s", exc)
