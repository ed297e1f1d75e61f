"""Streamable HTTP and SSE over real loopback sockets, config files, env handling, secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcp_workbench import ConfigError, ConnectionFailedError, Workbench
from tests.servers import DEMO_ARGS, descendants, wait_until, DEMO_TOOLS

SECRET = "sk-planted-0123456789"


def test_streamable_http(wb: Workbench, demo_http_url: str) -> None:
    info = wb.connect("web", url=demo_http_url)
    assert info.transport == "http" and info.tools == DEMO_TOOLS
    assert wb.call("web.add", a=2, b=3).value == 5
    assert len(wb.resources("web")) == 29
    progress: list[float] = []
    wb.call("web.slow", seconds=0.1, steps=2, on_progress=lambda p, t, m: progress.append(p))
    assert progress == [1, 2]
    assert wb.ping("web").iloc[0]["latency_ms"] > 0


def test_sse(wb: Workbench, demo_sse_url: str) -> None:
    info = wb.connect("old", url=demo_sse_url, transport="sse")
    assert info.transport == "sse"
    assert wb.call("old.echo", text="over sse").text == "over sse"
    assert wb.get_prompt("old.summarize", text="abc").messages


def test_unreachable_url_is_a_clear_error(wb: Workbench) -> None:
    from tests.servers import free_port

    with pytest.raises(ConnectionFailedError, match="could not connect to 'down'"):
        wb.connect("down", url=f"http://127.0.0.1:{free_port()}/mcp", connect_timeout=5)


def test_headers_from_env_are_resolved_but_never_shown(
    wb: Workbench, demo_http_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCPWB_TEST_TOKEN", SECRET)
    wb.connect("auth", url=demo_http_url, headers={"Authorization": "Bearer ${env:MCPWB_TEST_TOKEN}"})
    assert wb.call("auth.add", a=1, b=1).value == 2
    shown = wb.servers().to_string() + repr(wb.server("auth").spec) + json.dumps(
        wb.server("auth").spec.to_safe_dict()
    )
    assert SECRET not in shown
    assert "${env:MCPWB_TEST_TOKEN}" in json.dumps(wb.server("auth").spec.to_safe_dict())


def test_unset_env_reference_is_an_error_not_an_empty_string(wb: Workbench, demo_http_url: str) -> None:
    os.environ.pop("MCPWB_UNSET_VAR", None)
    with pytest.raises(ConfigError, match="MCPWB_UNSET_VAR is not set"):
        wb.connect("auth", url=demo_http_url, headers={"Authorization": "Bearer ${env:MCPWB_UNSET_VAR}"})


def test_stdio_env_minimal_by_default_merged_and_inheritable(wb: Workbench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPWB_KERNEL_ONLY", "from-kernel")
    wb.connect("demo", command="python", args=DEMO_ARGS, env={"X": "1"})
    assert wb.call("demo.env", name="X").text == "1"
    assert wb.call("demo.env", name="MCPWB_KERNEL_ONLY").text == "<unset>"
    assert wb.call("demo.env", name="PATH").text != "<unset>"
    wb.connect("full", command="python", args=DEMO_ARGS, inherit_env=True)
    assert wb.call("full.env", name="MCPWB_KERNEL_ONLY").text == "from-kernel"


def test_env_secrets_never_reach_reprs_frames_history_or_errors(wb: Workbench) -> None:
    wb.connect("demo", command="python", args=DEMO_ARGS, env={"API_TOKEN": SECRET})
    r = wb.call("demo.env", name="API_TOKEN")
    assert r.text == SECRET  # the data itself is the user's
    wb.call("demo.echo", text=f"token is {SECRET}")
    with pytest.raises(Exception) as info:
        wb.call("demo.add", a=SECRET, b=1)
    shown = "\n".join(
        [repr(r), str(r._repr_mimebundle_()), wb.history().to_string(), repr(wb.history()["arguments"].tolist()),
         wb.servers().to_string(), wb.tools().to_string(), str(info.value), repr(wb)]
    )  # fmt: skip
    assert SECRET not in shown and "***" in shown


def test_load_config_connects_all_in_parallel(wb: Workbench, tmp_path: Path, demo_http_url: str) -> None:
    baseline = descendants()
    config = {
        "mcpServers": {
            "one": {"command": "python", "args": DEMO_ARGS},
            "two": {"command": "python", "args": DEMO_ARGS, "env": {"X": "2"}},
            "web": {"url": demo_http_url, "type": "http"},
            "off": {"command": "python", "args": DEMO_ARGS, "disabled": True},
            "bad": {"command": "python", "args": ["-c", "import sys; sys.exit('bad server')"]},
        }
    }
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(config))
    df = wb.load_config(path).set_index("name")
    assert set(df.index) == {"one", "two", "web", "bad"}
    assert (df.loc[["one", "two", "web"], "status"] == "connected").all()
    assert df.loc["bad", "status"] == "error" and "bad server" in df.loc["bad", "last_error"]
    assert wb.call("two.env", name="X").text == "2"
    wb.close()
    assert wait_until(lambda: descendants() == baseline)


def test_vscode_servers_format(wb: Workbench, tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"servers": {"demo": {"type": "stdio", "command": "python", "args": DEMO_ARGS}}}))
    assert wb.load_config(path).iloc[0]["status"] == "connected"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "invalid JSON at line 1 column 2"),
        ("[]", "expected a JSON object"),
        ('{"other": {}}', "no 'mcpServers'"),
        ('{"mcpServers": {"x": {}}}', "needs a command"),
        ('{"mcpServers": {"x.y": {"command": "a"}}}', "invalid server name"),
        ('{"mcpServers": {"x": {"url": "ftp://h"}}}', "must start with http"),
        ('{"mcpServers": {"x": {"url": "http://h", "type": "carrier-pigeon"}}}', "unknown transport"),
        ('{"mcpServers": {"x": {"command": "a", "args": "-m x"}}}', "args must be a list"),
    ],
)
def test_bad_config_files_give_one_line_errors(wb: Workbench, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        wb.load_config(path)
    assert "\n" not in str(info.value)


def test_missing_config_file(wb: Workbench, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        wb.load_config(tmp_path / "nope.json")


def test_connect_argument_mistakes(wb: Workbench) -> None:
    with pytest.raises(ConfigError, match="needs a command"):
        wb.connect("x")
    with pytest.raises(ConfigError, match="not both"):
        wb.connect("x", command="a", url="http://h")
    with pytest.raises(TypeError, match="unexpected keyword argument .cmd."):  # a typed signature
        wb.connect("x", command="a", cmd="b")
