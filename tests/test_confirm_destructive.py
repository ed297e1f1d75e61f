"""``%mcp call`` asks before a destructive tool, through a real kernel's stdin (issue 19, point 1).

A real ipykernel is driven over the Jupyter protocol, as JupyterLab drives it: a cell is executed
with ``allow_stdin``, the kernel's ``input()`` arrives as an ``input_request`` naming the tool and
its arguments, and the answer goes back on the stdin channel. A front end that does not allow
stdin (nbclient, papermill) gets the one-line refusal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# in the test extra (ipykernel's): missing is an error here, never a skip
from jupyter_client import manager

from tests.servers import ROOT, SUB_ENV, descendants, wait_until


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    env = {**os.environ, **SUB_ENV, "MCP_WORKBENCH_HOME": str(tmp_path_factory.mktemp("home"))}
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(ROOT), env=env)
    pid = km.provisioner.process.pid
    try:
        reply, out = execute(kc, "%load_ext mcp_workbench\n%mcp connect demo --stdio python -m mcp_workbench.demo")
        assert reply["status"] == "ok", out
        yield kc
    finally:
        children = descendants(pid)
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        assert wait_until(lambda: not (children & descendants()), timeout=15), "the kernel left processes behind"


def execute(kc: Any, code: str, answer: str | None = None) -> tuple[dict[str, Any], str]:
    """Run ``code``; an ``input()`` gets ``answer`` (stdin is allowed only when an answer is given).
    Returns the reply content and everything shown (streams, results, errors, input prompts)."""
    shown: list[str] = []

    def output(msg: dict[str, Any]) -> None:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            shown.append(content["text"])
        elif msg["msg_type"] in ("execute_result", "display_data"):
            shown.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            shown.append(f"{content['ename']}: {content['evalue']}")

    def stdin(msg: dict[str, Any]) -> None:
        shown.append("INPUT " + msg["content"]["prompt"])
        kc.input(answer)

    reply = kc.execute_interactive(code, timeout=60, allow_stdin=answer is not None, output_hook=output,
                                   stdin_hook=stdin)  # fmt: skip
    return reply["content"], "".join(shown)


def calls(kc: Any) -> str:
    _, out = execute(kc, "import mcp_workbench; print(sorted(mcp_workbench.workbench().history()['tool']))")
    return out.strip()


def test_the_question_names_tool_and_arguments_and_only_yes_runs_it(kernel: Any) -> None:
    reply, out = execute(kernel, "%mcp call demo.delete_all confirm=true", answer="n")
    assert 'INPUT demo.delete_all is marked destructive. Run demo.delete_all({"confirm": true})? [y/N]' in out
    assert reply["status"] == "error" and "demo.delete_all was not run: not confirmed" in out
    assert calls(kernel) == "[]"  # nothing was sent
    reply, out = execute(kernel, "%mcp call demo.delete_all confirm=true", answer="y")
    assert reply["status"] == "ok" and "deleted everything" in out, out
    assert calls(kernel) == "['delete_all']"
    reply, out = execute(kernel, "%mcp call demo.add a=1 b=2", answer="never asked")
    assert reply["status"] == "ok" and "INPUT" not in out  # only destructive tools ask


def test_a_front_end_without_stdin_gets_a_one_line_refusal(kernel: Any) -> None:
    before = calls(kernel)
    reply, out = execute(kernel, "%mcp call demo.delete_all confirm=true")  # as nbclient runs cells
    assert reply["status"] == "error" and "no one to confirm it here" in out and "INPUT" not in out
    assert "%config McpWorkbench.confirm_destructive = False" in out and calls(kernel) == before
    reply, out = execute(kernel, "%config McpWorkbench.confirm_destructive = False\n%mcp call demo.delete_all confirm=true")
    assert reply["status"] == "ok" and "deleted everything" in out
