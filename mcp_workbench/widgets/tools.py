"""The Tools panel: find a tool, fill the form generated from its schema, call it, see the result.

The list is rebuilt from service events (tools_changed, server_added / removed); a call runs on
the engine loop with a progress bar, and its rich result is written into the panel when it
arrives. The call goes through ``wb.acall``, so it is validated and recorded in history.

A tool annotated destructive asks first (naming its arguments) unless the workbench's
dashboards were told not to (``%config McpWorkbench.confirm_destructive = False``). A running
call can be cancelled (cancelling its task on the engine loop makes the SDK send
``notifications/cancelled``) and has its own timeout. Each tool keeps its form, and its last
outcome, while the dashboard lives; another tool never shows them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import json
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..core.connection import TIMEOUT_ADVICE
from ..core.secrets import mask
from ..errors import CallTimeoutError
from ..views.describe import flags
from .base import ERROR, OK, WARN, Panel, button, error_text, fa, icon_html, message, output_of, result_area
from .forms import FormCache, SchemaForm, read_form

_EVENTS = ("tools_changed", "server_added", "server_removed")
ANNOTATION_FILTERS = [("any", ""), ("read-only", "read_only"), ("destructive", "destructive")]
_FORM_TIMEOUT_ADVICE = "raise Timeout (s) next to Call to allow longer"


@dataclass
class Outcome:
    """How a tool's last call ended, as the panel shows it: status line, bar colour, result output."""

    status: str
    bar_style: str
    output: dict[str, Any] | None


class ToolsPanel(Panel):
    """Searchable tool list; a selected tool shows its description, form, Call and result."""

    title = "Tools"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.search = widgets.Text(placeholder="e.g. add (name, title, description)", description="Search")
        self.server = widgets.Dropdown(options=[("all servers", "")], value="", description="Server")
        self.annotation = widgets.Dropdown(options=ANNOTATION_FILTERS, value="", description="Kind")
        self.listing = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
        self.count = widgets.HTML()
        self.detail = widgets.HTML()
        self.forms = FormCache()
        self.form: SchemaForm | None = None
        self.form_box = widgets.VBox()
        self.confirm_text = widgets.HTML()
        self.confirm_button = button("Run it", "danger", "exclamation-triangle")
        self.keep_button = button("Don't run", "", "times")
        self.confirm_box = widgets.HBox([self.confirm_text, self.confirm_button, self.keep_button])
        self.confirm_box.layout.display = "none"
        self.call_button = button("Call", "success", "play")
        self.cancel_button = button("Cancel", "warning", "stop", "cancel the running call (notifications/cancelled)")
        self.cancel_button.layout.display = "none"
        self.timeout = widgets.BoundedFloatText(value=wb.default_timeout, min=0.1, max=86_400.0, description="Timeout (s)",
                                                layout=widgets.Layout(width="170px"))  # fmt: skip
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="")
        self.progress.layout.visibility = "hidden"
        self.call_status = widgets.HTML()
        self.result = result_area()
        self._shown: tuple[str, Any] | None = None
        self.running: tuple[str, concurrent.futures.Future[Any]] | None = None
        self.pending_confirmation: tuple[str, dict[str, Any], float] | None = None
        self.outcomes: dict[str, Outcome] = {}  # each tool's last call, shown when it is selected
        self._last_progress: tuple[float, float] = (0.0, 1.0)
        for control in (self.search, self.server, self.annotation):
            control.observe(self.unless_quiet(self.refresh), names="value")
        self.listing.observe(self.unless_quiet(self.select), names="value")
        for control, css in ((self.listing, "list"), (self.call_button, "call"), (self.call_status, "status"),
                             (self.result, "result"), (self.progress, "progress"), (self.cancel_button, "cancel"),
                             (self.timeout, "timeout"), (self.confirm_box, "confirm"),
                             (self.confirm_button, "confirm-run"), (self.keep_button, "confirm-keep")):  # fmt: skip
            control.add_class(f"mcp-tool-{css}")
        self.call_button.on_click(lambda _b: self.call())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.confirm_button.on_click(lambda _b: self.confirmed(True))
        self.keep_button.on_click(lambda _b: self.confirmed(False))
        filters = widgets.HBox([self.search, self.server, self.annotation])
        actions = widgets.HBox([self.call_button, self.cancel_button, self.timeout, self.progress, self.call_status])
        self.children = [filters, self.count, self.listing, self.detail, self.form_box, self.confirm_box, actions,
                         self.result]  # fmt: skip
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
        """Show the selected tool: description, badges, its form (kept per tool) and its own last outcome."""
        target = self.listing.value
        tool = self.tool(target) if target else None
        key = (target, tool.input_schema if tool is not None else None)
        if key == self._shown:
            return
        switched = self._shown is None or self._shown[0] != target
        self._shown = key
        if switched:
            self._show_outcome(target)
        if tool is None:
            self.form = None
            self.form_box.children = []
            self.detail.value = message("Select a tool to see its form.")
            self.call_button.disabled = True
            return
        read_only, destructive = flags(tool)
        badge = (f" <span style='color:{OK}'>read-only</span>" if read_only else
                 f" <span style='color:{ERROR}'>{fa('exclamation-triangle')} destructive</span>" if destructive
                 else "")  # fmt: skip
        title = f" — {html.escape(tool.title)}" if tool.title else ""
        self.detail.value = (
            f"<h4 style='margin:6px 0'>{icon_html(tool)}{html.escape(target)}{title}{badge}</h4>"
            f"<div style='white-space:pre-wrap'>{html.escape(tool.description or '(no description)')}</div>"
        )
        self.form = self.forms.get(target, tool.input_schema)
        self.form_box.children = [self.form]
        self.call_button.disabled = self.running is not None

    def _show_outcome(self, target: str | None) -> None:
        """A different tool is shown: no other tool's result, progress or question stays on screen."""
        self._hide_confirmation()
        running = self.running is not None and self.running[0] == target
        outcome = self.outcomes.get(target or "")
        self.progress.layout.visibility = "visible" if running or outcome else "hidden"
        if running:
            self.progress.bar_style = "info"
            self.progress.value, self.progress.max = self._last_progress
            self.call_status.value = message(f"calling {target}…", WARN)
            self.result.outputs = ()
        elif outcome is not None:
            self._show(outcome)
        else:
            self.call_status.value = message(f"{self.running[0]} is running (Cancel stops it)", WARN) if self.running else ""
            self.result.outputs = ()

    def _show(self, outcome: Outcome) -> None:
        """A tool's finished call: a full bar in its colour, its status line and its result."""
        self.progress.bar_style, self.progress.value = outcome.bar_style, self.progress.max
        self.call_status.value = outcome.status
        self.result.outputs = (outcome.output,) if outcome.output else ()

    # ------------------------------------------------------------------ the call
    def call(self) -> None:
        """Call the selected tool with the form's values, off the kernel thread (asking first
        when it is destructive)."""
        target = self.listing.value
        arguments = read_form(self.form if target else None, self.call_status, "select a tool first")
        if arguments is None:
            return
        timeout = float(self.timeout.value)
        tool = self.tool(target)
        if tool is not None and flags(tool)[1] and self.wb.dashboards.confirm_destructive:
            self.pending_confirmation = (target, arguments, timeout)
            args = json.dumps(mask(arguments), ensure_ascii=False, default=str)  # a token typed in stays ***
            self.confirm_text.value = (
                f"<b style='color:{ERROR}'>{fa('exclamation-triangle')} {html.escape(target)} is marked destructive.</b> "
                f"Run <code>{html.escape(target)}({html.escape(args)})</code>?"
            )
            self.confirm_box.layout.display = None
            self.call_button.disabled = True
            self.call_status.value = message("waiting for your answer: Run it, or Don't run", WARN)
            return
        self.start(target, arguments, timeout)

    def confirmed(self, run: bool) -> None:
        """Run it / Don't run clicked."""
        pending, self.pending_confirmation = self.pending_confirmation, None
        self._hide_confirmation()
        if pending is None:
            return
        if run:
            self.start(*pending)
        else:
            self.call_status.value = message(f"{pending[0]} was not run", OK)

    def _hide_confirmation(self) -> None:
        self.pending_confirmation = None
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""
        self.call_button.disabled = self.running is not None or self.form is None

    def start(self, target: str, arguments: dict[str, Any], timeout: float) -> None:
        self.call_button.disabled = True
        self.cancel_button.layout.display = None
        self.outcomes.pop(target, None)
        self._last_progress = (0.0, 1.0)
        self.progress.layout.visibility = "visible"
        self.progress.bar_style, self.progress.max, self.progress.value = "info", 1.0, 0.0
        self.call_status.value = message(f"calling {target}…", WARN)
        self.result.outputs = ()  # no stale result next to a running call
        coro = self.wb.acall(target, arguments, timeout=timeout, on_progress=lambda *p: self._progress(target, *p))
        with self.lock:  # ``_done`` (engine thread) waits until ``running`` is set
            future = self.run(coro, lambda r, e: self._done(target, r, e))
            if not future.done():
                self.running = (target, future)

    def cancel(self) -> None:
        """Cancel the running call: its task on the engine loop is cancelled, the SDK sends
        ``notifications/cancelled`` to the server, and the button is free at once."""
        if self.running is not None:
            self.running[1].cancel()

    def _progress(self, target: str, value: float, total: float | None, note: str | None) -> None:
        current = self._last_progress[1]
        self._last_progress = (min(float(value), float(total or current)), float(total or current))
        if self.listing.value != target:
            return
        if total:
            self.progress.max = float(total)
        self.progress.value = min(float(value), self.progress.max)
        if note:
            self.call_status.value = message(note, WARN)

    def _done(self, target: str, result: Any, error: BaseException | None) -> None:
        with self.lock:
            self._finish(target, result, error)

    def _finish(self, target: str, result: Any, error: BaseException | None) -> None:
        self.running = None
        self.cancel_button.layout.display = "none"
        self.outcomes[target] = outcome = _outcome(target, result, error)
        if self.listing.value == target:
            self._show(outcome)
        elif self.call_status.value and "is running" in self.call_status.value:
            self.call_status.value = ""
        self.call_button.disabled = self.form is None or self.pending_confirmation is not None


def _outcome(target: str, result: Any, error: BaseException | None) -> Outcome:
    """The status line and the result of a finished call; an error is written once (in the result)."""
    if isinstance(error, asyncio.CancelledError):
        return Outcome(message(f"{target} cancelled: the server was told to stop", WARN), "warning", None)
    if error is not None:
        what = "timed out" if isinstance(error, CallTimeoutError) else "failed"
        return Outcome(message(f"{target} {what}", ERROR), "danger", output_of(_Failure(target, error)))
    failed = result.is_error
    status = message(f"{target} {'returned an error' if failed else 'ok'} in {result.duration_ms:.0f} ms", ERROR if failed else OK)
    return Outcome(status, "danger" if failed else "success", output_of(result))


class _Failure:
    """An exception shown in the result area (escaped, one line, in the panel's terms)."""

    def __init__(self, target: str, error: BaseException) -> None:
        text = error_text(error).replace(TIMEOUT_ADVICE, _FORM_TIMEOUT_ADVICE)
        self.text = f"{target}: {type(error).__name__}: {text}"

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre style='color:{ERROR};white-space:pre-wrap'>{html.escape(self.text)}</pre>"
