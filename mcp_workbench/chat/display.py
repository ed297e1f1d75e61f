"""The live view of a turn: streamed text, a card per tool call, notes, and a usage line.

In a notebook one output is created per turn (``display(..., display_id=True)``) and updated
in place, at most every ``_MIN_UPDATE_S`` while text streams. Elsewhere (a script, a terminal)
the same events are printed as plain text. Everything a model or server produced is escaped.
Icons are Font Awesome (shipped with ipywidgets and JupyterLab's widget manager), never emoji,
which need an emoji font that a stock Debian Chromium does not have.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from .messages import arguments_text

_MIN_UPDATE_S = 0.1
_OPEN_LIMIT = 400  # characters of arguments + result shown expanded; longer cards start collapsed
_SUMMARY = 80
_STATUS_ICON = {"ok": "check", "pending": "spinner fa-pulse"}


def _icon(name: str, label: str = "") -> str:
    """A Font Awesome icon; ``label`` names it for screen readers and on hover."""
    named = f' role="img" aria-label="{html.escape(label)}" title="{html.escape(label)}"' if label else ' aria-hidden="true"'
    return f'<i class="fa fa-{name}"{named}></i>'


@dataclass
class _Card:
    target: str
    arguments: str
    status: str = "pending"
    text: str = ""
    duration_ms: float | None = None


@dataclass
class TurnView:
    """The state of one turn's output; ``_repr_mimebundle_`` renders it."""

    model: str | None = None
    parts: list[Any] = field(default_factory=list)  # str (text), _Card, or ("note", str)
    usage: str | None = None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html(), "text/plain": self.plain()}

    def plain(self) -> str:
        lines: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                lines.append(part)
            elif isinstance(part, _Card):
                lines.append(f"[{part.target}({_cut(part.arguments)}) {part.status}] {_cut(part.text)}")
            else:
                lines.append(f"({part[1]})")
        if self.usage:
            lines.append(self.usage)
        return "\n".join(lines)

    def html(self) -> str:
        out = ['<div class="mcp-chat-turn" style="font-family:inherit">']
        for part in self.parts:
            if isinstance(part, str):
                out.append(f'<div style="white-space:pre-wrap;margin:4px 0">{html.escape(part)}</div>')
            elif isinstance(part, _Card):
                out.append(_card_html(part))
            else:
                out.append(f'<div style="color:#8a6d00;margin:4px 0">{_icon("exclamation-triangle")} '
                           f"{html.escape(part[1])}</div>")
        if self.usage:
            out.append(f'<div style="color:#777;font-size:0.85em;margin-top:6px">{html.escape(self.usage)}</div>')
        out.append("</div>")
        return "".join(out)


def _cut(text: str, size: int = _SUMMARY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _card_html(card: _Card) -> str:
    mark = _icon(_STATUS_ICON.get(card.status, "times"), card.status)
    color = "#1a7f37" if card.status == "ok" else "#777" if card.status == "pending" else "#b00020"
    took = f" · {card.duration_ms:.0f} ms" if card.duration_ms is not None else ""
    status = "" if card.status in ("ok", "pending") else f" {card.status}"
    long = len(card.arguments) + len(card.text) > _OPEN_LIMIT or (card.arguments + card.text).count("\n") > 8
    summary = (f'{_icon("wrench")} <b>{html.escape(card.target)}</b> <code>{html.escape(_cut(card.arguments))}</code> '
               f'<span class="mcp-chat-mark" style="color:{color}">{mark}{html.escape(status)}</span>{took}')  # fmt: skip
    pre = 'style="white-space:pre-wrap;margin:2px 0 6px 0;max-height:30em;overflow:auto"'
    body = f"<div>arguments</div><pre {pre}>{html.escape(card.arguments)}</pre>"
    if card.status != "pending":
        body += f"<div>result ({len(card.text):,} characters)</div><pre {pre}>{html.escape(card.text)}</pre>"
    return (f'<details{"" if long else " open"} style="margin:4px 0;border-left:3px solid {color};padding-left:6px">'
            f"<summary>{summary}</summary>{body}</details>")  # fmt: skip


class ChatDisplay:
    """Consumes turn events; ``mode`` "rich" (IPython display), "text" (a stream) or "none".

    A tool call whose tool has an MCP App shows the app after its card (rich mode, or through
    ``on_app(app, finished)`` where ``finished`` is the turn's view up to the app); the rest of
    the turn continues in a new view below it. ``chat`` is the session the app's messages go to.
    """

    def __init__(
        self, mode: str = "auto", stream: TextIO | None = None, *, chat: Any = None,
        on_app: Callable[[Any, TurnView], None] | None = None,
    ) -> None:  # fmt: skip
        self.mode = _pick(mode)
        self.stream = stream
        self.chat = chat  # apps:
        self.on_app = on_app  # apps:
        self.view = TurnView()
        self._cards: dict[str, _Card] = {}
        self._handle: Any = None
        self._last = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        view = self.view
        if kind == "start":
            view.model = event.get("model")
        elif kind == "text":
            if view.parts and isinstance(view.parts[-1], str):
                view.parts[-1] += event["delta"]
            else:
                view.parts.append(event["delta"])
            self._write(event["delta"])
        elif kind == "tool_start":
            card = _Card(event["target"], arguments_text(event["arguments"]))
            self._cards[event["id"]] = card
            view.parts.append(card)
            self._write(f"\n→ {card.target}({_cut(card.arguments)})\n")
        elif kind == "tool_end":
            card = self._cards.get(event["id"]) or _Card(event["target"], "")
            card.status, card.text, card.duration_ms = event["status"], event["text"], event.get("duration_ms")
            took = f" {card.duration_ms:.0f} ms" if card.duration_ms is not None else ""
            self._write(f"← {card.target} {card.status}{took}: {_cut(card.text, 200)}\n")
            if self.mode == "rich" or self.on_app is not None:
                self._show_app(event.get("result"))  # apps:
        elif kind == "note":
            view.parts.append(("note", event["text"]))
            self._write(f"\n({event['text']})\n")
        elif kind == "done":
            view.usage = event["usage"]
            self._write(f"\n{event['usage']}\n")
        self._update(force=kind != "text")

    def _show_app(self, result: Any) -> None:
        """The tool's live app after its card; the turn goes on in a new view below."""
        # apps: ``result.app`` is None for a tool without a UI (and for a call that failed).
        app = getattr(result, "app", None)
        if app is None:
            return
        if self.chat is not None:
            app.attach_chat(self.chat)
        if self.on_app is not None:
            finished, self.view = self.view, TurnView(model=self.view.model)
            self.on_app(app, finished)
            return
        self._update(force=True)  # the card's final state, in the output it already has
        from IPython.display import display

        display(app)
        self.view, self._handle = TurnView(model=self.view.model), None

    def _write(self, text: str) -> None:
        if self.mode == "text":
            out = self.stream or sys.stdout
            out.write(text)
            out.flush()

    def _update(self, force: bool) -> None:
        if self.mode != "rich":
            return
        now = time.monotonic()
        if not force and now - self._last < _MIN_UPDATE_S:
            return
        self._last = now
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.view, display_id=True)
        else:
            self._handle.update(self.view)


def _pick(mode: str | None) -> str:
    if mode in (None, False, "none"):
        return "none"
    if mode in ("rich", "text"):
        return mode
    try:
        from IPython import get_ipython
    except ImportError:
        return "text"
    shell = get_ipython()
    return "rich" if shell is not None and getattr(shell, "kernel", None) is not None else "text"
