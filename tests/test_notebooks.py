"""The notebooks in ``notebooks/``: committed without outputs, each with a ``parameters`` cell and
``kernelspec`` metadata, and each runs top to bottom in a real ipykernel (nbclient)."""

from __future__ import annotations

import importlib.util
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
    assert [p.name for p in paths] == ["01-tour.ipynb", "02-everything.ipynb", "03-chat.ipynb", "04-batch.ipynb"]
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


def run(name: str, tmp_path: Path, **parameters: Any) -> tuple[Any, str]:
    nb = runner.execute(NOTEBOOKS / name, tmp_path / name, parameters, timeout=120)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    return nb, runner.summary(nb)


def test_tour(tmp_path: Path, clean: None, demo_http_url: str) -> None:
    from tests.registry_server import entry, registry_server

    remote = entry({"name": "io.github.example/demo", "description": "The demo over HTTP.", "version": "1.0.0",
                    "remotes": [{"type": "streamable-http", "url": demo_http_url}]})  # fmt: skip
    with registry_server([remote]) as (url, _):
        _, summary = run("01-tour.ipynb", tmp_path, slow_seconds=0.4, table_rows=3, registry_url=url)
    assert "<connected demo (stdio, mcp-workbench-demo 1.0.0" in summary
    assert "<connected ws_demo (websocket, mcp-workbench-demo" in summary and "over websocket: 42" in summary
    assert "io.github.example/demo" in summary and "from the registry: 42" in summary
    assert "done after 0.4s - progress: 1/4 2/4 3/4 4/4" in summary and "+1 image(s)" in summary
    assert "item-3" in summary and "Dashboard(" in summary


def test_everything(tmp_path: Path, clean: None) -> None:
    _, summary = run("02-everything.ipynb", tmp_path)
    assert "The sum of 2 and 40 is 42." in summary and "Light rain" in summary
    assert "(a scripted model) you asked" in summary and "Name: Ada Lovelace" in summary
    assert "file:///tmp" in summary and "What's weather in Seoul" in summary and "Resource 1:" in summary


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
