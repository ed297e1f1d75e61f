"""Readable HTML for what servers send: Markdown rendered, JSON as a collapsible tree.

Server text is data, never markup: Markdown is rendered with raw HTML escaped and unsafe link
schemes (``javascript:``, ``data:``...) dropped, and every JSON key and value is escaped. The
tree is plain ``<details>`` elements, so it folds and unfolds in any notebook front end (and in
the dashboard) without script; a "raw" toggle under it shows the text as it came.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any

from .secrets import mask, mask_text

_OPEN_DEPTH = 2  # levels of the tree shown unfolded
_MAX_NODES = 2000  # a huge document is cut, with a note, rather than freezing the page
_PRE = "white-space:pre-wrap;margin:0"


@lru_cache(maxsize=1)
def _markdown() -> Any:
    try:
        import mistune
    except ImportError:  # rendered as preformatted text instead
        return None
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """Markdown as safe HTML (raw HTML in it is shown as text), or preformatted text without mistune."""
    text = mask_text(text)
    render = _markdown()
    if render is None:
        return f'<pre style="{_PRE}">{html.escape(text)}</pre>'
    return f'<div class="mcp-markdown">{render(text)}</div>'


def json_html(value: Any, raw: str | None = None) -> str:
    """A collapsible tree of ``value`` (the first levels open) and a "raw" toggle with the text."""
    value = mask(value)
    budget = [_MAX_NODES]
    tree = _node(value, None, 0, budget)
    cut = f"<div style='color:#666'>… cut after {_MAX_NODES:,} entries (see raw)</div>" if budget[0] < 0 else ""
    text = mask_text(raw) if raw is not None else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return (f'<div class="mcp-json-tree" style="font-family:monospace">{tree}{cut}</div>'
            f'<details class="mcp-json-raw"><summary>raw</summary><pre style="{_PRE}">{html.escape(text)}</pre>'
            "</details>")  # fmt: skip


def _node(value: Any, key: str | None, depth: int, budget: list[int]) -> str:
    budget[0] -= 1
    if budget[0] < 0:
        return ""
    label = f"<span style='color:#881391'>{html.escape(key)}</span>: " if key is not None else ""
    if isinstance(value, (dict, list)) and value:
        items = value.items() if isinstance(value, dict) else ((f"[{i}]", v) for i, v in enumerate(value))
        inner = "".join(_node(v, str(k), depth + 1, budget) for k, v in items)
        shape = f"{{…}} {len(value)} key{'s' if len(value) != 1 else ''}" if isinstance(value, dict) else \
            f"[…] {len(value)} item{'s' if len(value) != 1 else ''}"  # fmt: skip
        opened = " open" if depth < _OPEN_DEPTH else ""
        return (f"<details{opened}><summary>{label}<span style='color:#666'>{shape}</span></summary>"
                f"<div style='padding-left:1.4em'>{inner}</div></details>")  # fmt: skip
    shown = json.dumps(value, ensure_ascii=False, default=str)
    color = "#c41a16" if isinstance(value, str) else "#1c00cf"
    return f"<div>{label}<span style='color:{color};white-space:pre-wrap'>{html.escape(shown)}</span></div>"
