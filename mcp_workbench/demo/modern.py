"""What the demo server offers beyond the 2025-06 protocol: tasks, completions, a subscribable
resource, log messages at several levels, resource links and icons.

Tasks follow the 2026-07-28 tasks extension (``io.modelcontextprotocol/tasks``, SEP-2663): a
client that declares it gets a task handle (``resultType: "task"``) from ``countdown``
(taskSupport "optional": without the extension it runs inline) and ``research`` (taskSupport
"required": without the extension it is refused with -32021); ``tasks/get`` carries the
status, the result and, while ``research`` waits for a clarification, an ``elicitation/create``
in ``inputRequests`` that ``tasks/update`` answers; ``tasks/cancel`` stops a task. The task
store is the process's, so any session may re-attach to a task by id.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mcp_types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    Completion,
    EmptyResult,
    Icon,
    PromptReference,
    RequestParams,
    ResourceLink,
    ResourceTemplateReference,
    SetLevelRequestParams,
    TextContent,
)

from mcp.server.context import ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import Context, MCPServer, UserMessage
from mcp.server.mcpserver.server import require_client_extension
from mcp.shared.exceptions import MCPError

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
POLL_MS = 200
TTL_MS = 600_000
LEVELS = ("debug", "info", "notice", "warning", "error")
LANGUAGES = {"python": ["django", "fastapi", "flask"], "javascript": ["express", "next", "react"],
             "rust": ["axum", "rocket"], "go": ["echo", "gin"]}  # fmt: skip
_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="7" '
        'fill="#1f6feb"/></svg>')  # fmt: skip
ICON = Icon(src="data:image/svg+xml;base64," + base64.b64encode(_SVG.encode()).decode(), mime_type="image/svg+xml",
            sizes=["16x16"])  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TaskIdParams(RequestParams):
    task_id: str


class UpdateParams(RequestParams):
    task_id: str
    input_responses: dict[str, Any]


@dataclass
class _Task:
    id: str
    status: str = "working"
    message: str | None = None
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    asked: dict[str, Any] = field(default_factory=dict)  # key -> elicitation/create request
    answers: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    job: asyncio.Task[None] | None = None

    def set(self, status: str, message: str | None = None) -> None:
        if self.status in ("completed", "failed", "cancelled"):
            return  # terminal states never change
        self.status, self.updated = status, _now()
        if message is not None:
            self.message = message

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {"taskId": self.id, "status": self.status, "createdAt": self.created,
                                "lastUpdatedAt": self.updated, "ttlMs": TTL_MS, "pollIntervalMs": POLL_MS}  # fmt: skip
        if self.message is not None:
            data["statusMessage"] = self.message
        if self.status == "completed":
            data["result"] = self.result
        elif self.status == "failed":
            data["error"] = self.error
        elif self.status == "input_required":
            data["inputRequests"] = self.asked
        return data


class TaskControl:
    """What a task body may do: tell its status, and ask the user (``input_required``)."""

    def __init__(self, task: _Task | None, ctx: Context | None = None) -> None:
        self._task, self._ctx, self._keys = task, ctx, itertools.count(1)

    async def say(self, message: str) -> None:
        if self._task is not None:
            self._task.set("working", message)
        elif self._ctx is not None:
            await self._ctx.debug(message)

    async def ask(self, message: str, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The accepted content, or None when declined / cancelled (only inside a task)."""
        task = self._task
        if task is None:
            return None
        key = f"ask-{next(self._keys)}"
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        task.asked[key] = {"method": "elicitation/create",
                           "params": {"mode": "form", "message": message, "requestedSchema": schema}}  # fmt: skip
        task.answers[key] = answer
        task.set("input_required", message)
        try:
            response = await answer
        finally:
            task.asked.pop(key, None)
            task.answers.pop(key, None)
        task.set("working", "answer received")
        accepted = isinstance(response, dict) and response.get("action") == "accept"
        return dict(response.get("content") or {}) if accepted else None


Body = Callable[..., Awaitable[str]]


class DemoTasks(Extension):
    """The server side of the tasks extension, for the tools registered with ``task_tool``."""

    identifier = TASKS_EXTENSION

    def __init__(self) -> None:
        self.tasks: dict[str, _Task] = {}
        self.bodies: dict[str, tuple[str, Body]] = {}

    def task_tool(self, name: str, support: str, body: Body) -> None:
        self.bodies[name] = (support, body)

    def methods(self) -> list[MethodBinding]:
        return [MethodBinding("tasks/get", TaskIdParams, self._get), MethodBinding("tasks/cancel", TaskIdParams, self._cancel),
                MethodBinding("tasks/update", UpdateParams, self._update)]  # fmt: skip

    async def intercept_tool_call(self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any],
                                  call_next: Any) -> Any:  # fmt: skip
        found = self.bodies.get(params.name)
        if found is None:
            return await call_next(ctx)
        support, body = found
        caps = ctx.session.client_capabilities
        if caps is None or TASKS_EXTENSION not in (caps.extensions or {}):
            if support == "required":
                require_client_extension(ctx, TASKS_EXTENSION)  # -32021, naming the extension
            return await call_next(ctx)
        task = _Task(uuid.uuid4().hex, message="queued")
        self.tasks[task.id] = task
        task.job = asyncio.get_running_loop().create_task(self._run(task, body, dict(params.arguments or {})))
        return {"resultType": "task", **task.wire()}

    async def _run(self, task: _Task, body: Body, arguments: dict[str, Any]) -> None:
        try:
            text = await body(TaskControl(task), **arguments)
        except asyncio.CancelledError:
            task.set("cancelled", "cancelled by the client")
            return
        except TypeError as exc:
            task.error = {"code": INVALID_PARAMS, "message": str(exc)}
            task.set("failed", f"invalid arguments: {exc}")
            return
        except Exception as exc:  # the tool raised: a JSON-RPC error, so the task fails
            task.error = {"code": -32603, "message": str(exc)}
            task.set("failed", str(exc))
            return
        # as the tool's plain call would answer: text, and the structured {"result": ...} of its output schema
        task.result = {"content": [{"type": "text", "text": text}], "structuredContent": {"result": text}, "isError": False}
        task.set("completed", "done")

    def _find(self, ctx: ServerRequestContext[Any, Any], task_id: str) -> _Task:
        require_client_extension(ctx, TASKS_EXTENSION)
        task = self.tasks.get(task_id)
        if task is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Failed to retrieve task: Task not found ({task_id})")
        return task

    async def _get(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> dict[str, Any]:
        return {"resultType": "complete", **self._find(ctx, params.task_id).wire()}

    async def _update(self, ctx: ServerRequestContext[Any, Any], params: UpdateParams) -> EmptyResult:
        task = self._find(ctx, params.task_id)
        for key, response in params.input_responses.items():
            answer = task.answers.get(key)
            if answer is not None and not answer.done():  # unknown or answered keys are ignored (spec)
                answer.set_result(response)
        return EmptyResult()

    async def _cancel(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> EmptyResult:
        task = self._find(ctx, params.task_id)
        if task.job is not None and not task.job.done():
            task.job.cancel()
        return EmptyResult()


# ---------------------------------------------------------------------------- task bodies
async def countdown(control: TaskControl, steps: int = 3, seconds: float = 0.2) -> str:
    for left in range(max(1, steps), 0, -1):
        await control.say(f"{left} to go")
        await asyncio.sleep(seconds)
    return f"liftoff after {max(1, steps)} steps"


async def research(control: TaskControl, topic: str, ambiguous: bool = False, seconds: float = 0.3) -> str:
    await control.say(f"gathering sources on {topic}")
    await asyncio.sleep(seconds)
    angle = "general"
    if ambiguous:
        schema = {"type": "object", "properties": {"angle": {"type": "string", "enum": ["history", "science"],
                                                             "default": "science"}}, "required": ["angle"]}  # fmt: skip
        answer = await control.ask(f"'{topic}' is ambiguous: which angle?", schema)
        angle = str((answer or {}).get("angle", "general (no answer)"))
    await control.say("writing the report")
    await asyncio.sleep(seconds)
    return f"report on {topic} ({angle})"


# ---------------------------------------------------------------------------- the rest
def add_modern_features(server: MCPServer, tasks: DemoTasks) -> None:
    """Register the task tools, completions, the counter resource, logs and links on ``server``."""
    counter = {"value": 0, "level": "debug"}

    async def countdown_tool(ctx: Context, steps: int = 3, seconds: float = 0.2) -> str:
        return await countdown(TaskControl(None, ctx), steps, seconds)

    async def research_tool(topic: str, ambiguous: bool = False, seconds: float = 0.3) -> str:
        return await research(TaskControl(None), topic, ambiguous, seconds)

    server.add_tool(countdown_tool, name="countdown", title="Countdown", icons=[ICON],
                    description="Count down; taskSupport optional: a task when the client supports tasks.")  # fmt: skip
    server.add_tool(research_tool, name="research", title="Research",
                    description="A slow research job; taskSupport required; ambiguous=true asks a question.")  # fmt: skip
    tasks.task_tool("countdown", "optional", countdown)
    tasks.task_tool("research", "required", research)

    @server.tool(title="Bump", description="Change demo://counter (subscribers are told).")
    async def bump(ctx: Context, by: int = 1) -> int:
        counter["value"] += by
        await ctx.notify_resource_updated("demo://counter")
        return counter["value"]

    @server.resource("demo://counter", title="Counter", description="A number that bump changes; subscribe to it.",
                     mime_type="text/plain")  # fmt: skip
    def read_counter() -> str:
        return f"count {counter['value']}"

    @server.tool(title="Chatter", description="Send one log message at each level: debug, info, notice, warning, error.")
    async def chatter(ctx: Context) -> str:
        floor = LEVELS.index(counter["level"]) if counter["level"] in LEVELS else 0
        for level in LEVELS:  # a 2026 client's level is applied by the SDK; a 2025 client's here
            if ctx.protocol_version.startswith("2026") or LEVELS.index(level) >= floor:
                await ctx.log(level, f"chatter at {level}", logger_name="demo.chatter")  # type: ignore[arg-type]
        return "said something at every level"

    @server.tool(title="Links", description="Return links to two resources (resource_link content).")
    def links() -> list[Any]:
        return [TextContent(type="text", text="two resources:"),
                ResourceLink(type="resource_link", uri="demo://readme", name="readme", title="Readme",
                             mime_type="text/markdown"),
                ResourceLink(type="resource_link", uri="demo://counter", name="counter", mime_type="text/plain")]  # fmt: skip

    @server.prompt(title="Pair", description="Ask for a pairing session on a framework of a language.", icons=[ICON])
    def pair(language: str, framework: str) -> list[UserMessage]:
        return [UserMessage(f"Let's pair on a {framework} project in {language}.")]

    @server.completion()
    async def complete(ref: Any, argument: Any, context: Any) -> Completion | None:
        given = dict(context.arguments or {}) if context is not None else {}
        if isinstance(ref, ResourceTemplateReference) and argument.name == "item_id":
            values = [str(i) for i in range(1, 51) if str(i).startswith(argument.value)]
        elif isinstance(ref, PromptReference) and argument.name == "language":
            values = [lang for lang in LANGUAGES if lang.startswith(argument.value)]
        elif isinstance(ref, PromptReference) and argument.name == "framework":
            options = LANGUAGES.get(given.get("language", ""), sorted(f for fs in LANGUAGES.values() for f in fs))
            values = [f for f in options if f.startswith(argument.value)]
        else:
            return None
        return Completion(values=values[:100], total=len(values), has_more=len(values) > 100)

    async def set_level(ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
        counter["level"] = params.level  # handshake-era clients: chatter filters by it
        return EmptyResult()

    server._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)  # advertises logging
