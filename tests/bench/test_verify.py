"""wb.verify: a recorded demo session re-run against live demo servers (the same one, one that
drifted, one with more or fewer tools), over stdio and HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mcp_workbench import Workbench
from mcp_workbench.repro.cassette import CassetteError
from mcp_workbench.repro.jsonpath import PathError
from mcp_workbench.repro.verify import COLUMNS, VerifyReport
from tests.bench.conftest import demo_options, record_session

Bench = Callable[..., Workbench]


def test_the_same_server_answers_the_same(bench: Bench, session: Path) -> None:
    wb = bench()
    wb.connect("demo", **demo_options())
    report = wb.verify(session)
    assert isinstance(report, VerifyReport) and list(report.columns) == COLUMNS
    assert report.ok and set(report["status"]) == {"same"}, report.text()
    methods = set(report["method"])
    assert {"server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list",
            "tools/call", "prompts/get", "resources/read"} <= methods  # fmt: skip
    listed = report[report["method"] == "tools/list"]
    assert set(listed["target"]) == set(wb.tools("demo")["name"])  # one row per tool: schema drift per tool
    calls = report[report["method"] == "tools/call"]
    assert list(calls["target"]) == ["add", "slow", "table", "fail"]
    assert calls["recorded_ms"].notna().all() and calls["live_ms"].notna().all()
    assert report.summary.endswith("-> OK") and report.failures().empty


def test_a_drifted_server_reports_the_schema_change_and_the_changed_result(bench: Bench, session: Path) -> None:
    wb = bench()
    wb.connect("demo2", **demo_options("--drift"))
    report = wb.verify(session, servers={"demo": "demo2"})
    assert not report.ok
    changed = report.failures()
    assert [(r.method, r.target, r.status) for r in changed.itertuples()] == [
        ("tools/list", "add", "changed"), ("tools/call", "table", "changed")]  # fmt: skip
    schema, result = changed.iloc[0], changed.iloc[1]
    assert schema["note"] == "input schema changed" and '+   "c": {' in schema["diff"]
    assert "structuredContent" in result["note"] and '-    "score": 1.5' in result["diff"] and '+    "score": 2.0' in result["diff"]
    assert "demo tools/list add input schema changed" in report.text()

    # The volatile fields ignored, only the schema change is left.
    quiet = wb.verify(session, servers={"demo": "demo2"}, ignore=["$..score", "$.content[*].text"])
    assert [(r.method, r.target) for r in quiet.failures().itertuples()] == [("tools/list", "add")]


def test_tools_removed_since_are_missing_and_new_ones_are_reported(bench: Bench, tmp_path: Path) -> None:
    recorder = bench()
    recorder.record(tmp_path / "more.jsonl")
    recorder.connect("demo", **demo_options("--tools", "2"))
    assert recorder.call("demo.gen_0001").value == 1
    recorder.close()
    recorder.stop_recording()

    wb = bench()
    wb.connect("demo", **demo_options())  # no generated tools
    report = wb.verify(tmp_path / "more.jsonl")
    missing = report[report["status"] == "missing"]
    assert {(r.method, r.target, r.note) for r in missing.itertuples()} == {
        ("tools/list", "gen_0000", "tool removed"), ("tools/list", "gen_0001", "tool removed"),
        ("tools/call", "gen_0001", "tool 'gen_0001' is no longer listed by 'demo'")}  # fmt: skip
    assert report[report["status"] == "changed"].empty

    wb.connect("bigger", **demo_options("--tools", "3"))
    added = wb.verify(tmp_path / "more.jsonl", servers={"demo": "bigger"}).failures()
    assert [(r.target, r.status, r.note) for r in added.itertuples()] == [("gen_0002", "changed", "tool added")]


def test_connect_true_reaches_the_server_as_recorded_and_closes_it(bench: Bench, tmp_path: Path) -> None:
    recorder = bench()
    cassette = record_session(recorder, tmp_path / "c.jsonl", command="python", args=["-m", "mcp_workbench.demo"],
                              inherit_env=True)  # fmt: skip
    spec = next(json.loads(line) for line in cassette.read_text().splitlines() if '"type": "server"' in line)
    assert spec["spec"]["command"] == "python" and spec["spec"]["inherit_env"] is True

    wb = bench()
    report = wb.verify(cassette, connect=True)
    assert report.ok, report.text()
    assert wb.server_names() == []  # what verify connected, it closed

    hidden = record_session(bench(), tmp_path / "secret.jsonl", **demo_options())  # env values are masked on disk
    failed = wb.verify(hidden, connect=True)
    assert set(failed["status"]) == {"error"} and "masked secrets (env)" in failed["note"].iloc[0]


def test_the_same_session_over_http(bench: Bench, tmp_path: Path, demo_http_url: str) -> None:
    cassette = record_session(bench(), tmp_path / "http.jsonl", url=demo_http_url)
    wb = bench()
    wb.connect("demo", url=demo_http_url)
    report = wb.verify(cassette)
    assert report.ok, report.text()
    assert {"initialize", "server/discover"} & set(report["method"])


def test_mistakes_are_one_line_errors_or_error_rows(bench: Bench, session: Path, tmp_path: Path) -> None:
    wb = bench()
    with pytest.raises(CassetteError, match="no cassette at"):
        wb.verify(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text('{"type": "header", "format": 1, "servers": null}\n')
    with pytest.raises(CassetteError, match="holds no requests to verify"):
        wb.verify(tmp_path / "empty.jsonl")
    (tmp_path / "notes.txt").write_text("just some text\n")
    with pytest.raises(CassetteError, match="is not JSON"):
        wb.verify(tmp_path / "notes.txt")
    with pytest.raises(PathError, match=r"must start with \$"):
        wb.verify(session, ignore=["time"])
    report = wb.verify(session)  # nothing connected
    assert set(report["status"]) == {"error"} and not report.ok
    assert "server 'demo' is not connected: connect it first" in report["note"].iloc[0]
