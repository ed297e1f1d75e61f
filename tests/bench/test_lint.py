"""wb.lint on a server written to break every rule (tests/bench/flawed_server.py), and on the demo."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mcp_workbench import Workbench
from mcp_workbench.repro.lint import COLUMNS, TOKEN_THRESHOLD
from tests.bench.conftest import FLAWED, demo_options

Bench = Callable[..., Workbench]


def test_every_rule_on_a_flawed_server(bench: Bench, tmp_path: Path) -> None:
    wb = bench()
    cassette = tmp_path / "flawed.jsonl"
    wb.record(cassette)
    wb.connect("flawed", command=sys.executable, args=FLAWED)
    assert "structuredContent" in wb.request("flawed", "tools/call", {"name": "counts", "arguments": {}})["result"]
    wb.stop_recording()

    report = wb.lint("flawed", cassette=cassette)
    assert list(report.columns) == COLUMNS
    found = {(r.severity, r.kind, r.name, r.rule) for r in report.itertuples()}
    assert found == {
        ("error", "tool", "twice", "duplicate-name"),
        ("error", "tool", "bad name!", "name-syntax"),
        ("warning", "tool", "dotted.name", "model-name"),
        ("warning", "tool", "silent", "missing-description"),
        ("error", "tool", "bad_input", "input-schema-invalid"),
        ("error", "tool", "bad_output", "output-schema-invalid"),
        ("error", "tool", "needs_b", "required-not-in-properties"),
        ("error", "tool", "counts", "structured-output-mismatch"),
        ("warning", "tool", "both", "annotations-conflict"),
        ("warning", "tool", "verbose", "too-many-tokens"),
        ("error", "prompt", "greet", "duplicate-name"),
        ("error", "prompt", "no words", "name-syntax"),
        ("warning", "prompt", "no words", "missing-description"),
    }
    assert list(report["severity"]) == sorted(report["severity"], key=["error", "warning", "info"].index)
    message = dict(zip(report["rule"], report["message"]))
    assert "at properties/a/type" in message["input-schema-invalid"]
    assert "requires 'b', which it does not define" in message["required-not-in-properties"]
    assert "does not match its outputSchema at n: 'five' is not of type 'integer'" in message["structured-output-mismatch"]

    tokens = wb.tools("flawed").set_index("name")["tokens"]
    assert tokens["verbose"] > TOKEN_THRESHOLD > tokens.drop("verbose").max()
    assert (wb.lint("flawed")["rule"] == "structured-output-mismatch").sum() == 0  # no cassette: nothing recorded to check


def test_the_demo_is_clean(bench: Bench, session: Path) -> None:
    wb = bench()
    wb.connect("demo", **demo_options())
    assert wb.lint("demo", cassette=session).empty
    assert (wb.tools("demo")["tokens"] > 0).all()
    strict = wb.lint("demo", token_threshold=60)  # a stricter budget flags the larger definitions
    assert set(strict["rule"]) == {"too-many-tokens"} and "image" in set(strict["name"])
