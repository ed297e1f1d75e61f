"""Planted secrets appear nowhere the workbench writes or shows.

Four secrets are planted: an env value of a stdio server, an HTTP header (``Authorization:
Bearer ...``), a value under a secret-looking key in a config file (``X-Api-Key``), and a
``${env:VAR}`` reference in a config file resolved from the environment. The bad server then
hands each back (tool results, stderr, JSON-RPC errors, a crash's last words), so every path
that could leak one carries it. None may appear in the catalog store (SQLite bytes and
``pg_dump``), history, traffic buffers, cassettes, DataFrames, widget state, reprs, error
messages, an exported history script, or any ``mcp_workbench*`` log at DEBUG.
"""

from __future__ import annotations

import json
import logging
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import ConnectionFailedError, ProtocolError, Workbench, WorkbenchError
from tests.faults.harness import BAD_ARGS, bad_http_server
from tests.repository.conftest import PG_DSN, PG_SKIP, _drop_schema, pg_tool

REF_VAR = "MCPWB_PLANTED_REF"


def _secret(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


class Capture(logging.Handler):
    """Every record of every ``mcp_workbench*`` logger, at DEBUG, formatted as it would be."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs() -> Iterator[Capture]:
    capture = Capture()
    logger = logging.getLogger("mcp_workbench")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    yield capture
    logger.removeHandler(capture)
    logger.setLevel(old_level)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Where the catalog goes, and how to read back every byte of it."""
    if request.param == "sqlite":
        path = tmp_path / "catalog.sqlite"
        yield {"store": path, "dump": lambda: b"".join(p.read_bytes() for p in tmp_path.glob("catalog.sqlite*"))}
        return
    if not PG_DSN:
        pytest.skip(PG_SKIP)
    from mcp_workbench.catalog.repository.postgres import PostgresRepository

    schema = f"t_{uuid.uuid4().hex[:12]}"

    def dump() -> bytes:
        out = subprocess.run([pg_tool("pg_dump"), "--dbname", PG_DSN, "--schema", schema, "--inserts"],
                             capture_output=True, timeout=60, check=True)  # fmt: skip
        assert b"CREATE TABLE" in out.stdout
        return out.stdout

    yield {"store": PostgresRepository(PG_DSN, schema=schema), "dump": dump}
    _drop_schema(PG_DSN, schema)


def _texts(value: Any) -> str:
    """Everything a value can show: repr, str, and its rich display."""
    parts = [repr(value), str(value)]
    for name in ("_repr_mimebundle_", "_repr_html_"):
        method = getattr(value, name, None)
        if callable(method):
            parts.append(json.dumps(method(), default=str))
    return "\n".join(parts)


def _frame_texts(frame: Any) -> str:
    return "\n".join([frame.to_csv(), frame.to_json(default_handler=str, date_format="iso"), _texts(frame)])


def _widget_state(wb: Workbench) -> str:
    """The state every widget of the dashboard would send to the browser."""
    from ipywidgets import Widget

    board = wb.dashboard()
    try:
        return json.dumps([w.get_state() for w in list(Widget.widgets.values())], default=str)
    finally:
        board.close()


def test_planted_secrets_never_leak(
    tmp_path: Path, store: dict[str, Any], debug_logs: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_secret, header_secret, config_secret, ref_secret = (
        _secret("envsecret"), _secret("hdrsecret"), _secret("cfgsecret"), _secret("refsecret"))  # fmt: skip
    secrets = {"env value": env_secret, "header": header_secret, "config key": config_secret,
               "env reference": ref_secret}  # fmt: skip
    monkeypatch.setenv(REF_VAR, ref_secret)
    shown: dict[str, str] = {}  # where -> text

    wb = Workbench(idle_timeout=None, store=store["store"])
    with bad_http_server() as url:
        try:
            wb.trace()  # every server, also those connected later
            wb.record(tmp_path / "cassette.jsonl")
            infos = [
                wb.connect("envsrv", command="python", args=BAD_ARGS, env={"SERVICE_API_TOKEN": env_secret}),
                wb.connect("hdrsrv", url=url, headers={"Authorization": f"Bearer {header_secret}"}),
            ]
            config = tmp_path / "mcp.json"
            config.write_text(json.dumps({"mcpServers": {
                "cfgsrv": {"url": url, "headers": {"X-Api-Key": config_secret}},
                "refsrv": {"command": "python", "args": BAD_ARGS, "env": {"GITHUB_TOKEN": f"${{env:{REF_VAR}}}"}},
            }}))  # fmt: skip
            shown["load_config frame"] = _frame_texts(wb.load_config(config, strict=True))

            # Each server hands its secret back: the attributes keep the data, displays must not show it.
            results = {
                "envsrv": wb.call("envsrv.reveal", name="SERVICE_API_TOKEN"),
                "hdrsrv": wb.call("hdrsrv.reveal", name="authorization"),
                "cfgsrv": wb.call("cfgsrv.reveal", name="x-api-key"),
                "refsrv": wb.call("refsrv.reveal", name="GITHUB_TOKEN"),
            }
            assert [r.text for r in results.values()] == [env_secret, f"Bearer {header_secret}", config_secret,
                                                          ref_secret]  # fmt: skip
            results["args"] = wb.call("envsrv.echo", text=f"my token is {env_secret}", password=ref_secret)
            results["whisper"] = wb.call("envsrv.whisper", text=f"stderr: {env_secret} {ref_secret}")
            results["prompt"] = wb.get_prompt("envsrv.hostile")
            results["read"] = wb.read("envsrv", (Path.cwd() / "notes.txt").as_uri())
            errors: list[str] = []
            for target, text in (("envsrv", env_secret), ("hdrsrv", f"Bearer {header_secret}"),
                                 ("cfgsrv", config_secret), ("refsrv", ref_secret)):  # fmt: skip
                with pytest.raises(ProtocolError) as info:
                    wb.call(f"{target}.error", text=f"rejected credentials {text}")
                errors.append(str(info.value))
            wb.call("envsrv.whisper", text=f"last words {env_secret}")
            with pytest.raises(ConnectionFailedError) as info:  # the crash error carries the stderr tail
                wb.call("envsrv.crash")
            errors.append(str(info.value))
            assert "last words" in errors[-1]
            for bad in (lambda: wb.connect("nohost", url="http://127.0.0.1:9/mcp", headers={"X-Token": env_secret}),
                        lambda: wb.call("envsrv.echo", text=123, api_key=env_secret)):  # fmt: skip
                with pytest.raises(WorkbenchError) as info:
                    bad()
                errors.append(str(info.value))
            shown["errors"] = "\n".join(errors)
            shown["results"] = "\n".join(_texts(r) for r in results.values())
            shown["connect infos"] = "\n".join(map(repr, infos))
            shown["specs"] = "\n".join(repr(c.spec) + json.dumps(c.spec.to_safe_dict()) for c in wb.server_views())
            shown["workbench"] = repr(wb) + json.dumps(wb.stats(), default=str)
            for name in ("servers", "tools", "prompts", "resources", "resource_templates", "history", "traffic",
                         "catalog", "catalog_changes"):  # fmt: skip
                shown[f"wb.{name}()"] = _frame_texts(getattr(wb, name)())
            assert len(wb.traffic()) > 20 and "stderr" in set(wb.traffic()["kind"])
            shown["traffic buffers"] = json.dumps(
                [(r.kind, r.payload) for t in wb.service.monitor.traces.values() for r in t.snapshot()], default=str)
            shown["widget state"] = _widget_state(wb)
            assert "envsrv.reveal" in shown["widget state"]  # the dashboard's state holds the calls shown above
            wb.stop_recording()
            shown["cassette"] = (tmp_path / "cassette.jsonl").read_text()
            assert "tools/call" in shown["cassette"]
            shown["exported script"] = wb.export_history(tmp_path / "calls.py").read_text()
        finally:
            wb.close()
            if wb.catalog_sync is not None:
                wb.catalog_sync.close()
    shown["catalog store"] = store["dump"]().decode("utf-8", "replace")
    assert "reveal" in shown["catalog store"]
    shown["logs at DEBUG"] = "\n".join(debug_logs.lines)
    assert "stderr:" in shown["logs at DEBUG"]

    leaks = [f"{kind} in {where}: ...{_around(text, secret)}..." for where, text in shown.items()
             for kind, secret in secrets.items() if secret in text]  # fmt: skip
    assert not leaks, "\n".join(leaks)


def _around(text: str, secret: str, width: int = 60) -> str:
    at = text.index(secret)
    return text[max(0, at - width) : at + len(secret) + 10].replace("\n", " ")


def test_a_bearer_token_echoed_without_its_scheme_is_masked(tmp_path: Path) -> None:
    token = _secret("bare")
    wb = Workbench(idle_timeout=None, store=False)
    with bad_http_server() as url:
        try:
            wb.connect("hdr", url=url, headers={"Authorization": f"Bearer {token}"})
            result = wb.call("hdr.reveal", name="authorization:credentials")
            assert result.text == token
            with pytest.raises(ProtocolError) as info:
                wb.call("hdr.error", text=f"invalid token {token}")
            shown = [repr(result), str(info.value), wb.history().to_csv()]
        finally:
            wb.close()
    assert not [text for text in shown if token in text], shown


def test_an_env_reference_in_args_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            debug_logs: Capture) -> None:  # fmt: skip
    token = _secret("argref")
    monkeypatch.setenv("MCPWB_ARG_TOKEN", token)
    wb = Workbench(idle_timeout=None, store=False)
    try:
        wb.trace()
        args = [*BAD_ARGS, "--argv-to-stderr", "--token", "${env:MCPWB_ARG_TOKEN}"]
        wb.connect("argsrv", command="python", args=args)
        with pytest.raises(ConnectionFailedError) as info:
            wb.call("argsrv.crash")
        shown = [str(info.value), wb.traffic().to_csv(), "\n".join(debug_logs.lines)]
    finally:
        wb.close()
    assert any("started as" in text for text in shown)
    assert not [text for text in shown if token in text], [t[:300] for t in shown if token in t]


def test_a_secret_a_server_echoes_in_a_resource_or_prompt_is_masked(tmp_path: Path) -> None:
    token = _secret("echoed")
    wb = Workbench(idle_timeout=None, store=tmp_path / "catalog.sqlite")
    try:
        wb.connect("srv", command="python", args=BAD_ARGS, env={"TOKEN": token})
        resource = wb.read("srv", f"https://files.example.com/report.csv?token={token}")  # its text echoes the URI
        prompt = wb.get_prompt("srv.hostile", note=f"my token is {token}")  # its text echoes the arguments
        assert token in resource.text and token in prompt.text  # the data stays as the server sent it
        shown = {"resource": _texts(resource), "prompt": _texts(prompt), "history": _frame_texts(wb.history())}
    finally:
        wb.close()
        wb.catalog_sync.close()
    shown["store"] = b"".join(p.read_bytes() for p in tmp_path.glob("catalog.sqlite*")).decode("utf-8", "replace")
    assert not [where for where, text in shown.items() if token in text], [
        f"{where}: {_around(text, token)}" for where, text in shown.items() if token in text]
