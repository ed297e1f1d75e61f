"""The async bridge on its own: sync and async callers, timeouts, deadlock detection, restart."""

from __future__ import annotations

import asyncio
import threading

import pytest

from mcp_workbench.core.engine import Engine
from mcp_workbench.errors import CallTimeoutError, DeadlockError


def test_run_executes_on_the_engine_thread_while_another_loop_runs() -> None:
    engine = Engine("test-engine")

    async def where() -> str:
        return threading.current_thread().name

    async def inside_a_running_loop() -> str:
        # A cell executes while the kernel's loop runs: a sync call must still work.
        return engine.run(where())

    assert asyncio.run(inside_a_running_loop()) == "test-engine"
    engine.stop()


def test_arun_awaits_from_a_foreign_loop_and_propagates_errors() -> None:
    engine = Engine()

    async def boom() -> None:
        raise ValueError("from the engine")

    async def main() -> None:
        with pytest.raises(ValueError, match="from the engine"):
            await engine.arun(boom())

    asyncio.run(main())
    engine.stop()


def test_timeout_cancels_the_coroutine() -> None:
    engine = Engine()
    cancelled = threading.Event()

    async def hang() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(CallTimeoutError, match="0.2 s"):
        engine.run(hang(), timeout=0.2)
    assert cancelled.wait(2)
    engine.stop()


def test_sync_call_from_the_engine_thread_is_refused() -> None:
    engine = Engine()

    async def nested() -> str:
        async def inner() -> int:
            return 1

        try:
            engine.run(inner())
        except DeadlockError as exc:
            return str(exc)
        return "no error"

    assert "async twin" in engine.run(nested())
    engine.stop()


def test_engine_restarts_after_stop() -> None:
    engine = Engine()

    async def one() -> int:
        return 1

    assert engine.run(one()) == 1
    engine.stop()
    assert engine.run(one()) == 1
    engine.stop()


def test_arun_returns_the_result_and_runs_on_the_engine_thread() -> None:
    engine = Engine("relay-engine")

    async def where() -> tuple[str, int]:
        await asyncio.sleep(0.01)  # a real suspension on the engine loop, not a ready value
        return threading.current_thread().name, 7

    async def main() -> list[tuple[str, int]]:
        return list(await asyncio.gather(*(engine.arun(where()) for _ in range(20))))

    assert asyncio.run(main()) == [("relay-engine", 7)] * 20
    engine.stop()


def test_cancelling_the_awaiting_task_cancels_the_request_on_the_engine() -> None:
    engine = Engine()
    started, cancelled = threading.Event(), threading.Event()

    async def hang() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def main() -> None:
        task = asyncio.create_task(engine.arun(hang()))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cancelled.wait(5)

    async def one() -> int:  # the engine goes on serving
        return 1

    assert engine.run(one()) == 1
    engine.stop()

