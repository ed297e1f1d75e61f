"""``%mcp chat`` / ``%%mcp chat`` / ``%mcp chats`` and ``%config McpWorkbench.model`` in a real shell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

import mcp_workbench
from mcp_workbench.chat import settings
from tests.openai_stub import OpenAIStub, text, tool_calls


@pytest.fixture
def shell(tmp_path, monkeypatch) -> Iterator[InteractiveShell]:  # type: ignore[no-untyped-def]
    wb = mcp_workbench.workbench()
    wb.set_store(tmp_path / "catalog.sqlite")
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mcp_workbench")
    saved = (settings.model, settings.base_url, settings.display)
    settings.display = "none"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    yield ip
    ip.run_line_magic("unload_ext", "mcp_workbench")
    ip.config.McpWorkbench.pop("model", None)  # %config persists in the shell's config: leave none behind
    ip.config.McpWorkbench.pop("base_url", None)
    settings.model, settings.base_url, settings.display = saved
    wb.close()


def test_chat_line_and_cell_magics_run_the_tool_loop(shell: InteractiveShell) -> None:
    with OpenAIStub() as stub:
        shell.run_line_magic("config", "McpWorkbench.model = 'scripted-model'")
        shell.run_line_magic("config", f"McpWorkbench.base_url = '{stub.url}'")
        shell.run_line_magic("mcp", "connect cdemo --stdio python -m mcp_workbench.demo")
        stub.script(tool_calls(("cdemo__add", {"a": 2, "b": 3})), text("2 + 3 = 5"))
        reply = shell.run_line_magic("mcp", 'chat --servers cdemo "what is 2+3?"')
        assert reply.text == "2 + 3 = 5" and [c.status for c in reply.tool_calls] == ["ok"]
        assert stub.requests[0]["model"] == "scripted-model"
        stub.script(text("still here"))
        reply = shell.run_cell_magic("mcp", "chat --servers cdemo", "and now?\n")
        assert reply.text == "still here"
        assert any(m.get("content") == "what is 2+3?" for m in stub.requests[-1]["messages"])  # same session
        chats = shell.run_line_magic("mcp", "chats")
        assert "notebook" in set(chats["session"])
    result = shell.run_cell("%mcp chat")
    assert result.error_in_exec is not None and "needs a message" in str(result.error_in_exec)
    assert settings.base_url == stub.url and settings.model == "scripted-model"


def test_chat_magic_never_echoes_a_key(shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: an endpoint that quotes the key back, a missing key, a key passed as an option:
    what the cell shows names no key, and the advice never says %env KEY=... (that prints it)."""
    from IPython.utils.capture import capture_output

    from tests.openai_stub import error

    key = "sk-proj-echoed-back-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with OpenAIStub(api_key=None) as stub:
        stub.script(error(401, f"Incorrect API key provided: {key}. Find your key at ...", code="invalid_api_key"))
        shell.run_line_magic("config", f"McpWorkbench.base_url = '{stub.url}'")
        with capture_output() as cap:
            result = shell.run_cell('%mcp chat --session echo "hi"')
    shown = cap.stdout + cap.stderr + str(result.error_in_exec)
    assert "rejected the API key (401: Incorrect API key provided: ***" in shown and key not in shown
    assert "OPENAI_API_KEY" in shown and "%env" not in shown
    monkeypatch.delenv("OPENAI_API_KEY")
    shell.run_line_magic("config", "McpWorkbench.base_url = ''")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with capture_output() as cap:
        result = shell.run_cell('%mcp chat --session nokey "hi"')
    shown = cap.stdout + cap.stderr + str(result.error_in_exec)
    assert "no API key" in shown and "api_key=getpass()" in shown and "%env" not in shown
    with capture_output() as cap:
        shell.run_cell(f'%mcp chat --api-key {key} "hi"')
    assert "unknown option --api-key" in cap.stderr and key not in cap.stdout + cap.stderr
    assert key not in repr(mcp_workbench.workbench().chat(api_key=key, session="repr", display="none").settings)
