"""The progress line of ``%mcp call`` (``CallProgress``) on a real engine and a real IPython shell:
a fast call starts no thread and shows nothing; a call that outlives the delay is shown by the
engine's timer with the latest progress, and cleared when it ends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench.core.engine import Engine
from mcp_workbench.views.display import CallProgress


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine("test-progress")
    engine.run(asyncio.sleep(0))  # its thread is up before a test counts threads
    yield engine
    engine.stop()


def test_a_fast_call_starts_no_thread_and_shows_nothing(engine: Engine) -> None:
    shell = InteractiveShell.instance()
    with capture_output() as cap:  # a publisher that can update displays, as in Jupyter
        before = set(threading.enumerate())
        with CallProgress(shell, "demo.add", submit=engine.submit, delay=0.05) as progress:
            assert progress.handler is not None  # a bar needs the request's progress token
            engine.run(asyncio.sleep(0))  # the call
            started = set(threading.enumerate()) - before  # while the call is in flight
        # The timer armed on entry is due before this sleep ends: it fires, finds the call done.
        engine.run(asyncio.sleep(0.1))
    assert not started
    assert not progress.shown and cap.outputs == []


def test_a_slow_call_is_shown_with_its_latest_progress_then_cleared(engine: Engine) -> None:
    shell = InteractiveShell.instance()
    with capture_output() as cap:
        with CallProgress(shell, "demo.slow", submit=engine.submit, delay=0.05) as progress:

            async def call() -> None:  # runs on the engine, where progress notifications arrive
                progress.handler(1, 4, "step 1/4")
                assert not progress.shown  # before the delay: kept, not shown
                await asyncio.sleep(0.2)  # outlives the delay: the timer shows the line meanwhile
                assert progress.shown

            engine.run(call())
    html = [o.data.get("text/html", "") for o in cap.outputs]
    assert '<progress value="0.250"' in html[0] and "step 1/4" in html[0] and "demo.slow" in html[0], html
    assert html[-1] == "" and cap.outputs[-1].data["text/plain"] == ""  # cleared when the call ended


def test_nothing_is_armed_where_no_display_can_be_updated(engine: Engine) -> None:
    """A terminal prints every update as a new line: no line, no progress token, no timer."""
    submitted: list[object] = []
    with CallProgress(None, "demo.add", submit=submitted.append) as progress:
        assert progress.handler is None
    assert submitted == [] and not progress.shown
