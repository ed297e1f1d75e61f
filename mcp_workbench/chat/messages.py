"""The conversation as kept in memory and in the store, and its OpenAI wire form.

History keeps everything (full tool results, server and tool names); ``to_api`` builds what is
sent: results cut to ``max_result_chars`` and every assistant tool call answered, so a turn
broken by an interrupt or a crash never makes the next request invalid.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

TRUNCATION_NOTE = (
    "\n[… truncated: {shown:,} of {total:,} characters shown; the full result is kept in the chat history]"
)


@dataclass
class Message:
    """One message; ``tool_calls`` on assistant messages, ``tool_results`` on tool messages.

    A tool call is ``{"id", "name" (the API name), "server", "tool", "arguments" (raw JSON)}``;
    a tool result is ``{"tool_call_id", "server", "tool", "is_error", "duration_ms"}`` and its
    text is the message's ``content``.
    """

    role: str
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_results: list[dict[str, Any]] | None = None
    tokens: int | None = None
    time: float = field(default_factory=time.time)

    @property
    def tool_call_id(self) -> str | None:
        return self.tool_results[0].get("tool_call_id") if self.tool_results else None


def estimate_tokens(message: dict[str, Any]) -> int:
    """A cheap token estimate (4 characters a token, plus framing): no tokenizer is required."""
    size = len(message.get("content") or "")
    for call in message.get("tool_calls") or ():
        size += len(call["function"]["name"]) + len(call["function"]["arguments"])
    return size // 4 + 4


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_NOTE.format(shown=limit, total=len(text))


def to_api(history: list[Message], max_result_chars: int) -> list[dict[str, Any]]:
    """The wire form: truncated results; unanswered calls answered, orphan results dropped."""
    out: list[dict[str, Any]] = []
    pending: list[str] = []  # ids of the last assistant message's calls not answered yet

    def close_pending() -> None:
        for call_id in pending:
            out.append({"role": "tool", "tool_call_id": call_id,
                        "content": "error: no result (the turn was interrupted before this call finished)"})
        pending.clear()

    for m in history:
        if m.role == "tool":
            call_id = m.tool_call_id
            if call_id in pending:
                pending.remove(call_id)
                content = truncate(m.content or "", max_result_chars)
                out.append({"role": "tool", "tool_call_id": call_id, "content": content})
            continue
        close_pending()
        if m.role == "assistant" and m.tool_calls:
            calls = [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                     for c in m.tool_calls]
            out.append({"role": "assistant", "content": m.content or None, "tool_calls": calls})
            pending.extend(c["id"] for c in m.tool_calls)
        else:
            out.append({"role": m.role, "content": m.content or ""})
    close_pending()
    return out


def arguments_text(raw: str) -> str:
    """Tool-call arguments for display: pretty JSON when they parse, else as sent."""
    try:
        return json.dumps(json.loads(raw or "{}"), ensure_ascii=False)
    except ValueError:
        return raw
