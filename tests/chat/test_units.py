"""The pure parts: name mapping, trimming, the wire form, elicitation values, settings."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import mcp_types as types
import pytest

from mcp_workbench.chat import ChatSettings, ModelError
from mcp_workbench.core.elicitation import (
    ElicitationRequest,
    accept_defaults,
    coerce,
    to_result,
)
from mcp_workbench.core.requests import roots_of, sampling_messages
from mcp_workbench.chat.messages import Message, to_api
from mcp_workbench.chat.tools import ToolMap, api_name
from mcp_workbench.chat.trimming import trim
from tests.chat.conftest import assert_pairs_intact

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _conn(name: str, *tools: str) -> Any:
    made = {t: SimpleNamespace(description=f"does {t}", title=None, input_schema={}, annotations=None) for t in tools}
    return SimpleNamespace(name=name, tools=made)


def test_api_names_are_valid_unique_and_map_back() -> None:
    long = "t" * 80
    tools = ToolMap([_conn("my.server", "read file", "read_file", long, "ünïcode"), _conn("demo", "add")])
    names = list(tools.by_name)
    assert all(NAME.match(n) for n in names) and len(set(names)) == len(names) == 5
    assert tools.get("demo__add").target == "demo.add"
    assert tools.get("my_server__read_file").tool == "read file"  # first come keeps the plain name
    collided = next(t for t in tools.by_name.values() if t.tool == "read_file")
    assert collided.api_name.startswith("my_server__read_file_") and collided.target == "my.server.read_file"
    assert len(next(n for n in names if n.startswith("my_server__ttt"))) == 64
    assert api_name("a", long) == api_name("a", long)  # stable across kernels (resume needs it)
    assert tools.specs()[0]["function"]["parameters"] == {"type": "object", "properties": {}}


def _turn(i: int, *, calls: int = 1, size: int = 400) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = [{"role": "user", "content": f"q{i} " + "u" * size}]
    ids = [f"c{i}_{k}" for k in range(calls)]
    msgs.append({"role": "assistant", "content": None,
                 "tool_calls": [{"id": c, "type": "function", "function": {"name": "f", "arguments": "{}"}}
                                for c in ids]})
    msgs += [{"role": "tool", "tool_call_id": c, "content": "r" * size} for c in ids]
    msgs.append({"role": "assistant", "content": f"a{i} " + "x" * size})
    return msgs


def test_trimming_drops_old_turns_and_never_splits_tool_pairs() -> None:
    system = [{"role": "system", "content": "S"}]
    messages = system + _turn(0) + _turn(1, calls=3) + _turn(2)
    assert trim(messages, None) == (messages, 0)
    kept, dropped = trim(messages, 700)
    assert kept[0] == system[0] and kept[1]["content"].startswith("q2") and dropped == 4 + 6
    assert_pairs_intact(kept)
    # Only the current turn, and it alone is too big: its oldest tool rounds go, the question stays.
    current = system + [{"role": "user", "content": "q"}] + _turn(5, calls=2)[1:] + _turn(6)[1:]
    kept, dropped = trim(current, 300)
    assert [m["role"] for m in kept] == ["system", "user", "assistant", "tool", "assistant"] and dropped == 4
    assert kept[-1]["content"].startswith("a6")
    assert_pairs_intact(kept)


def test_wire_form_truncates_and_repairs() -> None:
    history = [
        Message("tool", "orphan", tool_results=[{"tool_call_id": "zz"}]),
        Message("user", "hi"),
        Message("assistant", "", [{"id": k, "name": "f", "arguments": "{}"} for k in ("a", "b")]),
        Message("tool", "y" * 500, tool_results=[{"tool_call_id": "a"}]),
        Message("user", "interrupted before b answered"),
    ]  # fmt: skip
    out = to_api(history, 100)
    assert [m["role"] for m in out] == ["user", "assistant", "tool", "tool", "user"]
    assert out[2]["content"].startswith("y" * 100 + "\n[… truncated: 100 of 500")
    assert out[3] == {"role": "tool", "tool_call_id": "b",
                      "content": "error: no result (the turn was interrupted before this call finished)"}  # fmt: skip
    assert out[1]["content"] is None
    assert_pairs_intact(out)


def test_elicitation_values_and_defaults() -> None:
    schema = {"type": "object", "required": ["n"], "properties": {
        "n": {"type": "integer", "default": 3}, "ok": {"type": "boolean", "default": False},
        "pick": {"type": "string", "oneOf": [{"const": "a"}, {"const": "b"}], "default": "a"},
        "many": {"type": "array", "items": {"enum": ["x", "y"]}}}}  # fmt: skip
    request = ElicitationRequest("s", "fill", schema)
    assert accept_defaults(request) == types.ElicitResult(action="accept", content={"n": 3, "ok": False, "pick": "a"})
    assert to_result(request, "decline").action == "decline" and to_result(request, None).action == "cancel"
    assert to_result(request, {"n": 1}).content == {"n": 1}
    assert coerce("yes", {"type": "boolean"}) is True and coerce("2.5", {"type": "number"}) == 2.5
    assert coerce("x, y", schema["properties"]["many"]) == ["x", "y"]
    props = schema["properties"]
    for raw, prop in (("maybe", {"type": "boolean"}), ("c", props["pick"]), ("z", props["many"])):
        with pytest.raises(ValueError):
            coerce(raw, prop)
    url = ElicitationRequest.from_params("s", types.ElicitRequestURLParams(message="log in", url="https://x.test/a"))
    assert url.mode == "url" and accept_defaults(url).action == "accept"


def test_sampling_messages_and_roots(tmp_path: Any) -> None:
    params = types.CreateMessageRequestParams(
        messages=[types.SamplingMessage(role="user", content=[
            types.TextContent(type="text", text="what is this?"),
            types.ImageContent(type="image", data="aGk=", mime_type="image/png")])],
        system_prompt="sys", max_tokens=9)  # fmt: skip
    assert sampling_messages(params) == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}}]},
    ]  # fmt: skip
    roots = roots_of([tmp_path, "file:///srv/data/"])
    assert str(roots[0].uri) == tmp_path.as_uri() and roots[0].name == tmp_path.name
    assert str(roots[1].uri) == "file:///srv/data/" and roots[1].name == "data"


def test_settings_key_and_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelError, match="no API key"):
        ChatSettings().key()
    assert ChatSettings(base_url="http://localhost:11434/v1").key() == "not-needed"  # Ollama needs none
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert ChatSettings().key() == "sk-env" and ChatSettings(api_key="sk-arg").key() == "sk-arg"
    assert ChatSettings().merged(model=None, max_tool_rounds=2).max_tool_rounds == 2
