"""``Task``: a long-running tool call as an object in a cell, and ``TaskViews``, the part of the
``Workbench`` that makes them (``wb.call(..., task=True)``, ``wb.task(server, id)``, ``wb.tasks()``).

Shown in a notebook a task is a live status line: an ipywidgets line redrawn from the
workbench's ``task_status`` events (never by polling) until the task ends. Without a kernel
(a terminal, a script) it is one plain line of its state at that moment.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.results import ToolResult
from ..errors import ArgumentError
from ..core.secrets import mask, mask_text
from ..core.tasks import TaskState
from .cells import ERROR, MUTED, OK, WARN

if TYPE_CHECKING:
    from ..catalog.repository import StoredTask
    from ..catalog.sync import Catalog
    from ..core.features import Features

TASK_COLUMNS = ["id", "server", "tool", "status", "status_message", "created", "updated", "ttl_ms"]
_COLORS = {"working": WARN, "input_required": "#1f6feb", "completed": OK, "failed": ERROR, "cancelled": "#777777"}



def task_flag(task: Any) -> bool:
    """``call(..., task=)`` is the workbench's flag; a tool argument named ``task`` goes in the dict."""
    if not isinstance(task, bool):
        raise ArgumentError("task= is the workbench's flag (True or False); a tool argument named 'task' goes "
                            "in the arguments dict: wb.call('server.tool', {'task': ...})")  # fmt: skip
    return task

class Task:
    """A task on a server: ``id``, ``server``, ``tool``, ``status``, ``status_message``;
    ``result()`` waits for its ``ToolResult``; ``cancel()``, ``refresh()``; async twins."""

    def __init__(self, state: TaskState, features: Features) -> None:
        self._state = state
        self._features = features

    id = property(lambda self: self._state.task_id, doc="the server's task id (keep it to re-attach)")
    server = property(lambda self: self._state.server, doc="the server that runs the task")
    tool = property(lambda self: self._state.tool, doc="the tool called (None when re-attached without a record)")
    arguments = property(lambda self: self._state.arguments, doc="the arguments it was called with, if known")
    status = property(lambda self: self._state.status,
                      doc="working | input_required | completed | failed | cancelled")  # fmt: skip
    status_message = property(lambda self: self._state.status_message, doc="the server's latest words")
    created = property(lambda self: self._state.created, doc="when the server created it (ISO 8601)")
    updated = property(lambda self: self._state.updated, doc="the server's last update (ISO 8601)")
    ttl_ms = property(lambda self: self._state.ttl_ms, doc="how long the server keeps it (ms; None: no limit)")
    done = property(lambda self: self._state.terminal, doc="True once completed, failed or cancelled")

    def result(self, timeout: float | None = None) -> ToolResult:
        """Wait (at most ``timeout`` s; None: as long as it takes) for the result; raises the
        tool's error (``TaskError``) if the task failed or was cancelled. Interrupting the wait
        leaves the task running on the server."""
        return self._wrap(self._features.run(self._features.tasks.result(self._state, timeout)))

    async def aresult(self, timeout: float | None = None) -> ToolResult:
        """Async twin of ``result``."""
        return self._wrap(await self._features.arun(self._features.tasks.result(self._state, timeout)))

    def cancel(self) -> Task:
        """Ask the server to cancel (cooperative: it may finish first)."""
        self._features.run(self._features.tasks.cancel(self._state))
        return self

    async def acancel(self) -> Task:
        """Async twin of ``cancel``."""
        await self._features.arun(self._features.tasks.cancel(self._state))
        return self

    def refresh(self) -> Task:
        """Ask the server for the task's state now (and follow it again after a reconnect)."""
        self._features.run(self._features.tasks.refresh(self._state))
        return self

    async def arefresh(self) -> Task:
        """Async twin of ``refresh``."""
        await self._features.arun(self._features.tasks.refresh(self._state))
        return self

    def _wrap(self, raw: Any) -> ToolResult:
        s = self._state
        return ToolResult(raw, server=s.server, tool=s.tool or "?", arguments=dict(s.arguments or {}),
                          duration_ms=(time.time() - s.started) * 1000, reader=self._features.service)  # fmt: skip

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        s = self._state
        where = f"{s.server}.{s.tool}" if s.tool else s.server
        words = f": {s.status_message}" if s.status_message else ""
        return mask_text(f"<Task {where} {s.task_id} {s.status}{words}>")

    def _html(self) -> str:
        s = self._state
        color = _COLORS.get(s.status, MUTED)
        mark = "●" if s.terminal else "◌"
        words = f" — {html.escape(mask_text(s.status_message))}" if s.status_message else ""
        where = html.escape(f"{s.server}.{s.tool}" if s.tool else s.server)
        return (f'<span class="mcp-task mcp-task-{html.escape(s.status)}"><span style="color:{color}">{mark} '
                f"{html.escape(s.status)}</span> <code>{where}</code> <small>task {html.escape(s.task_id)}</small>"
                f"{words}</span>")  # fmt: skip

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": repr(self), "text/html": self._html()}

    def _ipython_display_(self) -> None:
        """In a kernel: a line that follows the task until it ends; elsewhere: one plain line."""
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        if shell is None or getattr(shell, "kernel", None) is None or self._state.terminal:
            display(self._repr_mimebundle_(), raw=True)
            return
        import ipywidgets as widgets

        line = widgets.HTML(self._html())
        line.add_class("mcp-task-line")
        events = self._features.service.events
        handlers: list[Callable[[], None]] = []

        def redraw(event: dict[str, Any]) -> None:
            if (event.get("server"), event.get("task_id")) != (self.server, self.id):
                return
            line.value = self._html()
            if self._state.terminal:
                for off in handlers:
                    off()

        handlers.append(events.on("task_status", redraw))
        display(line)
        redraw({"server": self.server, "task_id": self.id})  # it may have ended while the line was made


class TaskViews:
    """Makes ``Task`` objects (one per task, so ``wb.task(s, id)`` returns the same one) and
    the ``wb.tasks()`` listing: the catalog's tasks (also earlier kernels') and the live ones."""

    def __init__(self, features: Features, catalog: Callable[[], Catalog | None]) -> None:
        self._features = features
        self._catalog = catalog
        self._made: dict[tuple[str, str], Task] = {}

    def wrap(self, state: TaskState) -> Task:
        key = (state.server, state.task_id)
        task = self._made.get(key)
        if task is None or task._state is not state:
            task = self._made[key] = Task(state, self._features)
        return task

    def start(self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *,
              ttl_ms: int | None = None, timeout: float | None = None) -> Task:  # fmt: skip
        return self.wrap(self._features.start_task(target, arguments, kwargs, ttl_ms=ttl_ms, timeout=timeout))

    async def astart(self, target: str, arguments: dict[str, Any] | None, kwargs: dict[str, Any], *,
                     ttl_ms: int | None = None, timeout: float | None = None) -> Task:  # fmt: skip
        return self.wrap(await self._features.astart_task(target, arguments, kwargs, ttl_ms=ttl_ms, timeout=timeout))

    def task(self, server: str, task_id: str) -> Task:
        return self.wrap(self._features.run(self._features.attach(server, task_id, *self._known(server, task_id))))

    async def atask(self, server: str, task_id: str) -> Task:
        known = self._known(server, task_id)
        return self.wrap(await self._features.arun(self._features.attach(server, task_id, *known)))

    def _known(self, server: str, task_id: str) -> tuple[str | None, dict[str, Any] | None]:
        """The tool and arguments the catalog remembers for a task (a re-attach after a restart)."""
        catalog = self._catalog()
        if catalog is None:
            return None, None
        catalog.flush()
        row = catalog.repo.get_task(server, task_id)
        return (row.tool, row.arguments) if row is not None else (None, None)

    def frame(self, server: str | None = None, remote: bool = False) -> pd.DataFrame:
        """id, server, tool, status, status_message, created, updated, ttl_ms; newest first.
        ``remote``: the server's own list instead (``tasks/list``, 2025 servers that offer it)."""
        if remote:
            if server is None:
                raise ArgumentError("remote=True asks one server for its tasks: name it, e.g. wb.tasks('ev', remote=True)")
            return _sorted(remote_frame(self._features.run(self._features.remote_tasks(server)), server))
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        catalog = self._catalog()
        if catalog is not None:
            catalog.flush()
            for t in reversed(catalog.repo.list_tasks(server)):  # stored masked
                rows[(t.server, t.task_id)] = _row(t, t.status_message)
        for key, s in list(self._features.tasks.tasks.items()):  # live state is the freshest
            if server is None or s.server == server:
                rows[key] = _row(s, mask_text(s.status_message) if s.status_message else None)
        return _sorted(pd.DataFrame(list(rows.values()), columns=TASK_COLUMNS))


def _row(task: TaskState | StoredTask, status_message: str | None) -> dict[str, Any]:
    """A ``TASK_COLUMNS`` row of a live task or a stored one (they share these fields)."""
    return {"id": task.task_id, "server": task.server, "tool": task.tool, "status": task.status,
            "status_message": status_message, "created": task.created, "updated": task.updated, "ttl_ms": task.ttl_ms}  # fmt: skip


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("created", "updated"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    return frame.sort_values("created", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def remote_frame(snapshots: list[Any], server: str) -> pd.DataFrame:
    """The server's own ``tasks/list`` as the same columns."""
    rows = [{"id": t.task_id, "server": server, "tool": None, "status": t.status, "status_message": t.status_message,
             "created": t.created_at, "updated": t.updated_at, "ttl_ms": t.ttl_ms} for t in snapshots]  # fmt: skip
    return pd.DataFrame(mask(rows), columns=TASK_COLUMNS)
