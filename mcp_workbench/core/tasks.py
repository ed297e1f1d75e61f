"""The tasks the workbench follows: started here, made of a plain call by the server, or
re-attached by id (the catalog keeps ids, so this works after a kernel restart too).

One watcher per unfinished task polls ``tasks/get`` at the server's suggested interval (a
status notification wakes it early), answers what the task waits for (2026: its
``inputRequests``, through ``tasks/update``; 2025: by calling ``tasks/result``, which carries the
server's requests to the usual callbacks) and fetches the result when the task ends. Every
change is an event (``task_created``, ``task_status``) that the catalog stores and a live
status line in a cell redraws from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mcp_types as types

from ..errors import ArgumentError, CallTimeoutError, CapabilityError, TaskError, WorkbenchError
from . import taskwire as wire
from .events import EventEmitter
from .secrets import mask_text
from .taskwire import TaskHooks, TaskSnapshot

if TYPE_CHECKING:
    from .connection import Connection

logger = logging.getLogger("mcp_workbench.tasks")
_POLL_MIN_S, _POLL_MAX_S, _POLL_DEFAULT_S = 0.1, 5.0, 1.0
_PAYLOAD_TIMEOUT_S = 24 * 3600.0  # tasks/result blocks until the task ends: bounded only by the task itself


@dataclass
class TaskState:
    """What the workbench knows of one task; the ``views.tasks.Task`` object reads it."""

    server: str
    task_id: str
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    status: str = "working"
    status_message: str | None = None
    created: str | None = None  # ISO 8601, as the server wrote it
    updated: str | None = None
    ttl_ms: int | None = None
    poll_ms: int | None = None
    result: types.CallToolResult | None = None
    error: str | None = None  # why it failed, or why following it stopped
    started: float = field(default_factory=time.time)
    settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    nudge: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    answered: set[str] = field(default_factory=set, repr=False)  # inputRequests keys already answered

    @property
    def terminal(self) -> bool:
        return self.status in wire.TERMINAL

    def row(self) -> dict[str, Any]:
        """The event payload and the catalog row (arguments masked by whoever stores them)."""
        return {"server": self.server, "task_id": self.task_id, "tool": self.tool, "arguments": self.arguments,
                "status": self.status, "status_message": self.status_message, "created": self.created,
                "updated": self.updated, "ttl_ms": self.ttl_ms, "error": self.error}  # fmt: skip


class TaskManager:
    """Tasks by (server, id); every coroutine runs on the engine loop."""

    def __init__(self, events: EventEmitter, lookup: Callable[[str], Connection]) -> None:
        self.events = events
        self._lookup = lookup
        self.tasks: dict[tuple[str, str], TaskState] = {}
        self._watchers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.on_settled: Callable[[TaskState], None] | None = None  # the service logs finished tasks
        self.hooks = TaskHooks(on_status=self._on_status, follow=self._follow, run=self.run)

    # ------------------------------------------------------------------ starting and attaching
    async def start(
        self, conn: Connection, tool: str, arguments: dict[str, Any], *, ttl_ms: int | None, timeout: float | None
    ) -> TaskState:
        """Start ``tool`` as a task; returns at once (a server that answers at once gives a task
        that is already completed)."""
        tool_spec = conn.tools.get(tool)
        wire.check_tasks(conn.name, conn.capabilities, conn.modern)
        if not conn.modern and wire.task_support(tool_spec) == "forbidden":
            raise CapabilityError(f"{conn.name}.{tool} cannot run as a task (its taskSupport is 'forbidden'); call it plainly")
        if ttl_ms is not None and (not isinstance(ttl_ms, int) or ttl_ms <= 0):
            raise ArgumentError("ttl_ms must be a positive number of milliseconds, e.g. ttl_ms=600_000")
        started = time.time()
        created = await conn.request(
            lambda c: wire.create(c, tool, arguments, ttl_ms=ttl_ms, timeout=timeout, meta=conn.meta()),
            timeout=timeout, what=f"task {tool!r}", sdk_timeout=True,
        )  # fmt: skip
        if isinstance(created, types.CallToolResult):  # the server chose to answer at once
            local = TaskSnapshot(f"local-{int(started * 1000)}-{len(self.tasks)}", "completed")
            state = self._register(conn.name, local, tool, arguments)
            state.result = created
            self._settle(state)
            return state
        state = self._register(conn.name, created, tool, arguments)
        state.started = started
        self._watch(conn, state)
        return state

    async def attach(self, conn: Connection, task_id: str, tool: str | None = None,
                     arguments: dict[str, Any] | None = None) -> TaskState:  # fmt: skip
        """The task ``task_id`` of ``conn``: the one followed already, or fetched and followed."""
        known = self.tasks.get((conn.name, task_id))
        if known is not None:
            if not known.terminal and (conn.name, task_id) not in self._watchers:
                self._watch(conn, known)
            return known
        wire.check_tasks(conn.name, conn.capabilities, conn.modern)
        snap = await conn.request(lambda c: wire.get(c, task_id), timeout=None, what=f"tasks/get {task_id}")
        state = self._register(conn.name, snap, tool, arguments)
        if state.terminal and not conn.modern and state.status == "completed":
            state.result = await self._payload(conn, state)
        if state.terminal:
            self._settle(state)
        else:
            self._watch(conn, state)
        return state

    async def _follow(self, server: str, snap: TaskSnapshot, tool: str, timeout: float | None) -> types.CallToolResult:
        """A plain call the server turned into a task (2026): follow it like any task and wait."""
        conn = self._lookup(server)
        state = self._register(server, snap, tool, None)
        self._watch(conn, state)
        return await self.result(state, timeout)

    async def run(self, conn: Connection, tool: str, arguments: dict[str, Any], timeout: float | None) -> types.CallToolResult:
        """A plain call of a tool whose taskSupport is "required" (2025): run it as a task and wait."""
        state = await self.start(conn, tool, arguments, ttl_ms=None, timeout=timeout)
        return await self.result(state, timeout)

    def _register(self, server: str, snap: TaskSnapshot, tool: str | None, arguments: dict[str, Any] | None) -> TaskState:
        state = TaskState(server, snap.task_id, tool, arguments)
        self.tasks[(server, snap.task_id)] = state
        self._apply(state, snap, quiet=True)
        self.events.emit("task_created", state.row())
        return state

    # ------------------------------------------------------------------ following
    def _watch(self, conn: Connection, state: TaskState) -> None:
        key = (state.server, state.task_id)
        task = asyncio.get_running_loop().create_task(self._watcher(conn, state), name=f"mcp-task-{state.task_id}")
        self._watchers[key] = task
        task.add_done_callback(lambda t: self._watchers.pop(key, None) if self._watchers.get(key) is t else None)

    async def _watcher(self, conn: Connection, state: TaskState) -> None:
        fetch: asyncio.Task[types.CallToolResult] | None = None
        try:
            while not state.terminal:
                snap = await conn.request(lambda c: wire.get(c, state.task_id), timeout=None,
                                          what=f"tasks/get {state.task_id}")  # fmt: skip
                self._apply(state, snap)
                if state.status == "input_required":
                    if conn.modern and snap.input_requests:
                        await self._answer(conn, state, snap.input_requests)
                    elif not conn.modern and fetch is None:  # 2025: the requests arrive on tasks/result
                        fetch = asyncio.get_running_loop().create_task(self._payload(conn, state))
                if fetch is not None and fetch.done():
                    break
                if not state.terminal:
                    await self._pause(state, fetch)
            if state.status == "completed" or (fetch is not None and fetch.done()):
                await self._finish(conn, state, fetch)
        except asyncio.CancelledError:
            if fetch is not None:
                fetch.cancel()
            raise
        except WorkbenchError as exc:
            state.error = f"following the task stopped: {exc}"
            logger.warning("%s: task %s: %s", state.server, state.task_id, exc)
            if fetch is not None:
                fetch.cancel()
        finally:
            if state.terminal or state.error:
                self._settle(state)

    @staticmethod
    async def _pause(state: TaskState, fetch: asyncio.Task[Any] | None) -> None:
        """Until the next poll: the server's interval, cut short by a status notice or the result."""
        state.nudge.clear()
        interval = (state.poll_ms or _POLL_DEFAULT_S * 1000) / 1000
        nudge = asyncio.ensure_future(state.nudge.wait())
        waiters = [nudge, *([fetch] if fetch is not None else [])]
        try:
            await asyncio.wait(waiters, timeout=min(_POLL_MAX_S, max(_POLL_MIN_S, interval)),
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            nudge.cancel()

    async def _finish(self, conn: Connection, state: TaskState, fetch: asyncio.Task[types.CallToolResult] | None) -> None:
        """The task ended (or its tasks/result came back): keep the result, or why it failed."""
        if conn.modern:
            return  # tasks/get carried the result or the error (see _apply)
        try:
            result = await fetch if fetch is not None else await self._payload(conn, state)
        except WorkbenchError as exc:
            if state.status != "cancelled":
                state.status, state.error = "failed", str(exc)
            return
        state.result = result
        if not state.terminal:
            state.status = "completed"
            self.events.emit("task_status", state.row())

    async def _payload(self, conn: Connection, state: TaskState) -> types.CallToolResult:
        return await conn.request(lambda c: wire.payload(c, state.task_id, _PAYLOAD_TIMEOUT_S),
                                  timeout=_PAYLOAD_TIMEOUT_S, what=f"tasks/result {state.task_id}", sdk_timeout=True)  # fmt: skip

    async def _answer(self, conn: Connection, state: TaskState, requests: dict[str, Any]) -> None:
        fresh = {k: v for k, v in requests.items() if k not in state.answered}
        if not fresh:
            return
        state.answered.update(fresh)
        await conn.request(lambda c: wire.answer(c, state.task_id, fresh), timeout=None,
                           what=f"tasks/update {state.task_id}")  # fmt: skip

    def _apply(self, state: TaskState, snap: TaskSnapshot, quiet: bool = False) -> None:
        before = (state.status, state.status_message)
        if state.terminal and snap.status != state.status:
            return  # terminal states never change
        state.status = snap.status if snap.status in wire.STATUSES else state.status
        state.status_message = snap.status_message if snap.status_message is not None else state.status_message
        state.created = snap.created_at or state.created
        state.updated = snap.updated_at or state.updated
        state.ttl_ms = snap.ttl_ms if snap.ttl_ms is not None else state.ttl_ms
        state.poll_ms = snap.poll_ms or state.poll_ms
        if snap.result is not None:
            state.result = types.CallToolResult.model_validate(snap.result)
        if snap.error is not None:
            state.error = mask_text(str(snap.error.get("message") or snap.error))
        if not quiet and before != (state.status, state.status_message):
            self.events.emit("task_status", state.row())

    def _on_status(self, server: str, snap: TaskSnapshot) -> None:
        state = self.tasks.get((server, snap.task_id))
        if state is None:
            return
        self._apply(state, snap)
        state.nudge.set()

    def _settle(self, state: TaskState) -> None:
        if state.settled.is_set():
            return
        state.settled.set()
        self.events.emit("task_status", state.row())
        if self.on_settled is not None and state.terminal:
            self.on_settled(state)

    # ------------------------------------------------------------------ what users ask
    async def result(self, state: TaskState, timeout: float | None = None) -> types.CallToolResult:
        """Wait for the task to end; its result, or a ``TaskError`` (failed, cancelled)."""
        try:
            async with asyncio.timeout(timeout):
                await state.settled.wait()
        except TimeoutError:
            raise CallTimeoutError(
                f"{state.server}: task {state.task_id} is still {state.status} after {timeout:g} s; it keeps running "
                f"on the server: wait again with result(), or cancel() it"
            ) from None
        where = f"{state.server}: task {state.task_id}" + (f" ({state.tool})" if state.tool else "")
        if state.status == "completed" and state.result is not None:
            return state.result
        if state.status == "cancelled":
            raise TaskError(f"{where} was cancelled" + (f": {state.status_message}" if state.status_message else ""))
        if state.status == "failed":
            raise TaskError(f"{where} failed: {state.error or state.status_message or 'no reason given'}")
        raise TaskError(f"{where}: {state.error or 'no result'}; t.refresh() follows it again")

    async def refresh(self, state: TaskState) -> TaskState:
        """Ask the server now; a task whose watcher stopped (a reconnect) is followed again."""
        conn = self._lookup(state.server)
        snap = await conn.request(lambda c: wire.get(c, state.task_id), timeout=None, what=f"tasks/get {state.task_id}")
        self._apply(state, snap)
        if not state.terminal and (state.server, state.task_id) not in self._watchers:
            state.error, state.settled = None, asyncio.Event()
            self._watch(conn, state)
        elif state.terminal and not state.settled.is_set():
            state.nudge.set()
        return state

    async def cancel(self, state: TaskState) -> TaskState:
        """``tasks/cancel``; cancellation is cooperative: the server may still finish first."""
        if state.terminal:
            return state
        conn = self._lookup(state.server)
        wire.check_tasks(conn.name, conn.capabilities, conn.modern, "cancel")
        snap = await conn.request(lambda c: wire.cancel(c, state.task_id), timeout=None,
                                  what=f"tasks/cancel {state.task_id}")  # fmt: skip
        if snap is not None:
            self._apply(state, snap)
        state.nudge.set()
        return state

    async def remote(self, conn: Connection) -> list[TaskSnapshot]:
        """2025: the server's own list (``tasks/list``); 2026 has none."""
        wire.check_tasks(conn.name, conn.capabilities, conn.modern, "list")
        if conn.modern:
            raise CapabilityError(f"server {conn.name!r} speaks 2026-07-28, whose tasks extension has no tasks/list")
        return await conn.request(wire.list_all, timeout=None, what="tasks/list")

    async def close(self) -> None:
        """Stop following (the tasks go on on their servers; re-attach by id)."""
        watchers = list(self._watchers.values())
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)

