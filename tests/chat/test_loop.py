"""The tool loop over the demo server (stdio) and the scripted OpenAI server (real client)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from tests.chat.conftest import assert_pairs_intact, calls_since, tool_messages
from tests.openai_stub import OpenAIStub, text, tool_calls

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_multi_round_tool_loop_streams_and_records(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(
        tool_calls(("demo__add", {"a": 2, "b": 3}), content="Let me add. "),
        tool_calls(("demo__echo", {"text": "five"})),
        text("2 + 3 = 5, and the echo said five.", chunk_size=3),
    )
    mark = len(demo.log.snapshot())
    chat = demo.chat(model="gpt-test", servers=["demo"], system="You are terse.", session="math", **chat_options)
    reply = chat.send("What is 2+3?")

    assert reply.text == "2 + 3 = 5, and the echo said five."
    assert [(c.target, c.status, c.text) for c in reply.tool_calls] == [
        ("demo.add", "ok", "5"), ("demo.echo", "ok", "five")]  # fmt: skip
    assert reply.tool_calls[0].arguments == {"a": 2, "b": 3} and reply.tool_calls[0].result.structured is not None
    assert (reply.usage.requests, reply.usage.rounds, reply.usage.tool_calls) == (3, 2, 2)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (33, 21)
    assert reply.stopped == "done" and "2 tool calls" in repr(reply)

    first, second, third = stub.requests
    assert first["model"] == "gpt-test" and first["stream"] is True
    assert first["messages"] == [{"role": "system", "content": "You are terse."},
                                 {"role": "user", "content": "What is 2+3?"}]  # fmt: skip
    names = [t["function"]["name"] for t in first["tools"]]
    assert "demo__add" in names and "demo__delete_all" in names and all(NAME.match(n) for n in names)
    add = next(t for t in first["tools"] if t["function"]["name"] == "demo__add")["function"]
    assert add["parameters"]["required"] == ["a", "b"] and add["description"] == "[demo] Add two integers."
    assert tool_messages(second) == [{"role": "tool", "tool_call_id": "call_1_0", "content": "5"}]
    assert second["messages"][2]["content"] == "Let me add. "
    assert_pairs_intact(third["messages"])
    assert [m["role"] for m in third["messages"]] == ["system", "user", "assistant", "tool", "assistant", "tool"]

    frame = chat.messages()
    assert list(frame.columns) == ["role", "content", "tool_calls", "tool_results", "tokens", "time"]
    assert list(frame["role"]) == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert frame["tool_calls"][2][0] | {"arguments": None} == {
        "id": "call_1_0", "name": "demo__add", "server": "demo", "tool": "add", "arguments": None}  # fmt: skip
    assert frame["tool_results"][3][0]["status"] == "ok" and frame["tokens"][6] == 7
    assert calls_since(demo, mark) == ["add", "echo"]  # tool calls go through the workbench


def test_parallel_tool_calls_run_concurrently(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(
        tool_calls(("demo__slow", {"seconds": 0.6, "steps": 1}), ("demo__slow", {"seconds": 0.6, "steps": 1}),
                   ("demo__add", {"a": 1, "b": 1})),
        text("all done"),
    )  # fmt: skip
    reply = demo.chat(servers=["demo"], **chat_options).send("three at once")
    assert [c.status for c in reply.tool_calls] == ["ok", "ok", "ok"]
    records = [r for r in demo.log.snapshot() if r.tool == "slow"][-2:]
    assert len(records) == 2 and all(r.duration_ms >= 550 for r in records)
    first, second = sorted(records, key=lambda r: r.time)
    assert second.time < first.time + first.duration_ms / 1000 - 0.3, "the two slow calls did not overlap"
    assert [m["tool_call_id"] for m in tool_messages(stub.requests[1])] == ["call_1_0", "call_1_1", "call_1_2"]


def test_approval_denied_is_sent_to_the_model(demo: Any, stub: OpenAIStub, chat_options: dict,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "n")
    stub.script(tool_calls(("demo__delete_all", {"confirm": True}), ("demo__add", {"a": 1, "b": 2})), text("ok"))
    mark = len(demo.log.snapshot())
    reply = demo.chat(servers=["demo"], approve="ask", **chat_options).send("wipe it")
    assert len(asked) == 1 and asked[0].startswith('Run demo.delete_all({"confirm": true}) [destructive]?')
    denied, added = reply.tool_calls
    assert denied.status == "denied" and denied.result is None and added.status == "ok"
    result = tool_messages(stub.requests[1])[0]["content"]
    assert result.startswith("error: demo.delete_all was not run: refused by the user")
    assert calls_since(demo, mark) == ["add"]  # never sent to the server

    monkeypatch.setattr("builtins.input", lambda q: "y")
    stub.script(tool_calls(("demo__delete_all", {"confirm": True})), text("gone"))
    reply = demo.chat(servers=["demo"], approve="ask", **chat_options).send("really")
    assert reply.tool_calls[0].text == "deleted everything (not really, this is a demo)"


@pytest.mark.parametrize(
    ("options", "status"),
    [({"approve": "never"}, "denied"), ({"approve": "auto"}, "ok"),
     ({"approve": lambda r: r.tool != "delete_all"}, "denied"),
     ({"approve": "never", "allow": ["demo.delete_*"]}, "ok")],
)  # fmt: skip
def test_approval_modes(demo: Any, stub: OpenAIStub, chat_options: dict, options: dict, status: str) -> None:
    stub.script(tool_calls(("demo__delete_all", {})), text("ok"))
    reply = demo.chat(servers=["demo"], **options, **chat_options).send("go")
    assert reply.tool_calls[0].status == status


def test_not_read_only_policy_asks_for_unannotated_tools(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    chat = demo.chat(servers=["demo"], approve="never", ask_for="not_read_only", **chat_options)
    needs = chat.tools().set_index("tool")["needs_approval"]
    assert needs["slow"] and needs["delete_all"] and not needs["add"]
    stub.script(tool_calls(("demo__slow", {"seconds": 0}), ("demo__add", {"a": 1, "b": 1})), text("ok"))
    assert [c.status for c in chat.send("go").tool_calls] == ["denied", "ok"]


def test_long_results_are_truncated_for_the_model_only(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    long = "x" * 4000 + "END"
    stub.script(tool_calls(("demo__echo", {"text": long})), text("long"))
    chat = demo.chat(servers=["demo"], max_result_chars=1000, **chat_options)
    reply = chat.send("echo a lot")
    sent = tool_messages(stub.requests[1])[0]["content"]
    assert sent.startswith("x" * 1000) and "END" not in sent
    assert "truncated: 1,000 of 4,003 characters shown; the full result is kept" in sent
    assert reply.tool_calls[0].text == long
    assert chat.messages().query("role == 'tool'")["content"].iloc[0] == long


def test_token_budget_trims_old_turns_and_keeps_tool_pairs(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    chat = demo.chat(servers=["demo"], system="S", token_budget=400, **chat_options)
    for i in range(4):
        stub.script(tool_calls(("demo__echo", {"text": f"{i}" * 300})), text(f"answer {i} " + "y" * 200))
        chat.send(f"question {i} " + "q" * 200)
    last = stub.requests[-1]["messages"]
    assert last[0] == {"role": "system", "content": "S"}
    assert "question 0" not in json.dumps(last) and last[1]["content"].startswith("question 3")
    assert_pairs_intact(last)
    assert len(chat.messages()) == 1 + 4 * 4  # the history keeps everything


def test_max_tool_rounds_ends_with_a_clear_message(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(tool_calls(("demo__add", {"a": 1, "b": 1})), tool_calls(("demo__add", {"a": 2, "b": 2})))
    chat = demo.chat(servers=["demo"], max_tool_rounds=1, **chat_options)
    reply = chat.send("loop forever")
    assert reply.stopped == "max_tool_rounds" and len(stub.requests) == 2
    notice = "Stopped after 1 rounds of tool calls (max_tool_rounds=1); the model still wanted to call demo.add"
    assert notice in reply.text
    assert [c.status for c in reply.tool_calls] == ["ok", "not_run"] and reply.usage.tool_calls == 1
    stub.script(text("fine"))
    assert chat.send("stop then").text == "fine"  # the history is still a valid conversation
    assert_pairs_intact(stub.requests[-1]["messages"])
    assert "max_tool_rounds=1" in tool_messages(stub.requests[-1])[-1]["content"]


def test_malformed_and_invalid_calls_go_back_to_the_model(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(
        tool_calls(("demo__add", '{"a": 1,'), ("demo__add", {"a": "one", "b": 2}), ("demo__nope", {}),
                   ("demo__add", "[1, 2]"), ("demo__fail", {})),
        tool_calls(("demo__add", {"a": 1, "b": 2})),
        text("3"),
    )  # fmt: skip
    reply = demo.chat(servers=["demo"], **chat_options).send("add badly")
    statuses = [c.status for c in reply.tool_calls]
    assert statuses == ["invalid", "invalid", "unknown", "invalid", "error", "ok"] and reply.text == "3"
    bad_json, bad_arg, unknown, not_object, failed = (m["content"] for m in tool_messages(stub.requests[1]))
    assert bad_json.startswith("error: the arguments of demo__add are not valid JSON")
    assert "call the tool again with a JSON object" in bad_json
    assert "argument 'a'" in bad_arg and "fix the arguments" in bad_arg
    assert unknown.startswith("error: there is no tool named 'demo__nope'") and "demo__add" in unknown
    assert "must be a JSON object, got list" in not_object
    assert failed == "error: this tool always fails"


def test_non_streaming_and_async_send(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(tool_calls(("demo__add", {"a": 4, "b": 4})), text("8"))
    chat = demo.chat(servers=["demo"], stream=False, **chat_options)
    assert chat.send("4+4").text == "8" and "stream" not in stub.requests[0]
    stub.script(text("async hello"))
    reply = asyncio.run(chat.asend("hi"))
    assert reply.text == "async hello" and len(chat.messages()) == 6


def test_chat_without_tools_and_with_every_server(demo: Any, stub: OpenAIStub, chat_options: dict) -> None:
    stub.script(text("plain"), text("all"))
    assert demo.chat(servers=[], **chat_options).send("hi").text == "plain"
    assert "tools" not in stub.requests[0]
    demo.chat(**chat_options).send("hi")  # servers=None: every connected server
    assert any(t["function"]["name"] == "demo__add" for t in stub.requests[1]["tools"])


def test_interrupt_cancels_the_turn_and_the_next_turn_still_works(
    demo: Any, stub: OpenAIStub, chat_options: dict
) -> None:
    import _thread
    import threading

    stub.script(tool_calls(("demo__slow", {"seconds": 5, "steps": 5})))
    chat = demo.chat(servers=["demo"], **chat_options)
    timer = threading.Timer(0.8, _thread.interrupt_main)  # a kernel interrupt while the tool runs
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        chat.send("slow please")
    timer.join()
    stub.script(text("ok, skipped"))
    assert chat.send("never mind").text == "ok, skipped"
    sent = stub.requests[-1]["messages"]
    assert_pairs_intact(sent)
    assert tool_messages(stub.requests[-1])[0]["content"].startswith("error: no result (the turn was interrupted")
    assert demo.log.snapshot()[-1].status == "cancelled"
