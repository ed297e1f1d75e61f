"""The kernel side of one app view: it answers the app's JSON-RPC and decides what it may do.

The front end only relays messages between the iframe and the kernel; everything is decided
here, on the engine loop: ``ui/initialize`` is answered with host context (theme, display mode,
container size) in the version the app asked for (when known); ``tools/call`` reaches only tools
of the app's own server that are visible to apps, and ``resources/read`` only that server,
both through the workbench (so history, traffic and cassettes see them); ``ui/open-link`` offers
http(s) links to the user and refuses the rest; ``ui/message`` and ``ui/update-model-context``
go to the owner (the view, and its chat when it has one). A malformed message is answered with
a JSON-RPC error, never a traceback.

One ``Bridge`` per rendered view (a widget displayed twice has two iframes, two bridges).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND

from ..core import VERSION
from ..core.appmeta import visibility, visible_to
from ..errors import ArgumentError, WorkbenchError
from . import protocol as rpc
from .protocol import Message, RpcError

logger = logging.getLogger("mcp_workbench.apps")
Out = Callable[[dict[str, Any]], None]  # a command to this view's front end: rpc, size, link, unmount
TEARDOWN_TIMEOUT_S = 3.0
MAX_URL_CHARS = 4096


class Owner(Protocol):
    """What a bridge needs from its view (``AppView``)."""

    wb: Any
    server: str
    tool: Any  # the MCP Tool the app belongs to
    result: Any  # the ToolResult that opened it
    max_height: int

    def capabilities(self) -> dict[str, Any]: ...

    def record(self, kind: str, entry: dict[str, Any]) -> None: ...

    async def on_message(self, text: str, content: list[dict[str, Any]]) -> dict[str, Any]: ...

    def on_model_context(self, params: dict[str, Any]) -> None: ...


def wire(model: Any) -> dict[str, Any]:
    """An MCP result model as the app reads it (camelCase JSON; ``resultType`` is the 2026
    client era's own field, not part of the result an app expects)."""
    data = model.model_dump(by_alias=True, mode="json", exclude_none=True)
    data.pop("resultType", None)
    return data


class Bridge:
    """One app view's session: its handshake state, in-flight requests and teardown."""

    def __init__(self, owner: Owner, out: Out) -> None:
        self.owner = owner
        self.out = out
        self.context: dict[str, Any] = {"theme": "light"}
        self.protocol_version: str | None = None  # set by ui/initialize
        self.initialized = False  # ui/notifications/initialized arrived
        self.torn_down = False
        self._inflight: dict[Any, asyncio.Task[Any]] = {}
        self._waiting: dict[Any, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._next_id = 0
        self._requests = {
            "ui/initialize": self._initialize, "ping": self._ping, "tools/call": self._call_tool,
            "tools/list": self._list_tools, "resources/read": self._read_resource,
            "resources/list": self._list_resources, "ui/open-link": self._open_link, "ui/message": self._message,
            "ui/update-model-context": self._model_context, "ui/request-display-mode": self._display_mode,
        }  # fmt: skip
        self._notifications = {
            "ui/notifications/initialized": self._on_initialized, "ui/notifications/size-changed": self._on_size,
            "notifications/message": self._on_log, "ui/notifications/request-teardown": self._on_request_teardown,
            "notifications/cancelled": self._on_cancelled,
        }  # fmt: skip

    # ------------------------------------------------------------------ in
    async def receive(self, raw: Any) -> None:
        """Handle one message from the app; never raises."""
        try:
            message = rpc.parse(raw)
        except RpcError as exc:
            self.owner.record("problems", {"error": exc.message})
            self._send(rpc.error(exc.request_id, exc.code, exc.message))
            return
        if message.kind == "request":
            await self._serve(message)
        elif message.kind == "notification":
            self._notify(message)
        else:
            waiting = self._waiting.pop(message.id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(message)

    async def _serve(self, message: Message) -> None:
        handler = self._requests.get(message.method or "")
        try:
            if handler is None:
                served = ", ".join(sorted(self._requests))
                raise RpcError(METHOD_NOT_FOUND, f"this host does not serve {message.method!r}; it serves {served}")
            if self.torn_down:
                raise RpcError(INVALID_REQUEST, "the app was torn down; it can no longer make requests")
            if self.protocol_version is None and message.method not in ("ui/initialize", "ping"):
                raise RpcError(INVALID_REQUEST, f"{message.method}: send ui/initialize first")
            task = asyncio.current_task()
            if task is not None:
                self._inflight[message.id] = task
            result = await handler(message.params or {})
            self._send(rpc.reply(message.id, result))
        except RpcError as exc:
            self.owner.record("problems", {"method": message.method, "error": exc.message})
            self._send(rpc.error(message.id, exc.code, exc.message))
        except asyncio.CancelledError:
            # notifications/cancelled: the app no longer wants an answer (JSON-RPC: none is sent).
            self.owner.record("problems", {"method": message.method, "error": "cancelled by the app"})
        except Exception as exc:  # noqa: BLE001 - a bug or an odd server answer must not reach the cell
            logger.exception("app request %s failed", message.method)
            self._send(rpc.error(message.id, INTERNAL_ERROR, f"{message.method} failed: {type(exc).__name__}: {exc}"))
        finally:
            self._inflight.pop(message.id, None)

    def _notify(self, message: Message) -> None:
        handler = self._notifications.get(message.method or "")
        if handler is None:
            self.owner.record("problems", {"method": message.method, "error": "unknown notification, ignored"})
            return
        try:
            handler(message.params or {})
        except RpcError as exc:  # notifications get no answer: keep the reason for the user
            self.owner.record("problems", {"method": message.method, "error": exc.message})

    # ------------------------------------------------------------------ requests
    async def _initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "ui/initialize"
        asked = rpc.text(params, "protocolVersion", method)
        info = rpc.obj(params, "appInfo", method, required=True)
        if not isinstance(info.get("name"), str):
            raise RpcError(INVALID_PARAMS, f"{method}: params.appInfo.name must be a string")
        rpc.obj(params, "appCapabilities", method)
        self.protocol_version = rpc.negotiate(asked)
        return {
            "protocolVersion": self.protocol_version,
            "hostInfo": {"name": "mcp-workbench", "version": VERSION},
            "hostCapabilities": self.owner.capabilities(),
            "hostContext": self.host_context(),
        }

    async def _ping(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _own_tool(self, name: str) -> tuple[str, Any]:
        """``server.name`` when the app may call it: a tool of its own server, visible to apps."""
        server = self.owner.server
        target = f"{server}.{name}"
        try:
            tool = self.owner.wb.tool(target)
        except WorkbenchError:
            raise RpcError(INVALID_PARAMS, f"server {server!r} has no tool {name!r}; an app calls only its own "
                                           "server's tools, by their plain names") from None  # fmt: skip
        if not visible_to(tool, "app"):
            raise RpcError(INVALID_PARAMS, f"tool {name!r} is not visible to apps (its _meta.ui.visibility is "
                                           f"{list(visibility(tool))}); only the model may call it")  # fmt: skip
        return target, tool

    async def _call_tool(self, params: dict[str, Any]) -> dict[str, Any]:
        name = rpc.text(params, "name", "tools/call")
        arguments = rpc.obj(params, "arguments", "tools/call")
        target, _ = self._own_tool(name)
        try:
            result = await self.owner.wb.acall(target, arguments)
        except ArgumentError as exc:
            raise RpcError(INVALID_PARAMS, str(exc)) from None
        except WorkbenchError as exc:
            raise RpcError(INTERNAL_ERROR, f"{target} failed: {exc}") from None
        return wire(result.raw)

    async def _list_tools(self, params: dict[str, Any]) -> dict[str, Any]:
        tools = self.owner.wb.server(self.owner.server).tools.values()
        return {"tools": [wire(t) for t in tools if visible_to(t, "app")]}

    async def _read_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        uri = rpc.text(params, "uri", "resources/read")
        try:
            result = await self.owner.wb.aread(self.owner.server, uri)
        except WorkbenchError as exc:
            raise RpcError(INTERNAL_ERROR, f"reading {uri} from {self.owner.server!r} failed: {exc}") from None
        return {"contents": [wire(c) for c in result.raw.contents]}

    async def _list_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"resources": [wire(r) for r in self.owner.wb.server(self.owner.server).resources]}

    async def _open_link(self, params: dict[str, Any]) -> dict[str, Any]:
        url = rpc.text(params, "url", "ui/open-link")
        parts = urlsplit(url)
        if (parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_CHARS
                or any(c.isspace() or ord(c) < 32 for c in url)):  # fmt: skip
            self.owner.record("links", {"url": url[:200], "status": "refused: only http(s) links open"})
            return {"isError": True}
        self.out({"type": "link", "url": url})  # shown to the user, who decides to open it
        self.owner.record("links", {"url": url, "status": "offered"})
        return {}

    async def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("role") != "user":
            raise RpcError(INVALID_PARAMS, 'ui/message: params.role must be "user"')
        content = rpc.content_blocks(params, "content", "ui/message", required=True)
        return await self.owner.on_message(rpc.block_text(content), content)

    async def _model_context(self, params: dict[str, Any]) -> dict[str, Any]:
        method = "ui/update-model-context"
        content = rpc.content_blocks(params, "content", method)
        structured = rpc.obj(params, "structuredContent", method)
        self.owner.on_model_context({"content": content, "structuredContent": structured})
        return {}

    async def _display_mode(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = rpc.text(params, "mode", "ui/request-display-mode")
        if mode not in ("inline", "fullscreen", "pip"):
            raise RpcError(INVALID_PARAMS, 'ui/request-display-mode: mode is "inline", "fullscreen" or "pip"')
        return {"mode": "inline"}  # a notebook cell shows apps inline only

    # ------------------------------------------------------------------ notifications
    def _on_initialized(self, params: dict[str, Any]) -> None:
        self.initialized = True
        result = self.owner.result
        self._send(rpc.notification("ui/notifications/tool-input", {"arguments": dict(result.arguments)}))
        self._send(rpc.notification("ui/notifications/tool-result", wire(result.raw)))

    def _on_size(self, params: dict[str, Any]) -> None:
        rpc.number(params, "width", "ui/notifications/size-changed")
        height = rpc.number(params, "height", "ui/notifications/size-changed")
        if height is not None:
            shown = int(min(height, self.owner.max_height))
            self.out({"type": "size", "height": shown})
            self.owner.record("size", {"height": shown})

    def _on_log(self, params: dict[str, Any]) -> None:
        level = params.get("level")
        if not isinstance(level, str):
            raise RpcError(INVALID_PARAMS, "notifications/message: params.level must be a string")
        self.owner.record("logs", {"level": level, "logger": params.get("logger"), "data": params.get("data")})

    def _on_request_teardown(self, params: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self.teardown("the app asked to close"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_cancelled(self, params: dict[str, Any]) -> None:
        task = self._inflight.get(params.get("requestId"))
        if task is not None:
            task.cancel()

    # ------------------------------------------------------------------ out
    def host_context(self) -> dict[str, Any]:
        """What the app learns of its host: the tool, theme, display mode, container size..."""
        context: dict[str, Any] = {
            "toolInfo": {"tool": wire(self.owner.tool)},
            "displayMode": "inline", "availableDisplayModes": ["inline"], "platform": "web",
            "userAgent": f"mcp-workbench/{VERSION}",
        }  # fmt: skip
        context.update({k: v for k, v in self.context.items() if k != "width"})
        width = self.context.get("width")
        size: dict[str, int] = {"maxHeight": self.owner.max_height}
        context["containerDimensions"] = {**size, "width": width} if width else size
        return context

    def set_context(self, update: dict[str, Any]) -> None:
        """The front end reports theme / width / locale / time zone; a change after the handshake
        reaches the app as ``ui/notifications/host-context-changed``."""
        clean: dict[str, Any] = {}
        if update.get("theme") in ("light", "dark"):
            clean["theme"] = update["theme"]
        width = update.get("width")
        if isinstance(width, int) and not isinstance(width, bool) and 0 < width < 100_000:
            clean["width"] = width
        for key in ("locale", "timeZone"):
            if isinstance(update.get(key), str) and len(update[key]) < 100:
                clean[key] = update[key]
        changed = {k: v for k, v in clean.items() if self.context.get(k) != v}
        self.context.update(changed)
        if changed and self.initialized and not self.torn_down:
            sent = {k: v for k, v in changed.items() if k != "width"}
            if "width" in changed:
                sent["containerDimensions"] = {"width": changed["width"], "maxHeight": self.owner.max_height}
            self._send(rpc.notification("ui/notifications/host-context-changed", sent))

    async def teardown(self, reason: str = "closed by the host", timeout: float = TEARDOWN_TIMEOUT_S) -> None:
        """``ui/resource-teardown`` to the app (it may save its state), then the iframe goes."""
        if self.torn_down:
            return
        self.torn_down = True
        if self.protocol_version is not None:
            self._next_id += 1
            request_id = f"host-{self._next_id}"
            waiting = asyncio.get_running_loop().create_future()
            self._waiting[request_id] = waiting
            self._send(rpc.request(request_id, "ui/resource-teardown", {}))
            try:
                await asyncio.wait_for(waiting, timeout)
            except TimeoutError:
                self.owner.record("problems", {"method": "ui/resource-teardown", "error": f"no answer in {timeout:g} s"})
            finally:
                self._waiting.pop(request_id, None)
        self.close()
        self.out({"type": "unmount", "reason": f"The app was closed ({reason})."})

    def close(self) -> None:
        """Forget the view: cancel what it still has running."""
        self.torn_down = True
        for task in list(self._inflight.values()):
            task.cancel()

    def _send(self, message: dict[str, Any]) -> None:
        self.out({"type": "rpc", "message": message})
