"""The Chat panel: a message box over ``wb.chat(...)``, the reply streamed with tool-call cards,
and Approve / Deny buttons when the model wants a tool that needs approval.

Enter sends. Changing the model or the base URL keeps the conversation: the next message resumes
the same chat session with the new settings. The API key field is read once, kept in the
kernel's memory (and masked in every output), and cleared at once: a widget's value is synced to
the page and would otherwise be saved with the notebook's widget state.

The turn runs on the engine loop; its events (text deltas, tool starts and ends, notes) go to
``asend(..., display=fn)`` and are rendered with the chat's own ``ChatDisplay`` view into an
HTML widget. Approval is the chat's ``approve=`` function: it waits on a future that the buttons
resolve from the kernel thread.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

import ipywidgets as widgets

from .base import ERROR, MUTED, OK, WARN, Panel, button, error_text, message


class ChatPanel(Panel):
    """Model settings, API key, transcript, message box, Send, and an approval prompt."""

    title = "Chat"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.session: Any = None
        self.session_name: str | None = None  # the conversation: kept when the model or endpoint changes
        self._api_key: str | None = None  # kernel memory only; never in a widget's state
        self._approval: tuple[asyncio.AbstractEventLoop, asyncio.Future[bool]] | None = None
        from ..chat import settings

        self.model = widgets.Text(value=settings.model, description="Model", continuous_update=False)
        self.base_url = widgets.Text(placeholder="e.g. http://127.0.0.1:11434/v1 (empty: $OPENAI_BASE_URL or OpenAI)",
                                     description="Base URL", continuous_update=False)  # fmt: skip
        self.key = widgets.Password(description="API key", continuous_update=False,
                                    placeholder="paste it, press Enter: kept in the kernel's memory only")  # fmt: skip
        self.key_state = widgets.HTML()
        self.forget_button = button("Forget key", "", "eraser")
        self.transcript = widgets.VBox(layout=widgets.Layout(max_height="30em", overflow="auto"))
        self.text = widgets.Text(placeholder="Ask something and press Enter; the model may call the connected servers' tools",
                                 layout=widgets.Layout(width="70%"))  # fmt: skip
        self.send_button = button("Send", "primary", "paper-plane")
        self.new_button = button("New chat", "", "plus")
        self.question = widgets.HTML()
        self.approve_button = button("Approve", "success", "check")
        self.deny_button = button("Deny", "danger", "times")
        self.approval_box = widgets.HBox([self.question, self.approve_button, self.deny_button])
        self.approval_box.layout.display = "none"
        self.status = widgets.HTML()
        for control, css in ((self.text, "input"), (self.send_button, "send"), (self.key, "key"),
                             (self.model, "model"), (self.base_url, "base-url"), (self.transcript, "transcript"),
                             (self.status, "status"), (self.approve_button, "approve"), (self.deny_button, "deny"),
                             (self.key_state, "key-state")):
            control.add_class(f"mcp-chat-{css}")  # fmt: skip
        self.send_button.on_click(lambda _b: self.send())
        self.text.on_msg(self._on_text_message)  # Enter in the box: the front end sends "submit"
        self.new_button.on_click(lambda _b: self.new_chat())
        self.forget_button.on_click(lambda _b: self.forget_key())
        self.approve_button.on_click(lambda _b: self.answer(True))
        self.deny_button.on_click(lambda _b: self.answer(False))
        self.key.observe(self._key_entered, names="value")
        for control in (self.model, self.base_url):
            control.observe(self._settings_changed, names="value")
        self._show_key_state()
        self.children = [
            widgets.HBox([self.model, self.base_url]), widgets.HBox([self.key, self.key_state, self.forget_button]),
            self.transcript, self.approval_box, widgets.HBox([self.text, self.send_button, self.new_button]), self.status,
        ]  # fmt: skip

    # ------------------------------------------------------------------ settings
    def _key_entered(self, change: dict[str, Any]) -> None:
        """Take the key into kernel memory and clear the field (its value is synced widget state)."""
        key = str(change["new"] or "").strip()
        if not key:
            return
        from ..core.secrets import register_secret

        register_secret(key)  # masked wherever it could appear: errors, logs, history
        self._api_key = key
        self.key.value = ""
        self.session = None  # the next message uses the key, in the same conversation
        self._show_key_state()

    def forget_key(self) -> None:
        self._api_key, self.session = None, None
        self._show_key_state()

    def _show_key_state(self) -> None:
        if self._api_key:
            self.key_state.value = message("key set (kernel memory only, not saved)", OK)
        else:
            self.key_state.value = message("no key set: $OPENAI_API_KEY is used if the kernel has it", MUTED)
        self.forget_button.layout.display = None if self._api_key else "none"

    def _settings_changed(self, change: dict[str, Any]) -> None:
        """A new model or endpoint applies from the next message; the conversation goes on."""
        self.session = None
        if self.session_name is not None:
            what = "model" if change["owner"] is self.model else "base URL"
            note = f"{what} is now {change['new'] or 'the default'}: it answers from the next message on"
            self.transcript.children = [*self.transcript.children, widgets.HTML(message(note, MUTED))]

    def _on_text_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self.send()

    # ------------------------------------------------------------------ sending
    def new_chat(self) -> None:
        """Start over with the current settings (the old chat stays in the store)."""
        self.session, self.session_name = None, None
        self.transcript.children = []
        self.status.value = ""

    def _ensure_session(self) -> Any:
        if self.session is None:
            self.session = self.wb.chat(
                model=self.model.value.strip() or None, base_url=self.base_url.value.strip() or None,
                api_key=self._api_key, approve=self.approve, display="none", session=self.session_name,
            )  # fmt: skip
            self.session_name = self.session.name
        return self.session

    def send(self) -> None:
        text = self.text.value.strip()
        if not text or self.send_button.disabled:
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
        from ..chat import ChatError

        self.send_button.disabled = False
        self._hide_question()
        if isinstance(error, ChatError):  # the turn already wrote why into the transcript: said once
            self.status.value = message("not answered: the reason is above", ERROR)
        elif error is not None:
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
