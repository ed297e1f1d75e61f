"""The async bridge: one background event-loop thread per process.

A notebook cell runs while the kernel's own event loop is running, so a sync API cannot call
``asyncio.run``. Every MCP connection instead lives on this engine's loop, in a thread of its
own, as a long-lived task (anyio cancel scopes must be entered and left in the same task).
Sync callers block on a ``concurrent.futures.Future``; async callers await a wrapped future.
Why not ``nest-asyncio``: see DESIGN.md (it patches asyncio for the whole kernel and behaves
differently in scripts, papermill and pytest; the thread behaves the same everywhere).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from .errors import CallTimeoutError, DeadlockError

T = TypeVar("T")

# How long a cancelled request may take to unwind before a KeyboardInterrupt is re-raised.
_CANCEL_GRACE_S = 2.0
_WAIT_SLICE_S = 0.2


class Engine:
    """Owns the background loop; ``run`` for sync callers, ``arun`` for async callers."""

    def __init__(self, name: str = "mcp-workbench-engine") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The engine's loop, started on first use."""
        loop = self._loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            loop = self._start()
        return loop

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is not None and self._thread is not None and self._thread.is_alive():
                return self._loop
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def main() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            thread = threading.Thread(target=main, name=self._name, daemon=True)
            thread.start()
            ready.wait()
            self._loop, self._thread = loop, thread
            return loop

    def in_engine_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the engine loop; returns at once."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the engine loop and block until it finishes.

        KeyboardInterrupt (a kernel interrupt) and ``timeout`` cancel the request on the
        engine loop, wait briefly for it to unwind, then raise, so the connection stays usable.
        """
        if self.in_engine_thread():
            coro.close()
            raise DeadlockError(
                "a blocking workbench call was made from the engine's own thread (inside a callback); "
                "use the async twin instead, e.g. `await wb.acall(...)`"
            )
        future = self.submit(coro)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Wait in slices: an interrupt that is not a real signal (``_thread.interrupt_main``,
            # some front ends) is only seen between waits, never inside a blocking one.
            while True:
                try:
                    return future.result(_WAIT_SLICE_S if deadline is None else min(_WAIT_SLICE_S, deadline - time.monotonic()))
                except TimeoutError:
                    if future.done():  # the coroutine's own timeout error, not ours
                        raise
                    if deadline is not None and time.monotonic() >= deadline:
                        self._cancel_and_wait(future)
                        raise CallTimeoutError(
                            f"the operation did not finish within {timeout} s and was cancelled"
                        ) from None
        except KeyboardInterrupt:
            self._cancel_and_wait(future)
            raise

    @staticmethod
    def _cancel_and_wait(future: concurrent.futures.Future[Any]) -> None:
        future.cancel()
        try:
            concurrent.futures.wait([future], timeout=_CANCEL_GRACE_S)
        except BaseException:  # a second Ctrl-C while unwinding: stop waiting
            pass

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the engine loop from any other loop (top-level await in a cell)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop and running is not None:
            return await coro
        return await asyncio.wrap_future(self.submit(coro))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and join the thread (after connections were closed)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process's one engine."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = Engine()
                atexit.register(_engine.stop)
    return _engine
