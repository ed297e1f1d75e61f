"""Listings as a person reads them (issue 19, point 2): the display of ``wb.tools()`` and the other
listings is a readable table, while the object stays a DataFrame with every column for code.

Real parts: the demo server over stdio, the SQLite catalog, IPython's own display formatter.
"""

from __future__ import annotations

import pickle
import re
import time

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench import ArgumentError, Workbench
from mcp_workbench.views.cells import ago, ms, one_line
from mcp_workbench.views.frames import HISTORY_COLUMNS, TOOL_COLUMNS
from mcp_workbench.views.readable import Listing


def shown(obj: object) -> dict[str, str]:
    """What a notebook cell shows for ``obj``: IPython's formatter, no extension loaded."""
    data, _ = InteractiveShell.instance().display_formatter.format(obj)
    return data


def test_tools_show_what_a_person_reads_and_keep_every_column(demo: Workbench) -> None:
    demo.call("demo.add", a=1, b=2)
    demo.call("demo.add", a=3, b=4)
    tools = demo.tools()
    assert isinstance(tools, pd.DataFrame) and list(tools.columns) == TOOL_COLUMNS
    assert tools.set_index("name").loc["add", "input_schema"]["required"] == ["a", "b"]  # code sees the schema
    data = shown(tools)
    page, text = data["text/html"], data["text/plain"]
    for raw in ('"properties"', "input_schema", "output_schema", "additionalProperties", "'type': 'object'"):
        assert raw not in page and raw not in text, raw
    assert "<code>demo.add</code>" in page and "Add two integers." in page
    assert "<b>a</b><span style='color:#b00020' title='required'>*</span>" in page  # required marked
    assert "seconds, steps" in page  # optional: unmarked
    assert ">read-only</span>" in page and ">destructive</span>" in page
    add = next(line for line in text.splitlines() if line.startswith("demo.add "))
    assert re.search(r"a\*, b\*\s+read-only\s+2\s+(<1|\d+) ms\s+just now$", add), add  # p50 in whole ms
    assert not re.search(r"\d\.\d{3}", page)  # no durations with decimals, no full timestamps
    assert f"{len(tools)} tools · every column: .df or wb.tools(all_columns=True)" in text
    # every column on request
    for full in (tools.df, demo.tools(all_columns=True)):
        assert type(full) is pd.DataFrame and '"properties"' in shown(full)["text/html"].replace("'", '"')


def test_a_listing_is_still_a_dataframe_for_code(demo: Workbench) -> None:
    tools = demo.tools()
    plain = demo.tools(all_columns=True)
    assert tools.equals(plain) and plain.equals(tools) and len(tools) == len(plain) == len(demo.server("demo").tools)
    assert (tools["name"] == plain["name"]).all()
    assert tools.iloc[0]["server"] == "demo" and tools.loc[0, "name"] == plain.loc[0, "name"]
    destructive = tools[tools["destructive"]]
    assert type(destructive) is pd.DataFrame and list(destructive["name"]) == ["delete_all"]  # operations: plain
    assert type(tools.head()) is pd.DataFrame and type(tools.copy()) is pd.DataFrame
    again = pickle.loads(pickle.dumps(tools))
    assert isinstance(again, Listing) and again.kind == "tools" and again.equals(tools)
    assert "demo.add" in again._repr_html_() and "input_schema" not in again._repr_html_()


def test_prompts_resources_templates_servers_show_readable_columns(demo: Workbench) -> None:
    prompts = shown(demo.prompts())["text/plain"]
    assert prompts.splitlines()[0].split() == ["prompt", "title", "description", "arguments"]
    assert re.search(r"demo.review\s+Code review\s+Ask for a review of a piece of code.\s+code\*, language", prompts)
    resources = demo.resources()
    assert len(resources) > 25 and "size" in resources.columns
    page = shown(resources)["text/html"]
    assert "demo://readme" in page and "text/markdown" in page and f"{len(resources)} resources" in page
    templates = shown(demo.resource_templates())["text/plain"]
    assert "demo://items/{item_id}" in templates and "1 template" in templates
    servers = shown(demo.servers())
    assert "● connected" in servers["text/html"] and "mcp-workbench-demo" in servers["text/plain"]
    assert "connected_at" not in servers["text/plain"] and "just now" in servers["text/plain"]


def test_history_traffic_and_catalog_show_readable_columns(demo: Workbench) -> None:
    demo.trace("demo")
    demo.call("demo.echo", text="a text that is longer than sixty characters, so that it is cut on one line")
    with pytest.raises(ArgumentError):
        demo.call("demo.add", a="x", b=1)  # refused before sending: not in history
    demo.call("demo.fail")
    history = demo.history()
    assert list(history.columns) == HISTORY_COLUMNS and isinstance(history["time"].iloc[0], pd.Timestamp)
    assert list(history["tool"]) == ["echo", "fail"]
    text = shown(history)["text/plain"]
    assert text.splitlines()[0].split() == ["when", "server", "kind", "name", "arguments", "status", "took", "error"]
    assert re.search(r'just now\s+demo\s+tool\s+echo\s+\{"text": "a text that is longer .*…\s+ok\s+(<1|\d+) ms', text)
    assert re.search(r"fail\s+\{\}\s+error\s+(<1|\d+) ms\s+this tool always fails", text)
    page = shown(history)["text/html"]
    assert 'title="{&quot;text&quot;: &quot;a text that is longer than sixty characters' in page  # whole, on hover
    traffic = demo.traffic()
    assert "payload" in traffic.columns and isinstance(traffic["payload"].iloc[0], dict)
    text = shown(traffic)["text/plain"]
    assert "payload" not in text.splitlines()[0] and "→ out" in text and "← in" in text
    assert re.search(r"tools/call\s+\d+\s+(<1|\d+) ms", text)  # a response: its latency, rounded
    catalog = demo.catalog(server="demo")
    assert len(catalog) == len(demo.server("demo").tools) and "p95_ms" in catalog.columns
    text = shown(catalog)["text/plain"]
    assert re.search(r"demo\s+tool\s+echo\s+Echo\s+Return the text unchanged.\s+active\s+read-only\s+1\s", text)


def test_display_limit_and_the_cell_formatters() -> None:
    frame = pd.DataFrame({"server": ["s"] * 30, "name": [f"t{i}" for i in range(30)], "params": [[]] * 30,
                          "required": [[]] * 30})  # fmt: skip
    listing = Listing(frame)
    listing.kind, listing.display_limit = "tools", 5
    assert listing._repr_html_().count("<tr>") == 6 and "30 tools, showing the first 5" in repr(listing)
    listing.display_limit = 0  # the magic's "all"
    assert listing._repr_html_().count("<tr>") == 31
    now = time.time()
    assert [ago(now - s, now=now) for s in (1, 30, 300, 7200, 3 * 86400)] == [
        "just now", "30 s ago", "5 min ago", "2 h ago", "3 days ago"]  # fmt: skip
    assert ago(None) == "never" and ago(pd.NaT) == "never" and re.match(r"\d{4}-\d\d-\d\d", ago(now - 90 * 86400))
    assert (ms(12.345678), ms(0.2), ms(None), ms(1234.5)) == ("12 ms", "<1 ms", "—", "1,234 ms")
    assert one_line("First line\nstill first.\n\nSecond paragraph.") == "First line still first."
    assert one_line("x" * 200, 20) == "x" * 19 + "…"
