"""An app inside a chat: its ``ui/message`` starts the chat's next turn, and its
``ui/update-model-context`` is what the model reads of it on every later turn.

The chat session is used through its public surface (``asend``, ``busy``, ``app_context``); the
turns an app starts are drawn under the app with the chat's own turn view.
"""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any

from .protocol import block_text


def context_key(view: Any) -> str:
    """One entry per app view in ``chat.app_context``: a newer update replaces the older."""
    return f"{view.server}.{view.tool.name} ({view.uri}) #{id(view):x}"


def set_model_context(view: Any, params: dict[str, Any]) -> None:
    """Give the chat the app's latest context (text blocks, and structured content as JSON)."""
    parts = [block_text(params.get("content") or [])]
    if params.get("structuredContent"):
        parts.append(json.dumps(params["structuredContent"], ensure_ascii=False, default=str))
    text = "\n".join(p for p in parts if p)
    label = f"the app {view.server}.{view.tool.name} ({view.uri})"
    if text:
        view.chat.app_context[context_key(view)] = f"Context from {label}: {text}"
    else:
        view.chat.app_context.pop(context_key(view), None)


def forward_message(view: Any, text: str) -> dict[str, Any]:
    """Start the chat's next turn with the app's message; the app hears at once whether the
    chat took it (``isError`` while a turn is still running)."""
    chat = view.chat
    if chat.busy:
        view.status = "The app sent a message while the chat was still answering; it was not sent."
        return {"isError": True}
    follow = FollowUp(view, text)
    task = asyncio.get_running_loop().create_task(follow.run(chat))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return {}


_running: set[asyncio.Task[Any]] = set()  # turns started by apps (a reference keeps them alive)


class FollowUp:
    """A turn an app started, drawn under the app (``view.chat_html``) as it streams."""

    def __init__(self, view: Any, text: str) -> None:
        from ..chat.display import ChatDisplay

        self.view = view
        self.turn = ChatDisplay("none")
        self.before = view.chat_html + (
            f'<div style="margin:4px 0"><b>the app</b>: {html.escape(text)}</div>'
        )  # fmt: skip
        self.text = text

    def __call__(self, event: dict[str, Any]) -> None:
        self.turn(event)
        self.view.chat_html = self.before + self.turn.view.html()

    async def run(self, chat: Any) -> None:
        try:
            await chat.asend(self.text, display=self)
        except Exception as exc:  # noqa: BLE001 - the turn's failure is shown where it was asked for
            self.view.chat_html = self.before + f'<div style="color:#b00020">{html.escape(str(exc))}</div>'
