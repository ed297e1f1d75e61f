"""What every panel shares: event subscriptions, background work, and rendering into widgets.

Widget callbacks run on the kernel's thread and must not block it (DESIGN.md, the async
bridge): work is submitted to the engine loop and its outcome is written into the panel when
the future completes. Event handlers and completions run on the engine thread, so they only set
widget state (an Output's ``outputs``, a label's ``value``); they never call a blocking API.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import inspect
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from ..views.cells import ERROR, MUTED, OK, WARN  # the one palette of listings and panels

logger = logging.getLogger("mcp_workbench.widgets")

Done = Callable[[Any, BaseException | None], None]

STATUS_COLORS = {"connected": OK, "connecting": WARN, "error": ERROR, "disconnected": "#777777", "closed": "#777777"}


class Panel(widgets.VBox):
    """A dashboard tab bound to one workbench; ``close()`` drops its event subscriptions."""

    title = ""

    def __init__(self, wb: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wb = wb
        self.pending: set[concurrent.futures.Future[Any]] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        self._closed = False
        self.quiet = False  # True while options are replaced: observers skip the detour
        # Events (engine thread) and the user (kernel thread) both rebuild lists: one at a time.
        self.lock = threading.RLock()

    def server_view(self, name: str) -> Any:
        """The workbench's read-only view of server ``name``, or None when it is not connected."""
        return self.wb.server(name) if name in self.wb.server_names() else None

    def unless_quiet(self, action: Callable[[], None]) -> Callable[[Any], None]:
        """An observer that runs ``action`` except while options are being replaced."""

        def observer(_change: Any) -> None:
            with self.lock:
                if not self.quiet:
                    action()

        return observer

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Set controls without their ``unless_quiet`` observers running."""
        with self.lock:
            self.quiet = True
            try:
                yield
            finally:
                self.quiet = False

    def replace_options(self, control: Any, options: list[Any], fallback: Any = None) -> None:
        """New options for a selection widget, keeping its value when it is still offered
        (ipywidgets would jump to the first option and back, rebuilding forms on the way)."""
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        with self.quietly():
            keep = control.value
            control.options = options
            control.value = keep if keep in values else fallback

    def subscribe(self, events: tuple[str, ...], handler: Callable[[dict[str, Any]], None]) -> None:
        """Refresh from service events (never by polling); a closed panel ignores them."""

        def guarded(payload: dict[str, Any]) -> None:
            with self.lock:
                if not self._closed:
                    handler(payload)

        for event in events:
            self._unsubscribe.append(self.wb.on(event, guarded))

    def run(self, work: Coroutine[Any, Any, Any] | Callable[[], Any], done: Done) -> concurrent.futures.Future[Any]:
        """Run ``work`` (a coroutine, or a blocking callable run in a worker thread) off the kernel
        thread; ``done(result, error)`` is called when it finishes."""
        coro = work if inspect.iscoroutine(work) else asyncio.to_thread(work)  # type: ignore[arg-type]
        future = self.wb.submit(coro)
        self.pending.add(future)

        def finish(f: concurrent.futures.Future[Any]) -> None:
            error = asyncio.CancelledError() if f.cancelled() else f.exception()
            try:
                done(None if error else f.result(), error)
            except Exception:
                logger.exception("a dashboard completion handler failed")
            finally:
                self.pending.discard(f)  # after ``done``: "nothing pending" means the panel is up to date

        future.add_done_callback(finish)
        return future

    def close(self) -> None:
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        super().close()


def output_of(obj: Any) -> dict[str, Any]:
    """One display_data output of ``obj``, formatted with its rich ``_repr_mimebundle_``."""
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter if InteractiveShell.initialized() else None
    if formatter is not None:
        data, metadata = formatter.format(obj)
    else:  # no IPython (a plain script): text only
        data, metadata = {"text/plain": repr(obj)}, {}
    if "text/html" in data:  # JupyterLab would pick the JSON tree over the result's HTML view
        data = {k: v for k, v in data.items() if k != "application/json"}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def result_area() -> widgets.Output:
    """The framed Output a panel shows its results in (a call's, a prompt's, a task's)."""
    return widgets.Output(layout=widgets.Layout(border="1px solid #ddd", min_height="2em"))


def show(out: widgets.Output, obj: Any) -> None:
    """Replace what ``out`` shows; safe from any thread (no ``with out:`` capture)."""
    out.outputs = (output_of(obj),)


def message(text: str, color: str = MUTED) -> str:
    """One escaped line of coloured HTML (server text is data, never markup)."""
    return f'<span style="color:{color}">{html.escape(text)}</span>'


def fa(icon: str, color: str | None = None) -> str:
    """A Font Awesome icon (the font ipywidgets ships and its buttons use): it renders on any
    browser, unlike emoji, which need an emoji font (stock Debian Chromium has none)."""
    style = f' style="color:{color}"' if color else ""
    return f'<i class="fa fa-{icon}" aria-hidden="true"{style}></i>'


def icon_html(item: Any) -> str:
    """An item's first icon as a small inline image: only ``data:image/...`` sources (nothing is
    fetched from elsewhere; an SVG in an ``<img>`` runs no script)."""
    for icon in getattr(item, "icons", None) or []:
        src = str(icon.src)
        if src.startswith("data:image/"):
            return f'<img class="mcp-icon" src="{html.escape(src)}" style="height:1em;vertical-align:middle"/> '
    return ""


def error_text(error: BaseException) -> str:
    return str(error) or type(error).__name__


def button(description: str, style: str = "", icon: str = "", tooltip: str = "") -> widgets.Button:
    return widgets.Button(description=description, button_style=style, icon=icon, tooltip=tooltip or description)
