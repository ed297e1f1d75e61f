"""What 2025-11-25 and 2026-07-28 servers offer beyond tools, prompts and resources: tasks,
argument completions, resource subscriptions and server logs. A part of the ``Workbench``
(``wb.features``): sync methods block on the engine thread, async twins await it, and each
works in whichever era the server negotiated, refusing in one line what it did not advertise.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ArgumentError
from . import completions
from .logs import LogBuffer, LogEntry, check_level, set_log_level
from .requests import call_hook
from .subscriptions import Subscription, Subscriptions, subscribe
from .tasks import TaskState
from .taskwire import TaskSnapshot

if TYPE_CHECKING:
    from .connection import Connection
    from .service import ServerService

T = TypeVar("T")


class Features:
    """Tasks, completions, subscriptions and logs, over the service's live connections."""

    def __init__(self, service: ServerService) -> None:
        self.service = service
        self.tasks = service.tasks
        self.logs = LogBuffer()
        self.subscriptions = Subscriptions(service.events, call_hook)
        service.events.on("server_log", self._on_log)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Block on ``coro`` on the engine loop (the sync side of every method here)."""
        return self.service.engine.run(coro, timeout)

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        return await self.service.engine.arun(coro)

    async def _open(self, server: str) -> Connection:
        conn = self.service.registry.get(server)
        if not conn.is_open:
            await conn.open()  # idle-closed or crashed: reconnect once, as a call would
        return conn

    # ------------------------------------------------------------------ tasks
    def start_task(self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *,
                   ttl_ms: int | None = None, timeout: float | None = None) -> TaskState:  # fmt: skip
        return self.run(self._start(target, arguments, kwargs, ttl_ms, timeout))

    async def astart_task(self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *,
                          ttl_ms: int | None = None, timeout: float | None = None) -> TaskState:  # fmt: skip
        return await self.arun(self._start(target, arguments, kwargs, ttl_ms, timeout))

    async def _start(self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any],
                     ttl_ms: int | None, timeout: float | None) -> TaskState:  # fmt: skip
        conn, tool, args = self.service._prepare_call(target, arguments, kwargs)
        await self._open(conn.name)
        return await self.tasks.start(conn, tool, args, ttl_ms=ttl_ms, timeout=timeout)

    async def attach(self, server: str, task_id: str, tool: str | None = None,
                     arguments: dict[str, Any] | None = None) -> TaskState:  # fmt: skip
        """The task ``task_id`` of ``server`` (followed from now on if it is still running)."""
        if not isinstance(task_id, str) or not task_id:
            raise ArgumentError("a task id is a non-empty string, e.g. wb.task('ev', t.id)")
        return await self.tasks.attach(await self._open(server), task_id, tool, arguments)

    async def remote_tasks(self, server: str) -> list[TaskSnapshot]:
        """The server's own list of its tasks (2025 ``tasks/list``)."""
        return await self.tasks.remote(await self._open(server))

    # ------------------------------------------------------------------ completions
    def complete(self, target: str, argument: str, value: str = "", *, context: dict[str, Any] | None = None,
                 template: str | None = None, timeout: float | None = None) -> list[str]:  # fmt: skip
        return self.run(self._complete(target, argument, value, context, template, timeout))

    async def acomplete(self, target: str, argument: str, value: str = "", *, context: dict[str, Any] | None = None,
                        template: str | None = None, timeout: float | None = None) -> list[str]:  # fmt: skip
        return await self.arun(self._complete(target, argument, value, context, template, timeout))

    async def _complete(self, target: str, argument: str, value: str, context: dict[str, Any] | None,
                        template: str | None, timeout: float | None) -> list[str]:  # fmt: skip
        if template is not None:
            conn, name = self.service.registry.get(target), None
        else:
            conn, name = self.service.registry.resolve(target, "prompt")
        if context is not None and not isinstance(context, dict):
            raise ArgumentError("context= takes a dict of the other arguments, e.g. context={'department': 'Sales'}")
        await self._open(conn.name)
        ref = completions.reference(conn, name, argument, template)
        return await completions.complete(conn, ref, argument, value, context, timeout=timeout)

    # ------------------------------------------------------------------ subscriptions
    def subscribe(self, server: str, uri: str, on_update: Callable[[str], Any] | None = None) -> Subscription:
        return self.run(self._subscribe(server, uri, on_update))

    async def asubscribe(self, server: str, uri: str, on_update: Callable[[str], Any] | None = None) -> Subscription:
        return await self.arun(self._subscribe(server, uri, on_update))

    async def _subscribe(self, server: str, uri: str, on_update: Callable[[str], Any] | None) -> Subscription:
        if on_update is not None and not callable(on_update):
            raise ArgumentError("on_update= takes a function of the updated resource's URI")
        conn = await self._open(server)
        await subscribe(conn, uri, True)
        return self.subscriptions.add(conn.name, uri, on_update, lambda: self.unsubscribe(conn.name, uri))

    def unsubscribe(self, server: str, uri: str) -> None:
        self.run(self._unsubscribe(server, uri))

    async def aunsubscribe(self, server: str, uri: str) -> None:
        await self.arun(self._unsubscribe(server, uri))

    async def _unsubscribe(self, server: str, uri: str) -> None:
        conn = self.service.registry.get(server)
        if conn.is_open:
            await subscribe(conn, uri, False)
        else:
            conn.listener.uris.discard(uri)
        self.subscriptions.end(conn.name, uri)

    def active_subscriptions(self, server: str | None = None) -> list[Subscription]:
        def live(name: str, uri: str) -> bool:
            conn = self.service.registry.lookup(name)
            return conn is not None and uri in conn.listener.uris

        return self.subscriptions.active(server, live)

    # ------------------------------------------------------------------ logs
    def set_log_level(self, server: str, level: str) -> None:
        self.run(self._set_log_level(server, level))

    async def aset_log_level(self, server: str, level: str) -> None:
        await self.arun(self._set_log_level(server, level))

    async def _set_log_level(self, server: str, level: str) -> None:
        conn = await self._open(server)
        await set_log_level(conn, level)
        self.service.log_levels[conn.name] = check_level(level)

    def log_entries(self, server: str | None = None, level: str | None = None, last: int | None = None) -> list[LogEntry]:
        if server is not None:
            self.service.registry.get(server)  # an unknown name is an error with suggestions, not an empty list
        return self.logs.entries(server, level, last)

    def _on_log(self, event: dict[str, Any]) -> None:
        self.logs.append(event["server"], event["level"], event.get("logger"), event["message"], event.get("data"))

