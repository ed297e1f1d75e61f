"""Every fault of the bad server, over stdio and Streamable HTTP.

For each: the workbench raises a clear error within its timeout (or copes), the healthy server
keeps answering, history records the failure, and no thread, child process or (for the
connect faults) file descriptor outlives the faulty connection.

Tests marked ``@known_bug(...)`` (strict xfails, see ``known_bugs.py``) document bugs in the
core; they turn into failures once the bug is fixed, so the marker is removed with the fix.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from mcp_workbench import CallTimeoutError, ConnectionFailedError, ProtocolError, Workbench, WorkbenchError
from tests.faults.harness import BAD_ARGS, Baseline, bad_http_server
from tests.servers import free_port

BIG_MB = 50


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


@contextmanager
def bad_server(bench: Workbench, transport: str, url: str | None = None, **options: Any) -> Iterator[Baseline]:
    """Connect the bad server as ``bad``; afterwards the healthy server must answer, and once
    ``bad`` is disconnected nothing it used may be left over."""
    baseline = Baseline()
    target = {"command": "python", "args": BAD_ARGS} if transport == "stdio" else {"url": url}
    try:
        bench.connect("bad", **target, **options)
        yield baseline
    finally:
        if "bad" in bench.server_names():
            bench.disconnect("bad")
    healthy_answers(bench)
    assert not baseline.settled(), "the faulty connection left something behind"


def healthy_answers(bench: Workbench) -> None:
    token = uuid.uuid4().hex
    assert bench.call("healthy.echo", text=token, timeout=10).text == token


def failing(call: Callable[[], Any], error: type[BaseException] | tuple[type[BaseException], ...]) -> tuple[Any, float]:
    """Run a call that must raise ``error``; returns the exception and the seconds it took."""
    start = time.monotonic()
    with pytest.raises(error) as info:
        call()
    return info.value, time.monotonic() - start


def last_call(bench: Workbench) -> Any:
    """The newest history row of ``bad`` (read back from the catalog store)."""
    frame = bench.history(server="bad", last=1)
    assert len(frame) == 1
    return frame.iloc[-1]


def url_for(transport: str, url: str) -> str | None:
    return url if transport == "http" else None


# ---------------------------------------------------------------------------- faults in a call


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_crash_mid_call_fails_at_once_and_names_the_server(bench: Workbench, transport: str) -> None:
    with ExitStack() as stack:  # the crash kills an HTTP server: give it one of its own
        url = stack.enter_context(bad_http_server()) if transport == "http" else None
        with bad_server(bench, transport, url, timeout=10):
            error, took = failing(lambda: bench.call("bad.crash"), ConnectionFailedError)
            assert took < 2, f"a crash took {took:.1f} s to notice"
            assert "'bad'" in str(error) and "\n" not in str(error)
            row = last_call(bench)
            assert (row.tool, row.status) == ("crash", "error") and "bad" in row.error
            assert bench.servers().set_index("name").loc["bad", "status"] == "error"
            if transport == "stdio":  # the next call starts the server again by itself
                assert bench.call("bad.echo", text="again").text == "again"
            else:  # nothing listens any more: a clear error, not a hang
                error, took = failing(lambda: bench.call("bad.echo", text="x"), ConnectionFailedError)
                assert took < 2 and "could not connect" in str(error)


def test_hang_times_out_and_the_connection_survives(bench: Workbench, transport: str, bad_http_url: str) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=0.5):
        error, took = failing(lambda: bench.call("bad.hang"), CallTimeoutError)
        assert 0.5 <= took < 1.5
        assert "bad: tool 'hang' did not answer within 0.5 s" in str(error)
        assert last_call(bench).status == "timeout"
        assert bench.call("bad.echo", text="still here").text == "still here"


def test_slow_answer_within_and_beyond_the_timeout(bench: Workbench, transport: str, bad_http_url: str) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url)):
        assert bench.call("bad.slow", seconds=0.2, timeout=5).text == "slow done"
        _, took = failing(lambda: bench.call("bad.slow", seconds=0.6, timeout=0.2), CallTimeoutError)
        assert took < 1.0
        assert last_call(bench).status == "timeout"
        # The late answer to the cancelled request must not be taken for the next one's.
        assert bench.call("bad.echo", text="first").text == "first"
        time.sleep(0.5)
        assert bench.call("bad.echo", text="second").text == "second"


@pytest.mark.parametrize("kind", ["line", "shape", "id"])
def test_malformed_json_rpc_is_an_error_within_the_timeout(
    bench: Workbench, transport: str, bad_http_url: str, kind: str
) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=0.5):
        start = time.monotonic()
        try:
            result = bench.call("bad.malformed", kind=kind)
        except (ProtocolError, CallTimeoutError) as exc:
            assert "bad" in str(exc) and "malformed" in str(exc)
            if transport == "stdio" and kind != "id":  # our stdio reader reports the line: no waiting
                assert isinstance(exc, ProtocolError) and "not JSON-RPC" in str(exc), repr(exc)
            assert last_call(bench).status in ("error", "timeout")
        else:
            # Streamable HTTP answers each request on its own stream, so the SDK takes the
            # answer with a wrong id for the request's answer: acceptable, and nothing breaks.
            assert (transport, kind) == ("http", "id") and result.text == "stray"
        assert time.monotonic() - start < 1.5
        assert bench.call("bad.echo", text="after").text == "after"


def test_a_stdout_line_that_is_not_json_rpc_fails_the_call_at_once_and_the_server_goes_on(bench: Workbench) -> None:
    # A timeout of 60 s: only the bad line itself, reported as it arrives, can fail the call as ProtocolError.
    with bad_server(bench, "stdio", timeout=60):
        error, _ = failing(lambda: bench.call("bad.malformed", kind="text"), ProtocolError)
        message = str(error)
        assert message.startswith("bad: tool 'malformed' failed: ") and "\n" not in message, message
        assert repr("DEBUG handling the call " + "y" * 176) + " …" in message  # the first 200 characters
        assert "y" * 177 not in message and "log to stderr" in message
        assert last_call(bench).status == "error"
        assert bench.servers().set_index("name").loc["bad", "status"] == "connected"
        assert bench.call("bad.echo", text="after").text == "after"


def test_result_violating_its_output_schema_is_a_protocol_error(
    bench: Workbench, transport: str, bad_http_url: str
) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url)):
        error, took = failing(lambda: bench.call("bad.bad_output"), ProtocolError)
        assert took < 1.0
        assert "bad_output" in str(error) and "not of type 'integer'" in str(error)
        row = last_call(bench)
        assert row.status == "error" and "not of type 'integer'" in row.error
        assert bench.call("bad.echo", text="fine").text == "fine"


def test_log_flood_is_absorbed(bench: Workbench, transport: str, bad_http_url: str) -> None:
    seen: list[dict[str, Any]] = []
    unsubscribe = bench.on("server_log", seen.append)
    try:
        with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=20):
            start = time.monotonic()
            assert bench.call("bad.flood", count=3000).text == "flood done"
            assert time.monotonic() - start < 10
            assert last_call(bench).status == "ok"
            assert len(seen) == 3000 and seen[-1]["message"] == "flood 2999"
    finally:
        unsubscribe()


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_big_result_arrives_and_displays_bounded(bench: Workbench, transport: str, bad_http_url: str) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=5):
        start = time.monotonic()
        result = bench.call("bad.big", mb=BIG_MB)
        assert time.monotonic() - start < 5
        assert len(result.text) == BIG_MB * 2**20
        assert len(repr(result)) < 10_000  # what a notebook shows is bounded
        assert len(result._repr_mimebundle_()["text/html"]) < 50_000
        assert last_call(bench).status == "ok"
        stored = bench.catalog_sync.repo.history(limit=1, server="bad")[0]
        assert len(stored.result_preview) <= 500


def test_history_does_not_keep_results_alive(bench: Workbench, bad_http_url: str) -> None:
    with bad_server(bench, "http", bad_http_url, timeout=10):
        result = bench.call("bad.big", mb=20)
        ref = weakref.ref(result)
        del result
        bench.history()  # the catalog has written the record
        gc.collect()
        assert ref() is None, "the call log keeps every result (and its 20 MB) alive"


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_stream_cut_mid_response_fails_at_once_then_reconnects(
    bench: Workbench, transport: str, bad_http_url: str
) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=5):
        error, took = failing(lambda: bench.call("bad.cut"), ConnectionFailedError)
        assert took < 2 and "'bad'" in str(error)
        assert last_call(bench).status == "error"
        assert bench.call("bad.echo", text="reconnected").text == "reconnected"


def test_crash_error_carries_the_last_words_even_when_they_come_late(bench: Workbench) -> None:
    with bad_server(bench, "stdio", timeout=10):
        error, took = failing(lambda: bench.call("bad.crash_late"), ConnectionFailedError)
        assert took < 2
        assert "last words after stdout closed" in str(error), str(error)


# ---------------------------------------------------------------------------- faults at connect
def test_refused_connections_are_clear_errors(bench: Workbench) -> None:
    closed = f"http://127.0.0.1:{free_port()}/mcp"
    with ExitStack() as stack:
        dropping = stack.enter_context(bad_http_server("--refuse"))
        cases = [
            ({"url": closed}, "ConnectError"),
            ({"url": dropping}, "could not connect to 'bad'"),
            ({"command": "python", "args": [*BAD_ARGS, "--exit-at-start"]}, "refusing to start"),
        ]
        for target, expected in cases:
            baseline = Baseline(fds=True)
            error, took = failing(lambda target=target: bench.connect("bad", **target), ConnectionFailedError)
            assert took < 3, (target, took)
            assert expected in str(error) and "\n" not in str(error), str(error)
            row = bench.servers().set_index("name").loc["bad"]
            assert row.status == "error" and expected in row.last_error
            bench.disconnect("bad")
            assert not baseline.settled(), target
    healthy_answers(bench)


def test_text_garbage_on_stdout_before_the_handshake_is_skipped(bench: Workbench) -> None:
    baseline = Baseline()
    bench.connect("bad", command="python", args=[*BAD_ARGS, "--garbage", "20"], connect_timeout=5)
    assert bench.call("bad.echo", text="clean").text == "clean"
    bench.disconnect("bad")
    healthy_answers(bench)
    assert not baseline.settled()


def test_invalid_utf8_on_stdout_before_the_handshake(bench: Workbench) -> None:
    baseline = Baseline()
    start = time.monotonic()
    try:
        bench.connect("bad", command="python", args=[*BAD_ARGS, "--garbage", "2", "--garbage-bytes"],
                      connect_timeout=2)  # fmt: skip
    except ConnectionFailedError as exc:
        assert "utf-8" in str(exc).lower() or "decode" in str(exc).lower(), str(exc)
    else:
        assert bench.call("bad.echo", text="clean").text == "clean"
    finally:
        took = time.monotonic() - start
        if "bad" in bench.server_names():
            bench.disconnect("bad")
    assert took < 5
    healthy_answers(bench)
    assert not baseline.settled()


def test_silent_server_fails_within_connect_timeout(bench: Workbench, caplog: pytest.LogCaptureFixture) -> None:
    baseline = Baseline()
    mute = ["-c", "import time; time.sleep(60)"]
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        error, took = failing(lambda: bench.connect("bad", command="python", args=mute, connect_timeout=1),
                              ConnectionFailedError)  # fmt: skip
        bench.disconnect("bad")
        gc.collect()
    assert "within 1 s" in str(error)
    assert took < 4, f"connect_timeout=1 took {took:.1f} s"
    assert "never retrieved" not in caplog.text
    healthy_answers(bench)
    assert not baseline.settled()


def test_protocol_error_messages_are_one_line(bench: Workbench, bad_http_url: str) -> None:
    with bad_server(bench, "http", bad_http_url, timeout=2):
        error, _ = failing(lambda: bench.call("bad.malformed", kind="shape"), ProtocolError)
        assert "\n" not in str(error) and len(str(error)) < 500, str(error)


@pytest.mark.parametrize("code", [-32000, -32001])
def test_server_errors_with_reserved_codes_are_protocol_errors(
    bench: Workbench, transport: str, bad_http_url: str, code: int
) -> None:
    with bad_server(bench, transport, url_for(transport, bad_http_url), timeout=5):
        error, took = failing(lambda: bench.call("bad.error", text="quota exceeded", code=code), WorkbenchError)
        assert isinstance(error, ProtocolError) and "quota exceeded" in str(error), repr(error)
        assert bench.servers().set_index("name").loc["bad", "status"] == "connected"
