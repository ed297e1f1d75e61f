"""The Resources panel: browse resources and templates, fill a template's variables, read."""

from __future__ import annotations

import html
from collections.abc import Coroutine
from typing import Any

from .base import icon_html
from .browse import BrowsePanel
from .forms import SchemaForm, fill_template, template_schema
from .live import SubscribeToggle, suggest


class ResourcesPanel(BrowsePanel):
    title = "Resources"
    action_label = "Read"
    empty_text = "No resources: connect a server that offers some."

    def __init__(self, wb: Any) -> None:
        self.live: SubscribeToggle | None = None
        super().__init__(wb)
        self.live = SubscribeToggle(self, self.result)
        self.children = (*self.children[:-1], self.live, self.children[-1])
        self.select()

    def items(self) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for c in self.wb.server_views():
            found += [(f"{c.name}: {r.uri}" + (f" — {r.title}" if r.title else ""), ("resource", c.name, str(r.uri)))
                      for r in list(c.resources)]  # fmt: skip
            found += [(f"{c.name}: {t.uri_template} (template)", ("template", c.name, t.uri_template))
                      for t in list(c.templates)]  # fmt: skip
        return found

    def describe(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        kind, server, uri = value
        conn = self.server_view(server)
        if conn is None:
            return None
        if kind == "resource":
            item = next((r for r in conn.resources if str(r.uri) == uri), None)
            schema: dict[str, Any] = {"type": "object", "properties": {}}
        else:
            item = next((t for t in conn.templates if t.uri_template == uri), None)
            schema = template_schema(uri)
        if item is None:
            return None
        mime = f" <code>{html.escape(item.mime_type)}</code>" if item.mime_type else ""
        text = f"<h4 style='margin:6px 0'>{icon_html(item)}{html.escape(uri)}{mime}</h4>{html.escape(item.description or '')}"
        return text, schema

    def select(self) -> None:
        super().select()
        if self.live is not None:
            kind, server, uri = self.listing.value or (None, None, None)
            self.live.show_for(server, uri if kind == "resource" else None)

    def decorate(self, value: Any, form: SchemaForm) -> None:
        """A template's variables suggest the server's completions as you type."""
        kind, server, uri = value
        if kind == "template":
            suggest(self, form, server, lambda arg, typed, ctx: self.wb.acomplete(server, arg, typed, context=ctx,
                                                                                  template=uri))  # fmt: skip

    def action(self, value: Any, arguments: dict[str, Any]) -> Coroutine[Any, Any, Any]:
        kind, server, uri = value
        return self.wb.aread(server, fill_template(uri, arguments) if kind == "template" else uri)
