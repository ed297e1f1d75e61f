"""``AppView``: a tool's MCP App, live in a notebook output (an anywidget).

The widget's front end (``static/app.js``, one ES module, no JupyterLab build step) draws a
sandboxed iframe and relays JSON-RPC; this class owns the kernel side: it loads the page
through the workbench, applies the sandbox, keeps one ``Bridge`` per rendered view, records
what the app did (``links``, ``messages``, ``logs``, ``problems``, ``model_context``, ``size``,
and the last messages in ``wire``) and hands ``ui/message`` /
``ui/update-model-context`` to the chat it belongs to. Without a kernel (a notebook saved and
opened on GitHub or nbviewer) its output falls back to the tool's result and a line saying the
app needs a live kernel.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import logging
import sys
from collections import deque
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .bridge import Bridge
from .page import load_page
from .sandbox import PERMISSIONS, SANDBOX, Sandbox, build_sandbox

logger = logging.getLogger("mcp_workbench.apps")
_STATIC = Path(__file__).with_name("static")
MAX_VIEWS = 32  # rendered views (iframes) served at once per widget; the oldest goes first
WIRE_LIMIT = 200  # messages kept in view.wire (a debugging aid; results can be large)
RECORD_LIMIT = 1000


class AppView(anywidget.AnyWidget):  # type: ignore[misc]
    """A tool's interactive UI (its ``ui://`` resource) in a sandboxed iframe, wired to the kernel.

    ``wb.app("demo.counter")`` makes one; so does displaying ``r = wb.call(...)`` for a tool with
    a UI (``r.app``). ``close()`` tears the app down.
    """

    _esm = _STATIC / "app.js"
    _css = _STATIC / "app.css"
    srcdoc = traitlets.Unicode("").tag(sync=True)  # the page, CSP first; "" until loaded
    sandbox = traitlets.Unicode(SANDBOX).tag(sync=True)
    allow = traitlets.Unicode("").tag(sync=True)  # granted permissions (Permissions-Policy)
    height = traitlets.Int(120).tag(sync=True)  # until the app reports its size
    header = traitlets.Unicode("").tag(sync=True)
    policy = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("Loading the app…").tag(sync=True)
    result_html = traitlets.Unicode("").tag(sync=True)
    show_result = traitlets.Bool(True).tag(sync=True)  # the tool's result below the app
    chat_html = traitlets.Unicode("").tag(sync=True)  # chat turns the app started
    border = traitlets.Bool(False).tag(sync=True)

    def __init__(self, host: Any, result: Any, tool: Any, uri: str, *, allow: list[str] | None = None) -> None:
        super().__init__()
        self._app_closing = False
        self.host = host
        self.wb = host.wb
        self.result = result
        self.server: str = result.server
        self.tool = tool
        self.uri = uri
        self.max_height: int = host.max_height
        self.chat: Any = None  # the chat session this app belongs to (ui/message goes there)
        self.sandbox_policy: Sandbox | None = None
        self.links: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.problems: list[dict[str, Any]] = []
        self.model_context: dict[str, Any] | None = None
        self.size: dict[str, Any] | None = None
        # The last messages, as (who, view id, message): "app" (what an app sent), "host" (what the
        # host sent it), "front" (a command to a rendered view: size, link, unmount).
        self.wire: deque[tuple[str, str, Any]] = deque(maxlen=WIRE_LIMIT)
        self._allow = list(host.allow if allow is None else allow)
        self._bridges: dict[str, Bridge] = {}
        title = getattr(tool, "title", None) or tool.name
        self.header = f"{title} · {self.server}.{tool.name} · {uri}"
        self.result_html = result.static_bundle()["text/html"]
        self.on_msg(lambda _widget, content, _buffers: self.receive(content))
        self.ready: concurrent.futures.Future[None] = self.wb.submit(self._load())

    def __repr__(self) -> str:
        return f"<AppView {self.server}.{self.tool.name} {self.uri}>"

    # ------------------------------------------------------------------ the page
    async def _load(self) -> None:
        try:
            page = await load_page(self.wb, self.server, self.uri)
        except Exception as exc:  # noqa: BLE001 - shown in the view; the result below stays readable
            self.status = f"The app could not be loaded: {exc}"
            return
        box = build_sandbox(page.ui, self._allow)
        self.sandbox_policy = box
        self.allow = box.allow
        self.policy = box.summary()
        self.border = page.ui.get("prefersBorder") is True
        self.srcdoc = box.page(page.html)
        self.status = f"Ignored malformed CSP entries: {', '.join(box.dropped)}" if box.dropped else ""

    # ------------------------------------------------------------------ messages from the front end
    def receive(self, content: Any) -> concurrent.futures.Future[None]:
        """A message from a rendered view (the comm handler calls this); served on the engine loop."""
        return self.wb.submit(self._dispatch(content))

    async def _dispatch(self, content: Any) -> None:
        view = content.get("view") if isinstance(content, dict) else None
        if not isinstance(view, str) or not 0 < len(view) <= 100:
            self.record("problems", {"error": "a front-end message without a view id, ignored"})
            return
        kind = content.get("type")
        if kind == "gone":
            bridge = self._bridges.pop(view, None)
            if bridge is not None:
                bridge.close()
            return
        bridge = self._bridges.get(view)
        if bridge is None:
            if self._app_closing:
                return
            bridge = self._bridges[view] = Bridge(self, lambda command: self._to_view(view, command))
            while len(self._bridges) > MAX_VIEWS:
                self._bridges.pop(next(iter(self._bridges))).close()
        if kind == "context":
            bridge.set_context(content)
        elif kind == "rpc":
            self.wire.append(("app", view, content.get("message")))
            await bridge.receive(content.get("message"))
        else:
            self.record("problems", {"error": f"unknown front-end message type {kind!r}, ignored"})

    def _to_view(self, view: str, command: dict[str, Any]) -> None:
        rpc = command.get("type") == "rpc"
        self.wire.append(("host", view, command["message"]) if rpc else ("front", view, command))
        self.send({**command, "view": view})

    # ------------------------------------------------------------------ what the bridges ask of the view
    def capabilities(self) -> dict[str, Any]:
        """``hostCapabilities`` of ``ui/initialize``: what this host serves the app."""
        box = self.sandbox_policy or Sandbox()
        granted = {key: {} for key, feature in PERMISSIONS.items() if feature in box.granted}
        modalities = {"text": {}, "structuredContent": {}}
        return {
            "openLinks": {}, "serverTools": {}, "serverResources": {}, "logging": {},
            "message": {"text": {}}, "updateModelContext": modalities,
            "sandbox": {"permissions": granted, "csp": dict(box.csp)},
        }  # fmt: skip

    def record(self, kind: str, entry: dict[str, Any]) -> None:
        """Keep what the app did, for code to read (``view.links``, ``view.problems``...)."""
        if kind == "size":
            self.size = entry
            return
        kept = getattr(self, kind)
        kept.append(entry)
        del kept[:-RECORD_LIMIT]

    async def on_message(self, text: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        """``ui/message``: to the chat this app belongs to; without one it is kept in ``messages``."""
        self.record("messages", {"text": text, "content": content})
        if self.chat is None:
            self.status = f"The app sent a message (kept in view.messages; no chat to send it to): {text[:200]}"
            return {}
        from .chatlink import forward_message

        return forward_message(self, text)

    def on_model_context(self, params: dict[str, Any]) -> None:
        """``ui/update-model-context``: the latest replaces the previous one, for the next turn."""
        self.model_context = params
        if self.chat is not None:
            from .chatlink import set_model_context

            set_model_context(self, params)

    def attach_chat(self, chat: Any) -> None:
        """Make ``chat`` (a ``ChatSession``) the one the app's messages and context go to."""
        self.chat = chat
        self.show_result = False  # the chat's tool card already shows the result
        if self.model_context is not None:
            self.on_model_context(self.model_context)

    # ------------------------------------------------------------------ display and teardown
    def mimebundle(self, fallback: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(data, metadata): the widget view, plus ``fallback`` (the result as text and HTML) and a
        line saying the app needs a live kernel, for wherever widgets cannot render."""
        note = f"This MCP App ({self.server}.{self.tool.name}, {self.uri}) needs a live kernel: run the cell to use it."
        shown = super()._repr_mimebundle_()  # anywidget: (data, metadata)
        data, metadata = shown if isinstance(shown, tuple) else (shown or {}, {})
        data = {**data, "text/plain": f"{fallback.get('text/plain', '')}\n[{note}]"}
        tag = f'<div class="mcp-app-fallback" style="font-size:smaller;color:#666">{html.escape(note)}</div>'
        data["text/html"] = fallback.get("text/html", "") + tag
        return data, metadata

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.mimebundle(self.result.static_bundle())

    def teardown(self, reason: str = "closed by the host") -> concurrent.futures.Future[None]:
        """Send ``ui/resource-teardown`` to every live view (the app may save its state), then
        remove their iframes. Returns at once; the future ends when every app answered (or
        ``wb.app_host.teardown_timeout`` seconds passed)."""

        async def all_views() -> None:
            bridges = list(self._bridges.values())
            await asyncio.gather(*(bridge.teardown(reason, self.host.teardown_timeout) for bridge in bridges))

        return self.wb.submit(all_views())

    def close(self) -> None:
        """Tear the app down, then close the widget (and its comm)."""
        if getattr(self, "_app_closing", True):
            return
        self._app_closing = True
        if not self._bridges or sys.is_finalizing() or not self.wb.engine.running:
            anywidget.AnyWidget.close(self)  # no app was ever shown, or nothing is left to tell it
            return
        self.teardown().add_done_callback(lambda _f: anywidget.AnyWidget.close(self))

