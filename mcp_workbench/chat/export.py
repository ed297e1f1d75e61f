"""A chat as a DataFrame (one row per message) and as a Markdown transcript.

The transcript renders in Jupyter's Markdown cells and on GitHub: tool calls and results go
into ``<details>`` blocks so a long result does not bury the conversation.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .messages import Message, arguments_text

COLUMNS = ["role", "content", "tool_calls", "tool_results", "tokens", "time"]


def messages_frame(history: Iterable[Message]) -> pd.DataFrame:
    rows = [{"role": m.role, "content": m.content, "tool_calls": m.tool_calls, "tool_results": m.tool_results,
             "tokens": m.tokens, "time": pd.Timestamp(m.time, unit="s", tz="UTC")} for m in history]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def to_markdown(history: Iterable[Message], title: str, meta: dict[str, Any]) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in meta.items() if v not in (None, "", [])]
    for m in history:
        if m.role == "tool":
            info = (m.tool_results or [{}])[0]
            status = "error" if info.get("is_error") else "result"
            name = f"{info.get('server')}.{info.get('tool')}"
            lines += ["", f"<details><summary>{status} of <code>{html.escape(name)}</code></summary>", "",
                      _fence(m.content or ""), "", "</details>"]  # fmt: skip
            continue
        lines += ["", f"## {m.role}", ""]
        if m.content:
            lines.append(m.content if m.role != "system" else _fence(m.content))
        for call in m.tool_calls or ():
            target = f"{call.get('server')}.{call.get('tool')}" if call.get("server") else call.get("name")
            lines += ["", f"**tool call** `{target}`", "", _fence(arguments_text(call.get("arguments", "")), "json")]
    return "\n".join(lines) + "\n"


def write(path: str | Path, text: str) -> Path:
    target = Path(path)
    target.write_text(text, encoding="utf-8")
    return target
