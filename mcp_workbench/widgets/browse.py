"""A list / detail / form / action panel, shared by the Prompts and Resources tabs.

Subclasses say what the list holds, what a selected item looks like (description and the schema
of its form) and what the action does (a coroutine); the rest (refresh from events, running
off the kernel thread, showing the result) is here once.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import ipywidgets as widgets

from .base import ERROR, OK, WARN, Panel, button, error_text, message, result_area, show
from .forms import FormCache, SchemaForm, read_form

LISTING_EVENTS = ("tools_changed", "server_added", "server_removed")  # tools_changed: any listing


class BrowsePanel(Panel):
    """Select an item, fill its form, press the action button, see the rich result."""

    action_label = "Run"
    empty_text = "Nothing listed yet: connect a server."

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.listing = widgets.Select(options=[], rows=8, layout=widgets.Layout(width="100%"))
        self.detail = widgets.HTML()
        self.forms = FormCache()  # what was typed into an item's form survives switching away and back
        self.form: SchemaForm | None = None
        self.form_box = widgets.VBox()
        self.action_button = button(self.action_label, "success", "play")
        self.status = widgets.HTML()
        self.result = result_area()
        self._shown: Any = None
        self.listing.observe(self.unless_quiet(self.select), names="value")
        self.action_button.on_click(lambda _b: self.act())
        self.children = [self.listing, self.detail, self.form_box,
                         widgets.HBox([self.action_button, self.status]), self.result]  # fmt: skip
        self.subscribe(LISTING_EVENTS, lambda _p: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ for subclasses
    def items(self) -> list[tuple[str, Any]]:
        """(label, value) of every item to list."""
        raise NotImplementedError

    def describe(self, value: Any) -> tuple[str, dict[str, Any]] | None:
        """(HTML description, JSON Schema of the form) of a listed item; None when it is gone."""
        raise NotImplementedError

    def action(self, value: Any, arguments: dict[str, Any]) -> Coroutine[Any, Any, Any]:
        raise NotImplementedError

    def decorate(self, value: Any, form: SchemaForm) -> None:
        """Add to a fresh form (completions as you type); nothing by default."""

    # ------------------------------------------------------------------ shared behaviour
    def refresh(self) -> None:
        options = self.items()
        if list(self.listing.options) != options:
            self.replace_options(self.listing, options)
        self.select()

    def select(self) -> None:
        value = self.listing.value
        shown = self.describe(value) if value is not None else None
        key = (value, shown)
        if key == self._shown:
            return
        if self._shown is None or self._shown[0] != value:  # another item: not the previous one's result
            self.result.outputs, self.status.value = (), ""
        self._shown = key
        if shown is None:
            self.form, self.form_box.children = None, []
            self.detail.value = message(self.empty_text if not self.listing.options else "Select an item.")
            self.action_button.disabled = True
            return
        self.detail.value, schema = shown
        self.form = self.forms.get(value, schema, lambda form: self.decorate(value, form))
        self.form_box.children = [self.form]
        self.action_button.disabled = False

    def act(self) -> None:
        value = self.listing.value
        arguments = read_form(self.form if value is not None else None, self.status, "select an item first")
        if arguments is None:
            return
        self.action_button.disabled = True
        self.status.value = message("working…", WARN)
        self.result.outputs = ()

        def done(result: Any, error: BaseException | None) -> None:
            self.action_button.disabled = False
            if self.listing.value != value:  # the user moved on: this outcome is not for what is shown
                return
            if error is not None:
                self.status.value = message(error_text(error), ERROR)
            else:
                self.status.value = message("done", OK)
                show(self.result, result)

        self.run(self.action(value, arguments), done)
