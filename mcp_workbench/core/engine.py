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
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from ..errors import CallTimeoutError, DeadlockError

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
        """The engine's loop, started on first use (``stop`` clears it, so no liveness probe per call)."""
        loop = self._loop
        if loop is None:
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

    @property
    def running(self) -> bool:
        """The loop is up (``loop`` would not have to start it)."""
        # apps: a widget closed at interpreter exit must not start a new engine thread.
        return self._loop is not None and self._thread is not None and self._thread.is_alive()

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
        loop = self.loop
        waiter: _Waiter[T] = _Waiter()
        loop.call_soon_threadsafe(waiter.start, loop, coro)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Wait in slices: an interrupt that is not a real signal (``_thread.interrupt_main``,
            # some front ends) is only seen between waits, never inside a blocking one.
            while not waiter.wait(_WAIT_SLICE_S if deadline is None else min(_WAIT_SLICE_S, deadline - time.monotonic())):
                if deadline is not None and time.monotonic() >= deadline:
                    waiter.cancel(loop)
                    raise CallTimeoutError(f"the operation did not finish within {timeout} s and was cancelled")
        except KeyboardInterrupt:
            waiter.cancel(loop)
            raise
        return waiter.outcome()

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the engine loop from any other loop (top-level await in a cell).

        Cancelling the awaiting task cancels the request on the engine loop.
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop and running is not None:
            return await coro
        if running is None:  # not asyncio (another async library): the generic, heavier bridge
            return await asyncio.wrap_future(self.submit(coro))
        return await _Relay(running, self.loop, coro).future

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


class _Waiter(Generic[T]):
    """A one-shot handoff from the engine loop to a blocked caller: one lock, no Condition.

    Lighter than ``run_coroutine_threadsafe`` (which chains two futures through a Condition),
    and the call path crosses this twice per call.
    """

    __slots__ = ("_lock", "_task", "_cancelled", "_result", "_error")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self._task: asyncio.Task[None] | None = None
        self._cancelled = False
        self._result: Any = None
        self._error: BaseException | None = None

    def start(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> None:
        if self._cancelled:
            coro.close()
            self._error = asyncio.CancelledError()
            self._lock.release()
            return
        self._task = loop.create_task(_settled(coro, self._settle))

    def _settle(self, kind: str, value: Any) -> None:  # engine loop
        if kind == "result":
            self._result = value
        else:
            self._error = value if kind == "error" else asyncio.CancelledError()
        self._lock.release()

    def wait(self, timeout: float) -> bool:
        return self._lock.acquire(timeout=max(0.0, timeout))

    def outcome(self) -> T:
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[no-any-return]

    def cancel(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel the task on the loop and give it a moment to unwind (the request is withdrawn)."""
        self._cancelled = True

        def cancel_task() -> None:
            if self._task is not None:
                self._task.cancel()

        loop.call_soon_threadsafe(cancel_task)
        try:
            self.wait(_CANCEL_GRACE_S)
        except BaseException:  # a second Ctrl-C while unwinding: stop waiting
            pass


class _Relay(Generic[T]):
    """A one-shot handoff from the engine loop to an awaiting task on another loop.

    Lighter than ``wrap_future(run_coroutine_threadsafe(...))``, which chains a
    ``concurrent.futures.Future`` (a Condition, a state copy under a lock) between two asyncio
    futures: here the engine's task posts its outcome to the caller's future directly, one
    ``call_soon_threadsafe`` each way.
    """

    __slots__ = ("future", "_caller", "_engine", "_task")

    def __init__(self, caller: asyncio.AbstractEventLoop, engine: asyncio.AbstractEventLoop,
                 coro: Coroutine[Any, Any, T]) -> None:  # fmt: skip
        self.future: asyncio.Future[T] = caller.create_future()
        self.future.add_done_callback(self._withdrawn)
        self._caller, self._engine = caller, engine
        self._task: asyncio.Task[None] | None = None
        engine.call_soon_threadsafe(self._start, coro)

    def _start(self, coro: Coroutine[Any, Any, T]) -> None:  # engine loop
        # (A caller cancelled before this ran queued ``_cancel_task`` behind it: the task is
        # cancelled before its first step.)
        self._task = self._engine.create_task(_settled(coro, self._post))

    def _post(self, kind: str, value: Any) -> None:  # engine loop
        try:
            self._caller.call_soon_threadsafe(self._settle, kind, value)
        except RuntimeError:  # the caller's loop is closed: nobody waits any more
            pass

    def _settle(self, kind: str, value: Any) -> None:  # caller's loop
        if self.future.done():
            return
        if kind == "cancelled":
            self.future.cancel()
        elif kind == "error":
            self.future.set_exception(value)
        else:
            self.future.set_result(value)

    def _withdrawn(self, future: asyncio.Future[T]) -> None:  # caller's loop
        if future.cancelled():  # the awaiting task was cancelled: withdraw the request too
            self._engine.call_soon_threadsafe(self._cancel_task)

    def _cancel_task(self) -> None:  # engine loop
        if self._task is not None:
            self._task.cancel()


async def _settled(coro: Coroutine[Any, Any, Any], settle: Callable[[str, Any], None]) -> None:
    """Await ``coro`` on the engine loop and hand its outcome ("result", "error" or "cancelled")
    to ``settle`` in the same step (a done callback would wait one more turn of the loop); a
    KeyboardInterrupt or SystemExit is handed on and raised again."""
    outcome: tuple[str, Any] = ("cancelled", None)
    try:
        outcome = ("result", await coro)
    except asyncio.CancelledError:
        pass
    except BaseException as exc:
        outcome = ("error", exc)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
    finally:
        settle(*outcome)


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
