"""Requests from a server to the client, with server-everything over stdio: sampling answered
by the chat's model (the scripted endpoint), elicitation by headless hooks or by the user,
and roots from the connection's list."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench.chat import ElicitationRequest, SamplingRequest
from tests.chat.conftest import FAST, tool_messages
from tests.openai_stub import OpenAIStub, text, tool_calls
from tests.servers import wait_until
from tests.third_party import ThirdPartyServerUnavailable, everything_command

SAMPLED = [{"role": "system", "content": "You are a helpful test server."},
           {"role": "user", "content": "Resource trigger-sampling-request context: What is 2+2?"}]  # fmt: skip


def everything() -> dict[str, Any]:
    try:
        command, *args = everything_command("stdio", allow_npx=False)
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)  # CI installs it (.ci/install.sh): missing is a failure
    return {"command": command, "args": args}


def connect_everything(wb: Any, **hooks: Any) -> None:
    """Connect server-everything as ``ev``, then wait until it has asked for the roots (it does
    so 350 ms after the handshake; a close while that request is in flight is slow)."""
    wb.connect("ev", **everything(), **hooks)
    assert wait_until(lambda: "file://" in wb.call("ev.get-roots-list", {}).text, timeout=5)


@pytest.fixture
def ev(bench: Callable[..., Any], tmp_path: Path) -> Iterator[Any]:
    wb = bench()
    connect_everything(
        wb, on_sampling="model", roots=[tmp_path],
        on_elicitation=lambda req: {**req.defaults, "name": "Ada Lovelace", "check": True},
    )  # fmt: skip
    yield wb


def test_sampling_and_elicitation_during_a_chat(ev: Any, stub: OpenAIStub, tmp_path: Path) -> None:
    roots = ev.call("ev.get-roots-list", {}).text
    assert tmp_path.as_uri() in roots and "Current MCP Roots (1 total)" in roots
    stub.script(
        tool_calls(("ev__trigger-sampling-request", {"prompt": "What is 2+2?", "maxTokens": 20})),
        text("Four."),  # the server's sampling request, answered by the chat's model
        tool_calls(("ev__trigger-elicitation-request", {})),
        text("The server got its answers."),
    )
    chat = ev.chat(model="gpt-s", servers=["ev"], approve="auto", base_url=stub.url, api_key="sk-test", **FAST)
    reply = chat.send("Exercise the server")
    assert reply.text == "The server got its answers." and [c.status for c in reply.tool_calls] == ["ok", "ok"]

    sampling = stub.requests[1]
    assert sampling["messages"] == SAMPLED and sampling["model"] == "gpt-s"
    assert sampling["max_tokens"] == 20 and sampling["temperature"] == 0.7
    assert "tools" not in sampling and not sampling.get("stream")
    answer = json.loads(reply.tool_calls[0].text.partition("\n")[2])
    assert answer["content"] == {"type": "text", "text": "Four."} and answer["model"] == "gpt-s"
    assert answer["stopReason"] == "endTurn"
    assert "LLM sampling result" in tool_messages(stub.requests[2])[0]["content"]

    elicited = reply.tool_calls[1].text
    assert "✅ User provided the requested information!" in elicited
    assert "- Name: Ada Lovelace" in elicited and "- Agreed to terms: true" in elicited
    assert "- Favorite Integer: 42" in elicited and "- Favorite Number: 3.14" in elicited  # the schema's defaults


def test_sampling_asks_first_and_a_refusal_reaches_the_server(
    ev: Any, stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "no")
    stub.script(tool_calls(("ev__trigger-sampling-request", {"prompt": "What is 2+2?"})), text("Refused, fine."))
    chat = ev.chat(servers=["ev"], approve="ask", base_url=stub.url, api_key="sk-test", **FAST)
    reply = chat.send("Try sampling")
    assert asked == [
        "Server 'ev' asks the model: 'Resource trigger-sampling-request context: What is 2+2?'. Allow? [y/N] "
    ]
    assert len(stub.requests) == 2  # the model was never asked on the server's behalf
    assert reply.tool_calls[0].status == "error" and "sampling request refused" in reply.tool_calls[0].text


def test_workbench_hooks_headless_and_interactive(bench: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    wb = bench()
    wb.interactive_requests = True  # what the notebook's workbench does: roots default to the cwd
    seen: list[Any] = []
    wb.on_elicitation("accept_defaults")
    wb.on_sampling(lambda req: seen.append(req) or f"hooked: {req.text}")
    connect_everything(wb)
    assert Path.cwd().as_uri() in wb.call("ev.get-roots-list", {}).text

    sampled = wb.call("ev.trigger-sampling-request", prompt="hi", maxTokens=5).text
    assert '"text": "hooked: Resource trigger-sampling-request context: hi"' in sampled
    request = seen[0]
    assert isinstance(request, SamplingRequest) and request.server == "ev" and request.max_tokens == 5

    # accept_defaults: the schema's required "name" has no default, so it declines.
    declined = wb.call("ev.trigger-elicitation-request", {}).text
    assert "❌ User declined to provide the requested information." in declined

    @wb.on_elicitation  # hooks are looked up per request: a new one applies at once
    async def fill(req: ElicitationRequest) -> dict[str, Any]:
        assert req.server == "ev" and req.required == ["name"] and req.defaults["integer"] == 42
        return {"name": "Grace", "integer": 7}

    accepted = wb.call("ev.trigger-elicitation-request", {}).text
    assert "- Name: Grace" in accepted and "- Favorite Integer: 7" in accepted

    wb.on_elicitation("ask")  # the interactive default: input(), Enter keeps a default
    answers = iter(["a", "Hopper", "yes", "", "", "", "", "x", "8"])
    questions: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: questions.append(q) or next(answers, ""))
    asked = wb.call("ev.trigger-elicitation-request", {}).text
    assert "- Name: Hopper" in asked and "- Agreed to terms: true" in asked and "- Favorite Integer: 8" in asked
    assert questions[0].startswith("[ev] Please provide inputs for the following fields:")
    assert "  Integer (integer) [42]: " in questions
    assert "  invalid literal for int() with base 10: 'x'; integer again: " in questions

    wb.on_elicitation("cancel")
    assert "⚠️ User cancelled the elicitation dialog." in wb.call("ev.trigger-elicitation-request", {}).text


def test_capabilities_follow_the_hooks(bench: Callable[..., Any]) -> None:
    wb = bench()
    wb.on_sampling("model")
    wb.connect("ev", **everything(), on_sampling=False)  # off for this connection; nothing else set
    names = set(wb.tools("ev")["name"])
    assert not names & {"trigger-sampling-request", "trigger-elicitation-request", "get-roots-list"}
    assert wb.requests.callbacks("other").sampling is not None  # the workbench-wide hook still holds elsewhere
