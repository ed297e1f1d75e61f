"""``wb.map``: one result row per input row, concurrent, rate-limited, retried, never losing a row."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mcp_workbench import ArgumentError, ConnectionFailedError
from mcp_workbench import Workbench as ReproWorkbench
from tests.servers import DEMO_ARGS, descendants, wait_until


class Flaky(ReproWorkbench):  # type: ignore[misc, valid-type]
    """Fails the first ``failures[text]`` attempts of a row with a connection error, then calls for real."""

    failures: dict[str, int]

    async def acall(self, target: str, arguments: dict[str, Any] | None = None, /, **kwargs: Any) -> Any:
        text = (arguments or {}).get("text")
        if self.failures.get(text, 0) > 0:
            self.failures[text] -= 1
            raise ConnectionFailedError(f"server 'demo' connection lost (injected for {text})")
        return await super().acall(target, arguments, **kwargs)


@pytest.fixture(scope="module")
def wb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    before = descendants()
    bench = Flaky(idle_timeout=None, store=tmp_path_factory.mktemp("batch") / "catalog.sqlite")
    bench.failures = {}
    bench.connect("demo", command="python", args=DEMO_ARGS)
    yield bench
    bench.close()
    bench.catalog_sync.close()
    assert wait_until(lambda: not (descendants() - before), timeout=10)


def test_one_row_per_input_row_in_order_with_structured_fields(wb: Any) -> None:
    df = pd.DataFrame({"x": range(20), "y": [10] * 20}, index=[f"r{i}" for i in range(20)])
    out = wb.map("demo.add", df, a="x", b="y", concurrency=8)
    assert list(out.index) == list(df.index)
    assert list(out.columns) == ["text", "result", "is_error", "error", "attempts", "duration_ms"]
    assert list(out["result"]) == [x + 10 for x in range(20)] and list(out["text"]) == [str(x + 10) for x in range(20)]
    assert not out["is_error"].any() and set(out["attempts"]) == {1} and (out["duration_ms"] > 0).all()
    joined = df.join(out)
    assert joined.loc["r3", "result"] == 13

    # Parameters named like a column need no keyword; constants ride along; list-of-dicts input works.
    implicit = wb.map("demo.add", pd.DataFrame({"a": [1, 2], "b": [3, 4]}))
    assert list(implicit["result"]) == [4, 6]
    assert list(wb.map("demo.add", [{"a": 1}, {"a": 2}], b=100)["result"]) == [101, 102]
    tables = wb.map("demo.table", pd.DataFrame({"n": [1, 2]}), rows="n")
    assert [len(rows) for rows in tables["rows"]] == [1, 2]  # a list field stays one cell


def test_a_missing_column_is_named(wb: Any) -> None:
    with pytest.raises(ArgumentError, match=r"a='col_a' names no column.*did you mean 'col_x'"):
        wb.map("demo.add", pd.DataFrame({"col_x": [1]}), a="col_a", b=1)


def _calls_in_flight(wb: Any, tool: str) -> tuple[dict[str, int], list[Any]]:
    """Count the calls of ``tool`` in flight and their peak, from the workbench's lifecycle events
    (both run on the engine thread, one at a time); returns the counters and the unsubscribers."""
    seen = {"now": 0, "peak": 0}

    def started(event: dict[str, Any]) -> None:
        if event["tool"] == tool:
            seen["now"] += 1
            seen["peak"] = max(seen["peak"], seen["now"])

    def completed(event: dict[str, Any]) -> None:
        if event["tool"] == tool:
            seen["now"] -= 1

    return seen, [wb.on("operation_started", started), wb.on("operation_completed", completed)]


def test_rows_run_concurrently(wb: Any) -> None:
    df = pd.DataFrame({"seconds": [0.25] * 32})
    seen, unsubscribe = _calls_in_flight(wb, "slow")
    try:
        out = wb.map("demo.slow", df, seconds="seconds", constants={"steps": 1}, concurrency=16)
    finally:
        for off in unsubscribe:
            off()
    assert not out["is_error"].any() and set(out["text"]) == {"done after 0.25s"}
    assert 1 < seen["peak"] <= 16, seen  # rows overlapped, never more than `concurrency` at once
    assert seen["now"] == 0  # and every call that started also finished


def test_failures_are_rows_with_their_error(wb: Any) -> None:
    df = pd.DataFrame({"color": ["red", "no-such-colour", "blue"], "width": [4, 4, "wide"]})
    out = wb.map("demo.image", df, color="color", width="width", retries=1, retry_delay=0.01)
    assert len(out) == 3 and list(out["is_error"]) == [False, True, True]
    assert "Error executing tool image" in out.loc[1, "error"] and out.loc[1, "attempts"] == 2  # retried
    assert "argument 'width' must be an integer" in out.loc[2, "error"] and out.loc[2, "attempts"] == 1  # not sent
    assert out.loc[0, "error"] is None


def test_retries_recover_a_transient_failure(wb: Any) -> None:
    df = pd.DataFrame({"text": ["steady", "flaky", "broken"]})
    wb.failures = {"flaky": 1, "broken": 5}
    out = wb.map("demo.echo", df, retries=2, retry_delay=0.01)
    assert list(out["text"]) == ["steady", "flaky", None]
    assert list(out["attempts"]) == [1, 2, 3] and list(out["is_error"]) == [False, False, True]
    assert "injected for broken" in out.loc[2, "error"]
    wb.failures = {"flaky": 1}
    assert wb.map("demo.echo", df)["is_error"].tolist() == [False, True, False]  # retries=0: kept as an error


def test_rate_limit_spaces_the_calls(wb: Any) -> None:
    """The k-th call starts no earlier than k / rate_limit after the map began: a lower bound
    set by the limiter's schedule, whatever the machine's speed (no upper bound is asserted)."""
    df = pd.DataFrame({"a": range(10), "b": 0})
    starts: list[float] = []
    off = wb.on("operation_started", lambda event: starts.append(time.monotonic()))
    began = time.monotonic()  # the engine loop's clock: the limiter schedules on it
    try:
        out = wb.map("demo.add", df, concurrency=10, rate_limit=20)
    finally:
        off()
    assert list(out["result"]) == list(range(10))
    # 1 us of slack: asyncio may run a timer within its clock resolution of the due time.
    assert len(starts) == 10 and all(t - began >= k / 20 - 1e-6 for k, t in enumerate(sorted(starts))), starts
    with pytest.raises(ArgumentError, match="rate_limit"):
        wb.map("demo.add", df, rate_limit=0)


def test_amap_from_a_running_loop(wb: Any) -> None:
    async def main() -> pd.DataFrame:
        return await wb.amap("demo.add", pd.DataFrame({"a": [1, 2, 3], "b": [1, 1, 1]}), concurrency=2)

    assert list(asyncio.run(main())["result"]) == [2, 3, 4]


def test_history_records_every_row(wb: Any, tmp_path: Path) -> None:
    before = len(wb.history())
    wb.map("demo.add", pd.DataFrame({"a": range(5), "b": 1}))
    assert len(wb.history()) - before == 5
