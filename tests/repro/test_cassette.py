"""Record a session against the real demo server, replay it in a new Workbench with the server absent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import ProtocolError
from mcp_workbench.repro.cassette import Cassette, CassetteError
from tests.repro.conftest import SECRET, Answers
from tests.servers import DEMO_ARGS, descendants, wait_until, DEMO_TOOLS
from tests.third_party import ThirdPartyServerUnavailable, everything_command

ABSENT = {"command": "no-such-mcp-server-command"}  # replay must never start it


def session(wb: Any) -> dict[str, Any]:
    """Everything a notebook might look at, in comparable form."""
    progress: list[tuple[float, float | None, str | None]] = []
    out = {
        "tools": list(wb.tools("demo")["name"]),
        "prompts": list(wb.prompts("demo")["name"]),
        "resources": len(wb.resources("demo")),
        "add": (wb.call("demo.add", a=1, b=2).text, wb.call("demo.add", a=1, b=2).structured),
        "slow": wb.call("demo.slow", seconds=0.1, steps=2, on_progress=lambda *a: progress.append(a)).text,
        "table": wb.call("demo.table", rows=3).df.to_dict("records"),
        "image": wb.call("demo.image", width=4, height=2, color="blue").images[0].data,
        "fail": (wb.call("demo.fail", message="nope").is_error, wb.call("demo.fail", message="nope").text),
        "env": wb.call("demo.env", name="DEMO_TOKEN").text,
        "prompt": wb.get_prompt("demo.review", code="x = 1").text,
        "readme": wb.read("demo", "demo://readme").text,
        "item": wb.read("demo", "demo://items/42").json,
    }
    out["progress"] = progress
    wb.call("demo.add_tool", name="late_tool")  # a list_changed notification, then a refresh
    assert wait_until(lambda: "late_tool" in set(wb.tools("demo")["name"]), timeout=5)
    return out


@pytest.fixture(params=["stdio", "http", "websocket"])
def target(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(transport, how to reach the live server, a target that reaches nothing); asked for before
    ``bench``, so a module's loopback server is not taken for a leftover process."""
    if request.param == "stdio":
        return "stdio", {"command": "python", "args": DEMO_ARGS, "env": {"DEMO_TOKEN": SECRET}}, ABSENT
    url = request.getfixturevalue("demo_http_url" if request.param == "http" else "demo_ws_url")
    live = {"url": url, "headers": {"Authorization": f"Bearer {SECRET}"}}
    return request.param, live, {"url": url.split("://")[0] + "://127.0.0.1:9/mcp"}


def test_a_recorded_session_replays_identically_with_no_server(
    target: tuple[str, dict[str, Any], dict[str, Any]], bench: Callable[..., Any], tmp_path: Path
) -> None:
    cassette = tmp_path / "session.jsonl"
    transport, live, absent = target
    recorder = bench()
    recorder.record(cassette)
    recorder.connect("demo", **live)
    original = session(recorder)
    recorder.close()
    assert recorder.stop_recording() == cassette

    text = cassette.read_text()
    assert SECRET not in text  # neither the env value (returned by demo.env) nor the header
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["type"] == "header" and {e["server"] for e in lines[1:]} == {"demo"}
    calls = [e for e in lines[1:] if e["type"] == "call"]  # "server" lines keep how it was reached
    assert any(e["method"] == "tools/call" and e["params"]["name"] == "slow" and e["events"] for e in calls)

    before = descendants()
    player = bench()
    player.replay(cassette)
    info = player.connect("demo", **absent)
    assert info.tools == DEMO_TOOLS and info.server == "mcp-workbench-demo 1.0.0"
    replayed = session(player)
    assert descendants() == before  # nothing was started
    if transport == "stdio":
        assert original.pop("env") == SECRET and replayed.pop("env") == "***"  # masked on disk
    assert replayed == original
    assert [p for p, _, _ in replayed["progress"]] == [1, 2]
    assert list(player.history()["status"]) == list(recorder.history()["status"])


def test_a_request_not_in_the_cassette_is_an_error_naming_it(bench: Callable[..., Any], tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    recorder = bench()
    recorder.record(cassette)
    recorder.connect("demo", command="python", args=DEMO_ARGS)
    assert recorder.call("demo.add", a=1, b=2).text == "3"
    recorder.close()
    recorder.stop_recording()

    player = bench()
    player.replay(cassette)
    player.connect("demo", **ABSENT)
    assert player.call("demo.add", a=1, b=2).text == "3"
    assert player.call("demo.add", a=1, b=2).text == "3"  # re-running a cell: the last answer repeats
    with pytest.raises(ProtocolError) as caught:
        player.call("demo.add", a=5, b=6)
    message = str(caught.value)
    assert "not in the cassette c.jsonl: demo tools/call" in message and '"arguments":{"a":5,"b":6}' in message
    assert '"a":1' in message and "new_episodes" in message  # the closest recording, and the way out
    assert player.call("demo.add", a=1, b=2).text == "3"  # the connection is still fine

    with pytest.raises(CassetteError, match="no cassette at"):
        player.replay(tmp_path / "missing.jsonl")


def test_new_episodes_passes_through_to_the_real_server_and_appends(bench: Callable[..., Any], tmp_path: Path) -> None:
    cassette = tmp_path / "episodes.jsonl"
    recorder = bench()
    recorder.record(cassette)
    recorder.connect("demo", command="python", args=DEMO_ARGS)
    recorder.call("demo.add", a=1, b=2)
    recorder.close()
    recorder.stop_recording()
    lines_before = len(cassette.read_text().splitlines())

    before = descendants()
    middle = bench()
    middle.replay(cassette, mode="new_episodes")
    middle.connect("demo", command="python", args=DEMO_ARGS)
    assert middle.call("demo.add", a=1, b=2).text == "3"
    assert descendants() == before  # all of it came from the cassette so far
    progress: list[Any] = []
    assert middle.call("demo.slow", seconds=0.05, steps=2, on_progress=lambda *a: progress.append(a)).text.startswith("done")
    assert len(progress) == 2 and descendants() - before  # the real server answered
    assert middle.call("demo.add", a=5, b=6).text == "11"
    middle.close()
    middle.stop_replay()
    appended = [json.loads(line) for line in cassette.read_text().splitlines()[lines_before:]]
    assert [(e["method"], e["params"].get("name")) for e in appended] == [("tools/call", "slow"), ("tools/call", "add")]

    final = bench()
    final.replay(cassette)
    final.connect("demo", **ABSENT)
    assert final.call("demo.add", a=5, b=6).text == "11"
    assert final.call("demo.slow", seconds=0.05, steps=2).text.startswith("done")


def test_sampling_and_elicitation_are_answered_again_on_replay(bench: Callable[..., Any], tmp_path: Path) -> None:
    try:
        argv = everything_command("stdio", allow_npx=False)
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    cassette = tmp_path / "everything.jsonl"
    answers = Answers()
    recorder = bench(callbacks=answers.callbacks())
    recorder.record(cassette)
    recorder.connect("ev", command=argv[0], args=argv[1:])
    sampled = recorder.call("ev.trigger-sampling-request", prompt="2+2?", maxTokens=10).text
    elicited = recorder.call("ev.trigger-elicitation-request", {}).text
    time.sleep(0.5)  # server-everything asks for the roots shortly after the handshake
    recorder.close()
    recorder.stop_recording()
    assert (answers.sampled, answers.elicited) == (1, 1) and "echo: " in sampled and "Ada" in elicited

    again = Answers()
    player = bench(callbacks=again.callbacks())
    player.replay(cassette)
    player.connect("ev", **ABSENT)
    assert player.call("ev.trigger-sampling-request", prompt="2+2?", maxTokens=10).text == sampled
    assert player.call("ev.trigger-elicitation-request", {}).text == elicited
    assert (again.sampled, again.elicited) == (1, 1)  # the recorded server asked the callbacks again


def test_model_turns_for_the_chat(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "api_key": SECRET}
    recording = Cassette.create(path)
    recording.record_model_turn(request, {"text": "hello", "tool_calls": []})
    recording.record_model_turn(request, {"text": "hello again", "tool_calls": []})
    recording.close()
    assert SECRET not in path.read_text()

    once = Cassette.load(path)
    assert once.lookup_model_turn(request)["text"] == "hello"
    assert once.lookup_model_turn(request)["text"] == "hello again"
    with pytest.raises(CassetteError, match="not in the cassette chat.jsonl: model request"):
        once.lookup_model_turn({**request, "messages": []})
    episodes = Cassette.load(path, "new_episodes")
    assert episodes.lookup_model_turn({**request, "model": "other"}) is None  # ask the model, then:
    episodes.record_model_turn({**request, "model": "other"}, {"text": "new"})
    episodes.close()
    assert Cassette.load(path).lookup_model_turn({**request, "model": "other"}) == {"text": "new"}


def test_a_chat_replays_with_no_model_and_no_server(
    bench: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.openai_stub import OpenAIStub, text, tool_calls

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    cassette = tmp_path / "chat.jsonl"
    options = {"servers": ["demo"], "session": "replayed", "display": "none", "model": "scripted"}
    with OpenAIStub() as stub:
        stub.script(tool_calls(("demo__add", {"a": 20, "b": 22})), text("20 + 22 = 42"))
        recorder = bench()
        recorder.record(cassette)
        recorder.connect("demo", command="python", args=DEMO_ARGS)
        first = recorder.chat(base_url=stub.url, **options).send("what is 20 + 22?")
        recorder.close()
        recorder.stop_recording()
    assert first.text == "20 + 22 = 42"

    player = bench()  # a new kernel and store: the model endpoint and the server are both gone
    player.replay(cassette)
    player.connect("demo", **ABSENT)
    again = player.chat(base_url=stub.url, **options).send("what is 20 + 22?")
    assert again.text == first.text and [c.status for c in again.tool_calls] == ["ok"]
    assert again.tool_calls[0].result.value == 42
