"""``wb.map`` on a real Dask ``LocalCluster``: two worker processes, real stdio servers started on
them, results in order, failures as rows, a server crashing mid-job, no secret in the graph."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import dask.dataframe as dd
import distributed
import pandas as pd
import pytest

from mcp_workbench import Workbench, WorkbenchError
from mcp_workbench.repro import distributed as dask_map
from mcp_workbench.repro.batch import argument_plan
from tests.servers import DEMO_ARGS, ROOT, descendants, wait_until

# dask[dataframe,distributed] is in the test extra: missing, this module errors (a skip would hide it).

SECRET = "sk-dask-planted-5566778899"
SECRET_VAR = "MCPWB_DASK_SECRET"
MAP_SERVER = ["-m", "tests.map_server"]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes of one thread each; they import this checkout (PYTHONPATH) and know
    the secret's variable, as workers started with the right environment would."""
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", SECRET_VAR)}
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), saved["PYTHONPATH"]]))
    os.environ[SECRET_VAR] = SECRET
    before = descendants()
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        # The workers' plugin closed their servers: nothing they started outlives the cluster. (The
        # multiprocessing resource tracker the cluster started stays with this process, by design.)
        assert wait_until(lambda: not _ours(descendants() - before), timeout=30), "processes left behind"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Workbench]:
    wb = Workbench(idle_timeout=None, store=tmp_path / "catalog.sqlite")
    yield wb
    wb.close()
    wb.catalog_sync.close()


def test_2000_rows_correct_in_order_on_two_workers_and_in_the_history(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    df = pd.DataFrame({"x": range(2000), "y": range(0, 4000, 2)}, index=range(5000, 7000))
    out = bench.map("demo.add", df, a="x", b="y", cluster=client, concurrency=8)
    assert list(out.columns) == ["text", "result", "is_error", "error", "attempts", "duration_ms", "worker"]
    assert list(out.index) == list(df.index)  # in order, same index
    assert out["result"].tolist() == [3 * i for i in range(2000)] and not out["is_error"].any()
    assert out["worker"].nunique() >= 2 and set(out["worker"]) <= set(client.scheduler_info()["workers"])
    history = bench.history(server="demo")  # the workers' calls, batched back into this kernel's catalog
    assert len(history) == 2000 and set(history["tool"]) == {"add"} and (history["status"] == "ok").all()
    assert bench.stats()["calls_by_server"]["demo"] == 2000
    stored = bench.catalog_sync.repo.history(limit=2000, server="demo")  # the previews travelled back too
    assert sorted(int(r.result_preview) for r in stored) == sorted(3 * i for i in range(2000))


def test_a_failing_row_is_a_row_with_its_error(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    df = pd.DataFrame({"a": [1, 2, "seven", 4], "b": [1, 1, 1, 1]}, dtype=object)
    out = bench.map("demo.add", df, cluster=client, retries=2, retry_delay=0.01)
    assert out["is_error"].tolist() == [False, False, True, False] and len(out) == 4
    assert "must be an integer" in out.loc[2, "error"] and out.loc[2, "attempts"] == 1  # argument errors: no retry
    assert out.loc[[0, 1, 3], "result"].tolist() == [2, 3, 5]


def test_a_server_crashing_on_one_worker_mid_job_loses_no_row(bench: Workbench, client: Any, tmp_path: Path) -> None:
    bench.connect("m", command="python", args=MAP_SERVER, cwd=str(ROOT))
    df = pd.DataFrame({"i": range(400)})
    marker = tmp_path / "crashed"
    out = bench.map("m.work", df, constants={"crash_at": 150, "marker": str(marker), "sleep": 0.01},
                    cluster=client, concurrency=4, retries=3, retry_delay=0.05)  # fmt: skip
    assert marker.exists()  # the crash happened
    assert len(out) == 400 and not out["is_error"].any(), out[out["is_error"]]
    assert out["double"].tolist() == [2 * i for i in range(400)]
    assert (out["attempts"] > 1).any()  # the rows in flight when it died were retried (after a reconnect)
    # Without retries the same crash is reported on the rows it hit; every other row is there.
    marker.unlink()
    out = bench.map("m.work", df, constants={"crash_at": 250, "marker": str(marker), "sleep": 0.01},
                    cluster=client, concurrency=4)  # fmt: skip
    failed = out[out["is_error"]]
    assert len(out) == 400 and 1 <= len(failed) <= 4 and failed["error"].str.contains("process exited|connection lost").all()
    ok = out[~out["is_error"]]
    assert (ok["double"] == 2 * ok.index).all()


def test_a_secret_travels_as_a_reference_never_in_the_graph(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS, env={"API_TOKEN": f"${{env:{SECRET_VAR}}}"})
    df = pd.DataFrame({"name": ["API_TOKEN"] * 6})
    out = bench.map("demo.env", df, cluster=client)
    assert out["text"].tolist() == [SECRET] * 6  # resolved on the workers
    plan = argument_plan(bench.tool("demo.env").input_schema, "demo.env", ["name"], {})
    job = dask_map.make_job(bench, "demo.env", plan, {"concurrency": 4})
    assert SECRET.encode() not in cloudpickle.dumps(job) and f"${{env:{SECRET_VAR}}}" in str(job)
    lazy = bench.map("demo.env", dd.from_pandas(df, npartitions=2))
    graph = dict(lazy.__dask_graph__())
    assert SECRET.encode() not in cloudpickle.dumps(graph)
    assert lazy.compute()["text"].tolist() == [SECRET] * 6


def test_a_value_written_inline_never_leaves_the_kernel(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS, env={"MCPWB_INLINE_TOKEN": "sk-inline-value-112233"})
    with pytest.raises(WorkbenchError, match=r"Dask workers lack environment variable MCPWB_INLINE_TOKEN .* \$\{env:VAR\}"):
        bench.map("demo.add", pd.DataFrame({"a": [1], "b": [2]}), cluster=client)


def test_a_dask_dataframe_gives_a_lazy_one_and_its_calls_reach_the_history(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    df = pd.DataFrame({"a": range(40), "b": 1})
    lazy = bench.map("demo.add", dd.from_pandas(df, npartitions=4))
    assert is_lazy(lazy) and list(lazy.columns) == ["text", "result", "is_error", "error", "attempts", "duration_ms",
                                                    "worker"]  # fmt: skip
    assert len(bench.history(server="demo")) == 0  # nothing ran yet
    out = lazy.compute()
    assert out["result"].tolist() == list(range(1, 41)) and list(out.index) == list(range(40))
    assert wait_until(lambda: len(bench.history(server="demo")) == 40, timeout=30)


def test_without_dask_a_one_line_error_says_what_to_install(bench: Workbench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(WorkbenchError, match=r"pip install 'mcp-workbench\[dask\]'") as info:
        bench.map("demo.add", pd.DataFrame({"a": [1], "b": [2]}), cluster=object())
    assert "\n" not in str(info.value)


def test_cluster_takes_a_client(bench: Workbench, client: Any) -> None:
    bench.connect("demo", command="python", args=DEMO_ARGS)
    with pytest.raises(WorkbenchError, match="cluster= takes a dask.distributed Client"):
        bench.map("demo.add", pd.DataFrame({"a": [1], "b": [2]}), cluster="tcp://127.0.0.1:1")


def _ours(pids: set[int]) -> set[int]:
    """Leftovers that are not multiprocessing's resource tracker."""
    left = set()
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "multiprocessing.resource_tracker" not in cmdline:
            left.add(pid)
    return left


def is_lazy(frame: Any) -> bool:
    return dask_map.is_dask_frame(frame) and not isinstance(frame, pd.DataFrame)
