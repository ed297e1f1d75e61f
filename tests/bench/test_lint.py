"""wb.lint on a server written to break every rule (tests/bench/flawed_server.py), and on the demo."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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


class _PagedServer:
    """A stand-in for ``wb.request``: ``tools/list`` in pages of one, the third page failing if asked."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.asked: list[tuple[str, str, object, object]] = []
        self.fail_at = fail_at

    def request(self, server: str, method: str, params: dict | None = None, *, timeout: float | None = None) -> dict:
        self.asked.append((server, method, params, timeout))
        page = int((params or {}).get("cursor") or 0)
        if page == self.fail_at:
            return {"error": {"code": -32000, "message": "page gone"}}
        more = {"nextCursor": str(page + 1)} if page < 2 else {}
        return {"result": {"tools": [{"name": f"t{page}"}, "not a tool"], **more}}


def test_listings_are_read_page_by_page_and_a_failed_page_names_the_method() -> None:
    from mcp_workbench import ProtocolError
    from mcp_workbench.repro.compare import fetch_pages
    from mcp_workbench.repro.lint import fetch_listing

    paged = _PagedServer()
    assert [p.get("nextCursor") for p in fetch_pages(paged, "s", "tools/list", timeout=3)] == ["1", "2", None]
    assert paged.asked == [("s", "tools/list", None, 3), ("s", "tools/list", {"cursor": "1"}, 3),
                           ("s", "tools/list", {"cursor": "2"}, 3)]  # fmt: skip
    assert [t["name"] for t in fetch_listing(_PagedServer(), "s", "tools/list")] == ["t0", "t1", "t2"]

    with pytest.raises(ProtocolError, match=r"^tools/list failed: page gone$"):
        fetch_pages(_PagedServer(fail_at=1), "s", "tools/list")
    with pytest.raises(ProtocolError, match=r"^s: tools/list failed: page gone$"):  # lint names the server
        fetch_listing(_PagedServer(fail_at=1), "s", "tools/list")
