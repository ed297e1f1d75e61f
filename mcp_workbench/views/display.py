"""Notebook display helpers: the progress line for long calls (listings: ``views.readable``).

The progress line appears only for a call that outlives ~0.5 s and is
a display updated in place: a bar when the server sends progress notifications, a spinner with
the elapsed time when it does not, and it is emptied when the call ends. It is shown only where
a display can be updated (Jupyter, or captured output); a terminal would print every update as
a new line.
"""

from __future__ import annotations

import asyncio
import html
import threading
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self

from IPython.core.displaypub import DisplayPublisher
from IPython.display import DisplayHandle

#: Runs a coroutine on the engine's loop without waiting (``Workbench.submit``).
Submit = Callable[[Coroutine[Any, Any, Any]], Any]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def can_update_displays(shell: Any) -> bool:
    """The base publisher prints each update as a new line (a terminal): no live progress there."""
    publisher = getattr(shell, "display_pub", None)
    return publisher is not None and type(publisher) is not DisplayPublisher


class CallProgress:
    """``with CallProgress(shell, "demo.slow", submit=wb.submit) as p: wb.call(..., on_progress=p.handler)``.

    Nothing happens for a call shorter than ``delay`` (~0.5 s): no thread, no display, no
    output. Entering arms one timer on the engine's loop (``submit`` runs a coroutine there:
    ``Workbench.submit``), the thread that already runs the call and its progress callbacks;
    when the timer fires and the call is still running, the
    line is shown with the latest progress and repainted every ``interval`` by the same loop.
    ``handler`` only records the numbers for the timer to paint (a bar needs the request's
    progress token, so it is passed from the start wherever a line could be shown).
    """

    def __init__(
        self, shell: Any, label: str, *, submit: Submit, delay: float = 0.5, interval: float = 0.25,
    ) -> None:  # fmt: skip
        self.enabled = can_update_displays(shell)
        self.label = label
        self.delay = delay
        self.interval = interval
        self._submit = submit
        self._lock = threading.Lock()  # the engine thread paints, the cell's thread clears
        self._done = False
        self._state: tuple[float, float | None, str | None] | None = None
        self._handle: DisplayHandle | None = None
        self._frame = 0
        self._start = 0.0

    @property
    def handler(self) -> Any:
        """The ``on_progress`` callback to pass, or ``None`` where nothing can be shown."""
        return self._on_progress if self.enabled else None

    @property
    def shown(self) -> bool:
        """Whether the progress line was displayed (only for calls that outlived ``delay``)."""
        return self._handle is not None

    def __enter__(self) -> Self:
        if self.enabled:
            self._start = time.monotonic()
            self._submit(self._arm())
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._lock:
            self._done = True  # a timer still armed finds this and does nothing
            if self._handle is not None:
                self._handle.update({"text/plain": "", "text/html": ""}, raw=True)

    async def _arm(self) -> None:
        """Runs on the engine loop: a timer there, not a thread per call. The timer keeps this
        task's context, a copy of the calling cell's, so the line is that cell's output."""
        asyncio.get_running_loop().call_later(self.delay, self._tick)

    def _tick(self) -> None:
        """Engine thread: show or repaint the line, then come back in ``interval``."""
        with self._lock:
            if self._done:
                return
            self._paint(time.monotonic())
        asyncio.get_running_loop().call_later(self.interval, self._tick)

    def _on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        """Engine thread, on each progress notification: keep the numbers for the next paint.

        The timer paints (at most every ``interval``), not this callback: it runs in the context
        of the cell that made the call, so every update is addressed to that cell, and a server
        that reports progress 1,000 times a second costs 4 display updates a second.
        """
        with self._lock:
            self._state = (progress, total, message)

    def _paint(self, now: float) -> None:
        """Called with the lock held, never after ``__exit__``."""
        self._frame += 1
        bundle = render(self.label, self._state, now - self._start, self._frame)
        if self._handle is None:
            self._handle = DisplayHandle()
            self._handle.display(bundle, raw=True)
        else:
            self._handle.update(bundle, raw=True)


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
