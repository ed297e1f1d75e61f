"""Model endpoint failures: each a one-line ``ModelError`` that says what to do; retries where
they help (rate limits), none where they cannot (no key, nothing listening)."""

from __future__ import annotations

import io
import socket
from typing import Any

import pytest

from mcp_workbench.chat import ChatError, ModelError
from mcp_workbench.chat.display import ChatDisplay
from tests.chat.conftest import FAST
from tests.openai_stub import OpenAIStub, error, text


def test_no_api_key_fails_before_anything_is_stored(demo: Any) -> None:
    chat = demo.chat(servers=["demo"], session="no-key", **FAST)
    with pytest.raises(ModelError, match=r"^no API key: paste it into the API key field") as error:
        chat.send("hello")
    assert "wb.chat(api_key=getpass())" in str(error.value) and "%env" not in str(error.value)  # no key in the notebook
    assert chat.messages().empty


def test_key_from_the_environment_and_base_url_from_openai_base_url(
    demo: Any, stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", stub.url)
    stub.script(text("from env"))
    assert demo.chat(servers=[], **FAST).send("hi").text == "from env"
    assert stub.headers[0]["authorization"] == "Bearer sk-test"


def test_unreachable_endpoint(demo: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    chat = demo.chat(servers=[], base_url=f"http://127.0.0.1:{port}/v1", api_key="k", **FAST)
    with pytest.raises(ModelError, match=rf"could not reach the model endpoint http://127.0.0.1:{port}/v1 .*base_url"):
        chat.send("hello")


def test_rejected_key(demo: Any, stub: OpenAIStub) -> None:
    chat = demo.chat(servers=[], base_url=stub.url, api_key="sk-wrong", **FAST)
    with pytest.raises(ModelError, match=r"rejected the API key \(401: Incorrect API key provided\)"):
        chat.send("hello")


def test_model_without_tool_support(demo: Any, stub: OpenAIStub) -> None:
    stub.script(error(400, "registry.ollama.ai/library/gemma:2b does not support tools"))
    chat = demo.chat(model="gemma:2b", servers=["demo"], base_url=stub.url, api_key="sk-test", **FAST)
    with pytest.raises(ModelError, match=r"model 'gemma:2b' does not support tool calling .*\(servers=\[\]\)"):
        chat.send("hello")


def test_rate_limit_is_retried_with_backoff_then_reported(demo: Any, stub: OpenAIStub) -> None:
    out = io.StringIO()
    stub.script(error(429, "Rate limit reached", headers={"retry-after-ms": "20"}), error(503, "overloaded"),
                text("after retries"))  # fmt: skip
    chat = demo.chat(servers=[], base_url=stub.url, api_key="sk-test", retries=2, **FAST)
    assert chat.send("hi", display=ChatDisplay("text", stream=out)).text == "after retries"
    assert len(stub.requests) == 3
    printed = out.getvalue()
    assert "rate limited (429); retrying in 0.0 s (1/2)" in printed
    assert "the endpoint answered 503; retrying in 0.0 s (2/2)" in printed

    stub.script(*[error(429, "Rate limit reached", headers={"retry-after": "0"})] * 3)
    with pytest.raises(ModelError, match=r"rate limited by .*still 429 Too Many Requests after 2 retries"):
        chat.send("again")
    stub.script(error(429, "You exceeded your current quota", code="insufficient_quota"))
    with pytest.raises(ModelError, match=r"no quota left"):
        chat.send("quota")
    assert len(stub.requests) == 7  # quota errors are not retried


def test_unbound_server_and_bad_options(demo: Any, stub: OpenAIStub) -> None:
    chat = demo.chat(servers=["time"], base_url=stub.url, api_key="sk-test", **FAST)
    with pytest.raises(ChatError, match=r"uses server 'time', which is not connected: connect it"):
        chat.send("hello")
    with pytest.raises(ChatError, match=r"approve='sometimes'"):
        demo.chat(approve="sometimes")
    with pytest.raises(ChatError, match=r"unknown chat option\(s\): colour"):
        demo.chat(colour="blue")
