"""The Prompts panel: browse every server's prompts, fill their arguments, render them."""

from __future__ import annotations

import html
from collections.abc import Coroutine
from typing import Any

from .base import icon_html
from .browse import BrowsePanel
from .forms import SchemaForm, prompt_schema
from .live import suggest


class PromptsPanel(BrowsePanel):
    title = "Prompts"
    action_label = "Get prompt"
    empty_text = "No prompts: connect a server that offers some."

    def items(self) -> list[tuple[str, Any]]:
        return [(f"{c.name}.{p.name}" + (f" — {p.title}" if p.title else ""), f"{c.name}.{p.name}")
                for c in self.wb.server_views() for p in list(c.prompts.values())]  # fmt: skip

    def describe(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        server, _, name = value.partition(".")
        conn = self.server_view(server)
        prompt = conn.prompts.get(name) if conn is not None else None
        if prompt is None:
            return None
        text = f"<h4 style='margin:6px 0'>{icon_html(prompt)}{html.escape(value)}</h4>{html.escape(prompt.description or '')}"
        return text, prompt_schema(prompt.arguments)

    def decorate(self, value: Any, form: SchemaForm) -> None:
        """Arguments suggest the server's completions as you type."""
        suggest(self, form, value.partition(".")[0], lambda arg, typed, ctx: self.wb.acomplete(value, arg, typed, context=ctx))

    def action(self, value: Any, arguments: dict[str, Any]) -> Coroutine[Any, Any, Any]:
        return self.wb.aget_prompt(value, arguments)
