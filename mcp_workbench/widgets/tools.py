"""The Tools panel: find a tool, fill the form generated from its schema, call it, see the result.

The list is rebuilt from service events (tools_changed, server_added / removed); a call runs on
the engine loop with a progress bar, and its rich result is written into the panel when it
arrives. The call goes through ``wb.acall``, so it is validated and recorded in history.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .base import ERROR, OK, WARN, Panel, button, error_text, icon_html, message, show
from .forms import SchemaForm, read_form

_EVENTS = ("tools_changed", "server_added", "server_removed")
ANNOTATION_FILTERS = [("any", ""), ("read-only", "read_only"), ("destructive", "destructive")]


def flags(tool: Any) -> tuple[bool, bool]:
    """(read_only, destructive) from a tool's annotations, as ``wb.tools()`` reports them."""
    ann = tool.annotations
    read_only = bool(ann and ann.read_only_hint)
    return read_only, bool(ann and ann.destructive_hint and not read_only)


class ToolsPanel(Panel):
    """Searchable tool list; a selected tool shows its description, form, Call and result."""

    title = "Tools"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.search = widgets.Text(placeholder="search name, title, description", description="Search")
        self.server = widgets.Dropdown(options=[("all servers", "")], value="", description="Server")
        self.annotation = widgets.Dropdown(options=ANNOTATION_FILTERS, value="", description="Kind")
        self.listing = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
        self.count = widgets.HTML()
        self.detail = widgets.HTML()
        self.form: SchemaForm | None = None
        self.form_box = widgets.VBox()
        self.call_button = button("Call", "success", "play")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="")
        self.progress.layout.visibility = "hidden"
        self.call_status = widgets.HTML()
        self.result = widgets.Output(layout=widgets.Layout(border="1px solid #ddd", min_height="2em"))
        self._shown: tuple[str, Any] | None = None
        for control in (self.search, self.server, self.annotation):
            control.observe(self.unless_quiet(self.refresh), names="value")
        self.listing.observe(self.unless_quiet(self.select), names="value")
        for control, css in ((self.listing, "list"), (self.call_button, "call"), (self.call_status, "status"),
                             (self.result, "result"), (self.progress, "progress")):
            control.add_class(f"mcp-tool-{css}")
        self.call_button.on_click(lambda _b: self.call())
        filters = widgets.HBox([self.search, self.server, self.annotation])
        actions = widgets.HBox([self.call_button, self.progress, self.call_status])
        self.children = [filters, self.count, self.listing, self.detail, self.form_box, actions, self.result]
        self.subscribe(_EVENTS, lambda _p: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ the list
    def matching(self) -> list[tuple[str, str]]:
        """(label, ``server.tool``) of every tool the filters let through."""
        words = self.search.value.lower().split()
        wanted_server, wanted_kind = self.server.value, self.annotation.value
        found = []
        for conn in self.wb.server_views():
            if wanted_server and conn.name != wanted_server:
                continue
            for tool in list(conn.tools.values()):
                read_only, destructive = flags(tool)
                if (wanted_kind == "read_only" and not read_only) or (wanted_kind == "destructive" and not destructive):
                    continue
                text = " ".join(filter(None, (tool.name, tool.title, tool.description))).lower()
                if not all(w in text for w in words):
                    continue
                mark = " [read-only]" if read_only else " [destructive]" if destructive else ""
                found.append((f"{conn.name}.{tool.name}{mark}", f"{conn.name}.{tool.name}"))
        return found

    def refresh(self) -> None:
        """Re-list servers and tools, keeping the selection (and the form's input) when possible."""
        servers = [("all servers", "")] + [(n, n) for n in self.wb.server_names()]
        if list(self.server.options) != servers:
            self.replace_options(self.server, servers, "")
        options = self.matching()
        if list(self.listing.options) != options:
            self.replace_options(self.listing, options)
        total = sum(len(c.tools) for c in self.wb.server_views())
        self.count.value = message(f"{len(options)} of {total} tools")
        self.select()

    def tool(self, target: str) -> Any | None:
        server, _, name = target.partition(".")
        conn = self.server_view(server)
        return conn.tools.get(name) if conn is not None else None

    def select(self) -> None:
        """Show the selected tool: description, badges and a fresh form (only when it changed)."""
        target = self.listing.value
        tool = self.tool(target) if target else None
        key = (target, tool.input_schema if tool is not None else None)
        if key == self._shown:
            return
        self._shown = key
        if tool is None:
            self.form = None
            self.form_box.children = []
            self.detail.value = message("Select a tool to see its form.")
            self.call_button.disabled = True
            return
        read_only, destructive = flags(tool)
        badge = (f" <span style='color:{OK}'>read-only</span>" if read_only else
                 f" <span style='color:{ERROR}'>⚠ destructive</span>" if destructive else "")  # fmt: skip
        title = f" — {html.escape(tool.title)}" if tool.title else ""
        self.detail.value = (
            f"<h4 style='margin:6px 0'>{icon_html(tool)}{html.escape(target)}{title}{badge}</h4>"
            f"<div style='white-space:pre-wrap'>{html.escape(tool.description or '(no description)')}</div>"
        )
        self.form = SchemaForm(tool.input_schema)
        self.form_box.children = [self.form]
        self.call_button.disabled = False
        self.call_status.value = ""

    # ------------------------------------------------------------------ the call
    def call(self) -> None:
        """Call the selected tool with the form's values, off the kernel thread."""
        target = self.listing.value
        arguments = read_form(self.form if target else None, self.call_status, "select a tool first")
        if arguments is None:
            return
        self.call_button.disabled = True
        self.progress.layout.visibility = "visible"
        self.progress.bar_style, self.progress.max, self.progress.value = "info", 1.0, 0.0
        self.call_status.value = message(f"calling {target}…", WARN)
        self.result.outputs = ()  # no stale result next to a running call
        self.run(self.wb.acall(target, arguments, on_progress=self._progress), lambda r, e: self._done(target, r, e))

    def _progress(self, value: float, total: float | None, note: str | None) -> None:
        if total:
            self.progress.max = float(total)
        self.progress.value = min(float(value), self.progress.max)
        if note:
            self.call_status.value = message(note, WARN)

    def _done(self, target: str, result: Any, error: BaseException | None) -> None:
        self.call_button.disabled = False
        self.progress.value = self.progress.max
        if error is not None:
            self.progress.bar_style = "danger"
            self.call_status.value = message(f"{target} failed: {error_text(error)}", ERROR)
            show(self.result, _Failure(target, error))
            return
        self.progress.bar_style = "danger" if result.is_error else "success"
        outcome = "returned an error" if result.is_error else "ok"
        self.call_status.value = message(f"{target} {outcome} in {result.duration_ms:.1f} ms", ERROR if result.is_error else OK)
        show(self.result, result)


class _Failure:
    """An exception shown in the result area (escaped, one line)."""

    def __init__(self, target: str, error: BaseException) -> None:
        self.text = f"{target}: {type(error).__name__}: {error_text(error)}"

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre style='color:{ERROR};white-space:pre-wrap'>{html.escape(self.text)}</pre>"
