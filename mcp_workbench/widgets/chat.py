"""The Chat panel: a message box over ``wb.chat(...)``, the reply streamed with tool-call cards,
and Approve / Deny buttons when the model wants a tool that needs approval.

The turn runs on the engine loop; its events (text deltas, tool starts and ends, notes) go to
``asend(..., display=fn)`` and are rendered with the chat's own ``ChatDisplay`` view into an
HTML widget. Approval is the chat's
``approve=`` function: it waits on a future that the buttons resolve from the kernel thread.
Without the chat feature (no ``wb.chat``) the panel says so.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

import ipywidgets as widgets

from .base import ERROR, MUTED, OK, WARN, Panel, button, error_text, message


class ChatPanel(Panel):
    """Model settings, transcript, message box, Send, and an approval prompt."""

    title = "Chat"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.session: Any = None
        self._approval: tuple[asyncio.AbstractEventLoop, asyncio.Future[bool]] | None = None
        from ..chat import settings

        self.model = widgets.Text(value=settings.model, description="Model")
        self.base_url = widgets.Text(placeholder="default: $OPENAI_BASE_URL or OpenAI", description="Base URL")
        # No API key field: a widget's value is synced to the page and may be saved with the
        # notebook's widget state. The key comes from $OPENAI_API_KEY (%env) or the chat settings.
        self.key_hint = widgets.HTML(message("API key: $OPENAI_API_KEY (set it with %env)", MUTED))
        self.transcript = widgets.VBox(layout=widgets.Layout(max_height="30em", overflow="auto"))
        self.text = widgets.Textarea(placeholder="Ask something; the model may call the connected servers' tools",
                                     rows=2, layout=widgets.Layout(width="70%"))  # fmt: skip
        self.send_button = button("Send", "primary", "paper-plane")
        self.new_button = button("New chat", "", "plus")
        self.question = widgets.HTML()
        self.approve_button = button("Approve", "success", "check")
        self.deny_button = button("Deny", "danger", "times")
        self.approval_box = widgets.HBox([self.question, self.approve_button, self.deny_button])
        self.approval_box.layout.display = "none"
        self.status = widgets.HTML()
        self.send_button.on_click(lambda _b: self.send())
        self.new_button.on_click(lambda _b: self.new_chat())
        self.approve_button.on_click(lambda _b: self.answer(True))
        self.deny_button.on_click(lambda _b: self.answer(False))
        for control in (self.model, self.base_url):
            control.observe(lambda _c: self.new_chat(), names="value")
        self.children = [
            widgets.HBox([self.model, self.base_url, self.key_hint]), self.transcript, self.approval_box,
            widgets.HBox([self.text, self.send_button, self.new_button]), self.status,
        ]  # fmt: skip

    # ------------------------------------------------------------------ sending
    def new_chat(self) -> None:
        """Start over with the current settings (the old chat stays in the store)."""
        self.session = None
        self.transcript.children = []
        self.status.value = ""

    def _ensure_session(self) -> Any:
        if self.session is None:
            self.session = self.wb.chat(
                model=self.model.value.strip() or None, base_url=self.base_url.value.strip() or None,
                approve=self.approve, display="none",
            )  # fmt: skip
        return self.session

    def send(self) -> None:
        text = self.text.value.strip()
        if not text:
            return
        self.text.value = ""
        self.send_button.disabled = True
        user = widgets.HTML(f"<div style='margin:6px 0'><b>you</b>: {html.escape(text)}</div>")
        reply = widgets.HTML(message("…", MUTED))
        self.transcript.children = [*self.transcript.children, user, reply]
        self.status.value = message("the model is answering…", WARN)
        self.run(self._turn(text, reply), self._done)

    async def _turn(self, text: str, reply: widgets.HTML) -> Any:
        from ..chat.display import ChatDisplay

        chat = await asyncio.to_thread(self._ensure_session)  # may open the chat store
        target = [reply]  # the HTML widget the turn draws into (a new one below each app)

        def show_app(app: Any, finished: Any) -> None:  # apps: a tool's MCP App inline, after its card
            target[0].value = finished.html()
            target[0] = widgets.HTML()
            self.transcript.children = [*self.transcript.children, app, target[0]]

        view = ChatDisplay("none", chat=chat, on_app=show_app)

        def render(event: dict[str, Any]) -> None:
            view(event)
            target[0].value = view.view.html()

        return await chat.asend(text, display=render)  # on the engine loop: events straight to the widget

    def _done(self, reply: Any, error: BaseException | None) -> None:
        self.send_button.disabled = False
        self._hide_question()
        if error is not None:
            self.status.value = message(error_text(error), ERROR)
        else:
            self.status.value = message(f"answered ({len(reply.tool_calls)} tool call(s))", OK)

    # ------------------------------------------------------------------ approvals
    async def approve(self, request: Any) -> bool:
        """The chat's approval function: ask with buttons, wait (on the engine loop) for a click."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._approval = (loop, future)
        self.question.value = f"<b style='color:{WARN}'>{html.escape(request.question())}</b>"
        self.approval_box.layout.display = None
        try:
            return await future
        finally:
            self._hide_question()

    def answer(self, allowed: bool) -> None:
        """Approve / Deny clicked (kernel thread): hand the answer to the waiting turn."""
        pending, self._approval = self._approval, None
        if pending is None:
            return
        loop, future = pending

        def resolve() -> None:
            if not future.done():
                future.set_result(allowed)

        loop.call_soon_threadsafe(resolve)

    def _hide_question(self) -> None:
        self.approval_box.layout.display = "none"
        self.question.value = ""
