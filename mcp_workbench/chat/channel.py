"""From the engine loop to the caller, and back: display events out, questions in.

The tool loop runs on the engine thread, but a notebook's display and ``input()`` belong to
the kernel's thread. ``send`` therefore pumps a queue in the calling thread while the turn runs:
events are rendered there, and questions (approvals, elicitation) are asked there and their
answers handed back to the engine loop. ``asend`` forwards the same to the caller's loop.
"""

from __future__ import annotations

import asyncio
import builtins
import concurrent.futures
import queue
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ..errors import DeadlockError

T = TypeVar("T")
Sink = Callable[[dict[str, Any]], None]
_SLICE_S = 0.05
_CANCEL_GRACE_S = 2.0


def ask_input(question: str) -> str:
    """The interactive default: ``input()`` as installed now (ipykernel replaces it per cell)."""
    return builtins.input(question)


class Channel:
    """Direct delivery: the sink runs where the event is emitted; questions go to a thread."""

    def __init__(self, sink: Sink | None = None, answer: Callable[[str], str] = ask_input) -> None:
        self.sink = sink
        self.answer = answer

    def emit(self, event: dict[str, Any]) -> None:
        if self.sink is not None:
            self.sink(event)

    async def ask(self, question: str) -> str:
        return await asyncio.to_thread(self.answer, question)


class PumpChannel(Channel):
    """For sync callers: the calling thread renders events and answers questions while it waits."""

    def __init__(self, sink: Sink | None = None, answer: Callable[[str], str] = ask_input) -> None:
        super().__init__(sink, answer)
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()

    def emit(self, event: dict[str, Any]) -> None:
        self._queue.put(("event", event))

    async def ask(self, question: str) -> str:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._queue.put(("ask", question, loop, future))
        return await future

    def run(self, engine: Any, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the engine loop, serving this channel until it finishes."""
        if engine.in_engine_thread():
            coro.close()
            raise DeadlockError("chat.send() was called on the engine's own thread; use `await chat.asend(...)`")
        future = engine.submit(coro)
        try:
            while not future.done() or not self._queue.empty():
                # No `continue` inside the except clause: CPython 3.11 can raise a pending
                # KeyboardInterrupt on that jump outside this try, and the turn would not be cancelled.
                try:
                    item: tuple[Any, ...] | None = self._queue.get(timeout=_SLICE_S)
                except queue.Empty:
                    item = None
                if item is not None:
                    self._serve(item)
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            concurrent.futures.wait([future], timeout=_CANCEL_GRACE_S)
            raise

    def _serve(self, item: tuple[Any, ...]) -> None:
        if item[0] == "event":
            if self.sink is not None:
                self.sink(item[1])
            return
        _, question, loop, future = item
        try:
            answer: Any = self.answer(question)
            setter = _setter(future, result=answer)
        except Exception as exc:  # noqa: BLE001 - no stdin (a script, a test): the asker treats it as "no"
            setter = _setter(future, error=exc)
        loop.call_soon_threadsafe(setter)


class LoopChannel(Channel):
    """For ``asend`` from another loop: events and questions run on the caller's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: Sink | None, answer: Callable[[str], str] = ask_input):
        super().__init__(sink, answer)
        self._loop = loop

    def emit(self, event: dict[str, Any]) -> None:
        if self.sink is not None:
            self._loop.call_soon_threadsafe(self.sink, event)

    async def ask(self, question: str) -> str:
        async def on_caller() -> str:
            return self.answer(question)

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(on_caller(), self._loop))


def _setter(
    future: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None
) -> Callable[[], None]:
    def apply() -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    return apply
