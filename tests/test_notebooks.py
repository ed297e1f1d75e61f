"""The notebooks in ``notebooks/``: committed without outputs, each with a ``parameters`` cell and
``kernelspec`` metadata, and each runs top to bottom in a real ipykernel (nbclient)."""

from __future__ import annotations

import importlib.util
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import ROOT, descendants, wait_until

NOTEBOOKS = ROOT / "notebooks"
_spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
assert _spec is not None and _spec.loader is not None
runner: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

def test_committed_notebooks_have_no_outputs_a_parameters_cell_and_a_kernelspec() -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [p.name for p in paths] == [
        "01-tour.ipynb", "02-everything.ipynb", "03-chat.ipynb", "04-batch.ipynb", "05-server-author.ipynb",
    ]  # fmt: skip
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3", path.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        dirty = [i for i, c in enumerate(code) if c.outputs or c.execution_count is not None]
        assert not dirty, f"{path.name}: code cells {dirty} have outputs; clear them before committing"
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


@pytest.fixture
def clean() -> Iterator[None]:
    """The kernel (and every server it started) is gone after each notebook."""
    before = descendants()
    yield
    assert wait_until(lambda: not (descendants() - before), timeout=15), "processes left behind by the notebook"


def run(name: str, tmp_path: Path, setup: str | None = None, **parameters: Any) -> tuple[Any, str]:
    nb = runner.execute(NOTEBOOKS / name, tmp_path / name, parameters, timeout=120, setup=setup)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    return nb, runner.summary(nb)


# The demo of this checkout (a stdio server gets a minimal environment, no PYTHONPATH: plain
# `python -m mcp_workbench.demo` would run whichever copy is installed, maybe with other tools).
CHECKOUT_DEMO = "python -c " + shlex.quote(
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from mcp_workbench.demo.server import main; main()"
)


def test_tour(tmp_path: Path, clean: None, demo_http_url: str) -> None:
    from tests.registry_server import entry, registry_server

    remote = entry({"name": "io.github.example/demo", "description": "The demo over HTTP.", "version": "1.0.0",
                    "remotes": [{"type": "streamable-http", "url": demo_http_url}]})  # fmt: skip
    with registry_server([remote]) as (url, _):
        _, summary = run("01-tour.ipynb", tmp_path, slow_seconds=0.4, table_rows=3, demo_command=CHECKOUT_DEMO,
                         registry_url=url)  # fmt: skip
    assert "<connected demo (stdio, mcp-workbench-demo 1.0.0" in summary
    assert "<connected ws_demo (websocket, mcp-workbench-demo" in summary and "over websocket: 42" in summary
    assert "io.github.example/demo" in summary and "from the registry: 42" in summary
    assert "done after 0.4s - progress: 1/4 2/4 3/4 4/4" in summary and "+1 image(s)" in summary
    assert "item-3" in summary and "MCP workbench dashboard: a live widget" in summary  # its text fallback
    # the MCP App cell: without a front end the output is the result and a line saying why
    assert "ui://demo/counter.html" in summary and "<ToolResult demo.counter ok" in summary
    assert "liftoff after 3 steps | completed" in summary and "mcp-task" in summary  # the live task line
    assert "['django', 'fastapi', 'flask']" in summary and "'4', '40', '41'" in summary
    assert "<Subscription demo demo://counter (active): 1 update(s)" in summary and "count 3" in summary
    assert "warning demo.chatter chatter at warning" in summary and "error demo.chatter" in summary
    assert "debug" not in summary.split("wb.set_log_level")[1].split("links")[0]
    assert "ResourceResult demo demo://readme" in summary


def test_everything(tmp_path: Path, clean: None) -> None:
    _, summary = run("02-everything.ipynb", tmp_path)
    assert "The sum of 2 and 40 is 42." in summary and "Light rain" in summary
    assert "(a scripted model) you asked" in summary and "Name: Ada Lovelace" in summary
    assert "file:///tmp" in summary and "What's weather in Seoul" in summary and "Resource 1:" in summary
    assert "# Research Report: tides | completed |" in summary  # a task, and its result after other cells
    assert "# Research Report: python (programming)" in summary  # input_required answered by the hook
    assert "# Research Report: a plain call" in summary and "simulate-research-query" in summary
    assert "['Engineering'] ['David', 'Eve', 'Frank'] ['7']" in summary  # completions, with context
    assert "['demo://resource/static/document/features.md']" in summary  # the on_update callback's
    assert "<Subscription ev demo://resource/static/document/features.md (ended)" in summary
    assert "Resource 2: This is a plaintext resource" in summary and "ev: log messages at debug and above" in summary


def test_chat_against_the_scripted_endpoint(tmp_path: Path, clean: None) -> None:
    with OpenAIStub() as stub:
        stub.script(tool_calls(("demo__add", {"a": 2, "b": 3})), text("2 + 3 = 5."))
        _, summary = run("03-chat.ipynb", tmp_path, base_url=stub.url, api_key="sk-test", model="scripted")
        assert len(stub.requests) == 2 and stub.unexpected == []
    assert "2 + 3 = 5. | [('demo.add', {'a': 2, 'b': 3}, '5')]" in summary


def test_batch(tmp_path: Path, clean: None) -> None:
    _, summary = run("04-batch.ipynb", tmp_path, rows=50)
    assert "x faster" in summary and "10 rows at 20/s" in summary and "no-such-colour" in summary
    assert "50 rows on 2 Dask workers, in order" in summary and "lazy: DataFrame of 4 partitions" in summary


def test_server_author(tmp_path: Path, clean: None) -> None:
    _, summary = run("05-server-author.ipynb", tmp_path, table_rows=2)
    assert re.search(r"verify session\.jsonl: \d+ same -> OK", summary)
    assert re.search(r"verify session\.jsonl: \d+ same, 2 changed -> CHANGED", summary)
    assert "tools/list add changed input schema changed" in summary and "tools/call table changed" in summary
    assert re.search(r"verify session\.jsonl: \d+ same, 1 changed -> CHANGED", summary)  # the scores ignored
    assert "findings: 0" in summary and "too-many-tokens" in summary
    assert '3 (2, 3) mock: tool \'add\' failed: not in the cassette session.jsonl: demo tools/call' in summary  # the mock
    assert '{"arguments":{"a":5,"b":6},"name":"add"}; closest recorded: {"arguments":{"a":1' in summary
    assert "7 initialize/discover ok" in summary and "connect: doctor: tcp failed: connection refused" in summary
