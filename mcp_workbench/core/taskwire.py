"""Tasks on the wire, in both protocol eras, on the SDK's own session.

- 2025-11-25 (tasks in core; server-everything): ``tools/call`` with a ``task`` field answers a
  ``CreateTaskResult``; ``tasks/get``, ``tasks/result`` (blocks until the task ends and carries
  its ``elicitation/create`` requests, answered by the session's usual callbacks), ``tasks/cancel``,
  ``tasks/list``; ``notifications/tasks/status``.
- 2026-07-28 (the ``io.modelcontextprotocol/tasks`` extension, SEP-2663): the client declares the
  extension and the *server* decides whether a ``tools/call`` becomes a task (``resultType:
  "task"``); ``tasks/get`` carries the result, the error or the pending ``inputRequests``,
  answered with ``tasks/update``; ``tasks/cancel``; ``notifications/tasks``; no ``tasks/list``.

The SDK 2.3 has no client for either. What it has is used: ``ClientExtension`` (the capability
ad, a result claim for ``resultType: "task"``, notification bindings), ``send_request`` and
``dispatch_input_request``. One thing it cannot do is let a handshake-era ``tools/call`` answer
a ``CreateTaskResult`` (its result is validated as a ``CallToolResult``), so that one request is
sent through the session's dispatcher with the session's own stamp (``send_raw``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import mcp_types as types
from mcp import Client
from mcp.client.extension import ClaimContext, ClientExtension, NotificationBinding, ResultClaim
from mcp.client.session import ClientRequestContext, ClientSession
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel

from ..errors import CapabilityError, WorkbenchError

if TYPE_CHECKING:
    from .connection import Connection

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
STATUSES = ("working", "input_required", "completed", "failed", "cancelled")
_INPUT_REQUEST: TypeAdapter[types.InputRequest] = TypeAdapter(types.InputRequest)


@dataclass
class TaskSnapshot:
    """A task as the server last described it, in either era's shape."""

    task_id: str
    status: str
    status_message: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    ttl_ms: int | None = None
    poll_ms: int | None = None
    result: dict[str, Any] | None = None  # 2026: the final CallToolResult, inline
    error: dict[str, Any] | None = None  # 2026: the JSON-RPC error of a failed task
    input_requests: dict[str, Any] | None = None  # 2026: what the server waits for

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def of(cls, data: Any) -> TaskSnapshot:
        """From a 2025 ``Task`` model or a 2026 task dict / model."""
        d = data.model_dump(by_alias=True, mode="json") if isinstance(data, BaseModel) else dict(data)
        return cls(
            task_id=str(d.get("taskId")), status=str(d.get("status")), status_message=d.get("statusMessage"),
            created_at=d.get("createdAt"), updated_at=d.get("lastUpdatedAt"),
            ttl_ms=d.get("ttlMs", d.get("ttl")), poll_ms=d.get("pollIntervalMs", d.get("pollInterval")),
            result=d.get("result"), error=d.get("error"), input_requests=d.get("inputRequests"),
        )  # fmt: skip


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class ModernTaskResult(types.Result):
    """``CreateTaskResult`` of the 2026 extension: ``resultType: "task"`` and the task's fields."""

    model_config = ConfigDict(extra="allow")
    result_type: Literal["task"] = "task"
    task_id: str
    status: str = "working"


class _TaskIdParams(types.RequestParams):
    task_id: str


class _UpdateParams(types.RequestParams):
    task_id: str
    input_responses: dict[str, Any]


class _ModernGet(types.Request[_TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: _TaskIdParams
    name_param: ClassVar[str | None] = "taskId"  # Mcp-Name: routes the request to the task's server


class _ModernCancel(types.Request[_TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: _TaskIdParams
    name_param: ClassVar[str | None] = "taskId"


class _ModernUpdate(types.Request[_UpdateParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    params: _UpdateParams
    name_param: ClassVar[str | None] = "taskId"


class TaskCreated(WorkbenchError):
    """Raised inside ``Client.call_tool`` to hand a 2026 task handle back instead of waiting."""

    def __init__(self, snapshot: TaskSnapshot) -> None:
        super().__init__(f"task {snapshot.task_id} created")
        self.snapshot = snapshot


DETACH: contextvars.ContextVar[bool] = contextvars.ContextVar("mcp_workbench_task_detach", default=False)
Follow = Callable[[TaskSnapshot, str, float | None], Awaitable[types.CallToolResult]]
StatusSink = Callable[[TaskSnapshot], None]


class TasksExtension(ClientExtension):
    """The client side of the tasks extension, plus the 2025 status notification.

    ``follow(snapshot, tool, timeout)`` waits for a task the server made of a plain call (the
    ``TaskManager`` follows it, so it is listed like any other); ``on_status`` receives
    ``notifications/tasks`` (2026) and ``notifications/tasks/status`` (2025).
    """

    identifier = TASKS_EXTENSION

    def __init__(self, follow: Follow, on_status: StatusSink) -> None:
        self._follow, self._on_status = follow, on_status

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=ModernTaskResult, resolve=self._resolve)]

    def notifications(self) -> list[NotificationBinding[Any]]:
        async def status(params: _Wire) -> None:
            self._on_status(TaskSnapshot.of(params.model_dump(by_alias=True)))

        return [NotificationBinding(method=m, params_type=_Wire, handler=status)
                for m in ("notifications/tasks", "notifications/tasks/status")]  # fmt: skip

    async def _resolve(self, created: ModernTaskResult, ctx: ClaimContext) -> types.CallToolResult:
        snapshot = TaskSnapshot.of(created.model_dump(by_alias=True))
        if DETACH.get():
            raise TaskCreated(snapshot)
        return await self._follow(snapshot, ctx.tool_name, ctx.read_timeout_seconds)


# ---------------------------------------------------------------------------- capabilities
def is_modern(client: Client) -> bool:
    return client.protocol_version in MODERN_PROTOCOL_VERSIONS


def offers_tasks(caps: types.ServerCapabilities | None, modern: bool) -> bool:
    if caps is None:
        return False
    if modern:
        return TASKS_EXTENSION in (caps.extensions or {})
    return bool(caps.tasks and caps.tasks.requests and caps.tasks.requests.tools and caps.tasks.requests.tools.call is not None)


def check_tasks(server: str, caps: types.ServerCapabilities | None, modern: bool, what: str = "tasks") -> None:
    """Refuse in one line when the server did not advertise tasks (or the part asked for)."""
    if not offers_tasks(caps, modern):
        where = f"the {TASKS_EXTENSION} extension" if modern else "the tasks capability (tasks.requests.tools.call)"
        raise CapabilityError(f"server {server!r} does not offer tasks: it did not advertise {where}")
    if modern or what == "tasks":
        return
    tasks = caps.tasks if caps is not None else None
    if what == "cancel" and (tasks is None or tasks.cancel is None):
        raise CapabilityError(f"server {server!r} does not offer task cancellation (no tasks.cancel capability)")
    if what == "list" and (tasks is None or tasks.list is None):
        raise CapabilityError(f"server {server!r} does not list tasks (no tasks.list capability)")


def task_support(tool: types.Tool | None) -> str:
    """The tool's ``execution.taskSupport`` (2025): forbidden (also when absent), optional, required."""
    execution = tool.execution if tool is not None else None
    return (execution.task_support if execution is not None else None) or "forbidden"


# ---------------------------------------------------------------------------- requests
async def send_raw(session: ClientSession, method: str, params: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    """One request through the session's dispatcher, stamped as the session stamps its own."""
    data: dict[str, Any] = {"method": method, "params": params}
    opts: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    session._stamp(data, opts)  # type: ignore[arg-type]  # the negotiated version's headers and _meta
    return await session._dispatcher.send_raw_request(method, data.get("params"), opts)  # type: ignore[arg-type]


async def create(
    client: Client, tool: str, arguments: dict[str, Any], *, ttl_ms: int | None, timeout: float | None,
    meta: dict[str, Any] | None = None,
) -> TaskSnapshot | types.CallToolResult:  # fmt: skip
    """Start ``tool`` as a task; a server that answers at once gives the result instead."""
    if is_modern(client):
        token = DETACH.set(True)
        try:
            return await client.call_tool(tool, arguments, read_timeout_seconds=timeout, meta=meta)  # type: ignore[arg-type]
        except TaskCreated as created:
            return created.snapshot
        finally:
            DETACH.reset(token)
    params: dict[str, Any] = {"name": tool, "arguments": arguments, "task": {} if ttl_ms is None else {"ttl": ttl_ms}}
    raw = await send_raw(client.session, "tools/call", params, timeout)
    if isinstance(raw.get("task"), dict):
        return TaskSnapshot.of(raw["task"])
    return types.CallToolResult.model_validate(raw)


async def get(client: Client, task_id: str) -> TaskSnapshot:
    if is_modern(client):
        found = await client.session.send_request(_ModernGet(params=_TaskIdParams(task_id=task_id)), _Wire)
        return TaskSnapshot.of(found.model_dump(by_alias=True))
    result = await client.session.send_request(
        types.GetTaskRequest(params=types.GetTaskRequestParams(task_id=task_id)), types.GetTaskResult
    )
    return TaskSnapshot.of(result)


async def payload(client: Client, task_id: str, timeout: float | None) -> types.CallToolResult:
    """2025: ``tasks/result``, which waits for the end (and carries the task's requests to us)."""
    request = types.GetTaskPayloadRequest(params=types.GetTaskPayloadRequestParams(task_id=task_id))
    return await client.session.send_request(request, types.CallToolResult, request_read_timeout_seconds=timeout)


async def cancel(client: Client, task_id: str) -> TaskSnapshot | None:
    """Ask the server to cancel; 2025 answers the task's new state, 2026 only acknowledges."""
    if is_modern(client):
        await client.session.send_request(_ModernCancel(params=_TaskIdParams(task_id=task_id)), _Wire)
        return None
    result = await client.session.send_request(
        types.CancelTaskRequest(params=types.CancelTaskRequestParams(task_id=task_id)), types.CancelTaskResult
    )
    return TaskSnapshot.of(result)


async def list_all(client: Client, pages: int = 100) -> list[TaskSnapshot]:
    """2025: every page of ``tasks/list``."""
    found: list[TaskSnapshot] = []
    cursor: str | None = None
    for _ in range(pages):
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await client.session.send_request(types.ListTasksRequest(params=params), types.ListTasksResult)
        found.extend(TaskSnapshot.of(t) for t in page.tasks)
        cursor = page.next_cursor
        if not cursor:
            break
    return found


async def answer(client: Client, task_id: str, requests: dict[str, Any]) -> None:
    """2026: answer a task's ``inputRequests`` through the session's callbacks (elicitation goes
    to the same ``on_elicitation`` hook as a standalone request), then ``tasks/update``."""
    session = client.session
    responses: dict[str, Any] = {}
    for key, raw in requests.items():
        request = _INPUT_REQUEST.validate_python(raw)
        ctx = ClientRequestContext(session=session, request_id=key, meta=None)
        response = await session.dispatch_input_request(ctx, request)
        if isinstance(response, types.ErrorData):
            raise WorkbenchError(f"task {task_id} asks for {raw.get('method')} and this client could not answer "
                                 f"({response.message}); set wb.on_elicitation(...) before connecting")
        responses[key] = response.model_dump(by_alias=True, mode="json", exclude_none=True)
    params = _UpdateParams(task_id=task_id, input_responses=responses)
    await session.send_request(_ModernUpdate(params=params), _Wire)


@dataclass
class TaskHooks:
    """What a connection hands the task manager: status notices, plain calls the server made
    tasks (2026: ``follow``), and plain calls of tools that only run as tasks (2025: ``run``)."""

    on_status: Callable[[str, TaskSnapshot], None]
    follow: Callable[[str, TaskSnapshot, str, float | None], Awaitable[types.CallToolResult]]
    run: Callable[[Connection, str, dict[str, Any], float | None], Awaitable[types.CallToolResult]]
