"""Notebook display helpers: listings shown to a row limit, and a progress line for long calls.

A listing stays a real DataFrame (``_`` holds every row); only its display is cut to
``display_limit`` rows. The progress line is a display updated in place: a bar when the server
sends progress notifications, a spinner with the elapsed time when it does not, and it is
emptied when the call ends. It is shown only where a display can be updated (Jupyter, or
captured output); a terminal would print every update as a new line.
"""

from __future__ import annotations

import html
import threading
import time
from types import TracebackType
from typing import Any, ClassVar, Self

import pandas as pd
from IPython.core.displaypub import DisplayPublisher
from IPython.display import DisplayHandle

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Listing(pd.DataFrame):
    """A DataFrame that displays at most ``display_limit`` rows; operations give plain DataFrames."""

    _metadata: ClassVar[list[str]] = ["display_limit"]
    display_limit: int | None

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _limited(self) -> Any:
        limit = getattr(self, "display_limit", None) or None
        return pd.option_context("display.max_rows", limit, "display.min_rows", limit)

    def _repr_html_(self) -> str | None:
        with self._limited():
            return super()._repr_html_()

    def __repr__(self) -> str:
        with self._limited():
            return super().__repr__()


def listing(frame: pd.DataFrame, limit: int | None) -> Listing:
    out = Listing(frame)
    out.display_limit = limit
    return out


def can_update_displays(shell: Any) -> bool:
    """The base publisher prints each update as a new line (a terminal): no live progress there."""
    publisher = getattr(shell, "display_pub", None)
    return publisher is not None and type(publisher) is not DisplayPublisher


class CallProgress:
    """``with CallProgress(shell, "demo.slow") as p: wb.call(..., on_progress=p.handler)``.

    ``handler`` runs on the engine thread: it records the numbers and repaints (throttled); a
    ticker thread repaints the spinner. Nothing is shown for calls shorter than ``delay`` s.
    """

    def __init__(self, shell: Any, label: str, *, delay: float = 0.3, interval: float = 0.25) -> None:
        self.enabled = can_update_displays(shell)
        self.label = label
        self.delay = delay
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._state: tuple[float, float | None, str | None] | None = None
        self._shown = False
        self._last_paint = 0.0
        self._frame = 0
        self._handle: DisplayHandle | None = None
        self._ticker: threading.Thread | None = None
        self._start = time.monotonic()

    @property
    def handler(self) -> Any:
        """The ``on_progress`` callback to pass, or ``None`` where nothing can be shown."""
        return self._on_progress if self.enabled else None

    def __enter__(self) -> Self:
        if self.enabled:
            self._start = time.monotonic()
            self._handle = DisplayHandle()
            self._handle.display({"text/plain": ""}, raw=True)  # placeholder made on the cell's own thread
            self._ticker = threading.Thread(target=self._tick, name="mcp-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.enabled:
            return
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            if self._shown and self._handle is not None:
                self._handle.update({"text/plain": "", "text/html": ""}, raw=True)

    def _on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        with self._lock:
            self._state = (progress, total, message)
            now = time.monotonic()
            if now - self._last_paint >= 0.1 and not self._stop.is_set():
                self._paint(now)

    def _tick(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            with self._lock:
                if self._stop.is_set():
                    return
                now = time.monotonic()
                if now - self._last_paint >= self.interval * 0.8:  # progress just repainted: skip
                    self._paint(now)
            if self._stop.wait(self.interval):
                return

    def _paint(self, now: float) -> None:
        """Called with the lock held."""
        if self._handle is None:
            return
        self._frame += 1
        self._last_paint = now
        self._shown = True
        self._handle.update(render(self.label, self._state, now - self._start, self._frame), raw=True)


def render(label: str, state: tuple[float, float | None, str | None] | None, elapsed: float, frame: int) -> dict[str, str]:
    """The progress line as a mimebundle: a bar with a fraction, or a spinner, and the elapsed time."""
    spin = _SPINNER[frame % len(_SPINNER)]
    value, total, message = state if state is not None else (None, None, None)
    if value is not None and total:
        fraction = max(0.0, min(1.0, value / total))
        bar = f'<progress value="{fraction:.3f}" max="1" style="width:14em"></progress> {fraction:.0%}'
        plain = f"{label}: {fraction:.0%}"
    else:
        bar = f'<progress style="width:14em"></progress> {spin}'  # no value: the browser animates it
        plain = f"{label}: {spin}" + (f" {value:g}" if value is not None else "")
    note = f" {message}" if message else ""
    text = f"{plain}{note} · {elapsed:.1f} s"
    body = f"{bar} <code>{html.escape(label)}</code>{html.escape(note)} · {elapsed:.1f} s"
    return {"text/plain": text, "text/html": f'<div style="font-size:smaller">{body}</div>'}
