"""Dashboard pieces that follow the server as it changes: argument fields that suggest the
server's completions as you type, and a subscribe toggle that re-reads a resource on each
update. Both run their requests off the kernel thread (``Panel.run``) and only set widget state
when the answer comes."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

import ipywidgets as widgets

from .base import ERROR, OK, Panel, error_text, message, show
from .forms import SchemaForm

Complete = Callable[[str, str, dict[str, str]], Coroutine[Any, Any, list[str]]]


def suggest(panel: Panel, form: SchemaForm, server: str, complete: Complete) -> None:
    """Turn the form's text fields into comboboxes whose options are the server's completions
    for what is typed (the other fields' values are the completion's context). Nothing changes
    for a server that does not offer completions."""
    view = panel.server_view(server)
    if view is None or not view.offers("completions"):
        return
    fields = {name: f for name, f in form.fields.items() if f.kind == "string"}

    def fetch(name: str, box: widgets.Combobox) -> None:
        context = {n: str(f.control.value) for n, f in fields.items() if n != name and str(f.control.value).strip()}

        def done(values: Any, error: BaseException | None) -> None:
            if error is None and values is not None:
                box.options = tuple(values)

        panel.run(complete(name, str(box.value), context), done)

    for name, field in fields.items():
        if field.multiline:  # a text area (code, a paragraph) stays one: completions are for values
            continue
        old = field.control
        box = widgets.Combobox(value=old.value, placeholder=old.placeholder, ensure_option=False, options=())
        box.add_class("mcp-suggest")
        box.observe(field._changed, names="value")
        box.observe(lambda _c, n=name, b=box: fetch(n, b), names="value")
        row = field.box.children[0]
        row.children = (row.children[0], box)
        field.control = box
        fetch(name, box)


class SubscribeToggle(widgets.HBox):
    """Subscribe to the selected resource; each update re-reads it into ``result``."""

    def __init__(self, panel: Panel, result: widgets.Output) -> None:
        self.panel, self.result = panel, result
        self.toggle = widgets.ToggleButton(description="Subscribe", icon="bell", tooltip="follow this resource's updates")
        self.toggle.add_class("mcp-subscribe")
        self.note = widgets.HTML()
        self.target: tuple[str, str] | None = None
        self.updates = 0
        self.toggle.observe(panel.unless_quiet(self._flip), names="value")
        panel.subscribe(("resource_updated",), self._on_update)
        super().__init__([self.toggle, self.note])

    def show_for(self, server: str | None, uri: str | None) -> None:
        """Point the toggle at a resource (None: a template or nothing selected)."""
        view = self.panel.server_view(server) if server else None
        able = uri is not None and view is not None and view.offers("subscribe")
        self.layout.display = None if able else "none"
        self.target = (server, uri) if able and server and uri else None
        on = self.target is not None and view is not None and uri in view.subscribed
        with self.panel.quietly():
            self.toggle.value = on
        self.note.value = message(f"{self.updates} update(s)" if on else "")

    def _flip(self) -> None:
        if self.target is None:
            return
        server, uri = self.target
        wb, on = self.panel.wb, self.toggle.value
        self.updates = 0

        def done(_result: Any, error: BaseException | None) -> None:
            if error is not None:
                self.note.value = message(error_text(error), ERROR)
            else:
                self.note.value = message("subscribed: waiting for updates" if on else "unsubscribed", OK)

        self.panel.run(wb.asubscribe(server, uri) if on else wb.aunsubscribe(server, uri), done)

    def _on_update(self, event: dict[str, Any]) -> None:
        if self.target != (event["server"], event["uri"]) or not self.toggle.value:
            return
        self.updates += 1
        self.note.value = message(f"{self.updates} update(s), last at {time.strftime('%H:%M:%S')}", OK)
        server, uri = self.target
        self.panel.run(self.panel.wb.aread(server, uri), lambda r, e: show(self.result, r) if e is None else None)
