"""Resource reads of ``file://`` URIs stay inside the configured roots unless allowed
(``mcp_workbench.core.policy``), and config files are the only source of commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mcp_workbench import ConfigError, ConnectionFailedError, Workbench
from mcp_workbench.core.policy import ResourcePolicy, ResourceRefusedError
from tests.faults.harness import BAD_ARGS, Baseline
from tests.servers import SUB_ENV


@pytest.fixture
def bad(wb: Workbench) -> Workbench:
    """The bad server (it would serve any URI it is asked for) over stdio as ``bad``."""
    wb.connect("bad", command="python", args=BAD_ARGS)
    return wb


def test_file_uris_outside_the_roots_are_refused_before_anything_is_sent(bad: Workbench, tmp_path: Path) -> None:
    bad.resource_policy.roots = [tmp_path]
    inside = tmp_path / "notes" / "a.txt"
    assert bad.read("bad", inside.as_uri()).text == f"contents of {inside.as_uri()}"
    bad.trace("bad")
    sneaky = [
        "file:///etc/passwd",
        f"file://{tmp_path}/../../etc/passwd",
        f"file://{tmp_path}/%2e%2e/%2e%2e/etc/passwd",
        "FILE:///root/.ssh/id_rsa",
        "file:/etc/shadow",
        "file://evil.example.com/share/x",
        f"file://{tmp_path}%00/../etc/passwd",
    ]
    for uri in sneaky:
        with pytest.raises(ResourceRefusedError, match="refused to read"):
            bad.read("bad", uri)
    assert not any(bad.traffic("bad", method="resources/read")["payload"].astype(str).str.contains("etc"))
    # Refusals are one-line workbench errors, so %mcp read shows them as a UsageError.
    with pytest.raises(ResourceRefusedError) as info:
        bad.read("bad", "file:///etc/passwd")
    assert "\n" not in str(info.value) and "resource_policy" in str(info.value)


def test_a_symlink_inside_the_roots_pointing_outside_is_refused(bad: Workbench, tmp_path: Path) -> None:
    bad.resource_policy.roots = [tmp_path / "root"]
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "escape").symlink_to("/etc")
    with pytest.raises(ResourceRefusedError):
        bad.read("bad", (tmp_path / "root" / "escape" / "passwd").as_uri())


def test_allowed_one_by_one_or_all_and_other_schemes_untouched(bad: Workbench, tmp_path: Path) -> None:
    bad.resource_policy.roots = [tmp_path]
    bad.resource_policy.allow("/etc/hostname")
    assert "contents of" in bad.read("bad", "file:///etc/hostname").text
    with pytest.raises(ResourceRefusedError):
        bad.read("bad", "file:///etc/passwd")
    bad.resource_policy.allow_outside_roots = True
    assert "contents of" in bad.read("bad", "file:///etc/passwd").text
    assert bad.read("bad", "https://example.com/x").text == "contents of https://example.com/x"


def test_default_root_is_the_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    policy = ResourcePolicy()
    policy.check("s", (tmp_path / "data.csv").as_uri())
    with pytest.raises(ResourceRefusedError):
        policy.check("s", (tmp_path.parent / "data.csv").as_uri())
    ResourcePolicy(roots=[f"file://{tmp_path.parent}"]).check("s", (tmp_path.parent / "data.csv").as_uri())


def test_resource_reads_through_magics_are_refused_too(tmp_path: Path) -> None:
    """The same policy behind %mcp read (a one-line UsageError)."""
    from IPython.core.interactiveshell import InteractiveShell

    from tests.test_magics_shell import fails, run

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mcp_workbench")
    try:
        run(ip, f"%mcp connect policybad --stdio python {BAD_ARGS[0]}")
        message = fails(ip, "%mcp read policybad file:///etc/passwd")
        assert "refused to read" in message
    finally:
        run(ip, "%mcp disconnect policybad")
        ip.run_line_magic("unload_ext", "mcp_workbench")


# ------------------------------------------------------------------------ config files
def test_unset_env_reference_is_a_clear_error_not_an_empty_string(wb: Workbench, tmp_path: Path) -> None:
    baseline = Baseline()
    os.environ.pop("MCPWB_UNSET_VAR", None)
    cases = [
        {"command": "python", "args": BAD_ARGS, "env": {"API_TOKEN": "${env:MCPWB_UNSET_VAR}"}},
        {"command": "python", "args": [*BAD_ARGS, "--token", "${env:MCPWB_UNSET_VAR}"]},
        {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${env:MCPWB_UNSET_VAR}"}},
        {"url": "http://127.0.0.1:9/${MCPWB_UNSET_VAR}/mcp"},
    ]
    for options in cases:
        with pytest.raises(ConfigError, match=r"variable MCPWB_UNSET_VAR is not set.*%env MCPWB_UNSET_VAR="):
            wb.connect("needs", **options)
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"needs": {"command": "python", "args": BAD_ARGS,
                                                           "env": {"X": "${env:MCPWB_UNSET_VAR}"}}}}))  # fmt: skip
    with pytest.raises(ConfigError, match="MCPWB_UNSET_VAR is not set"):
        wb.load_config(config, strict=True)
    assert not baseline.settled(), "a server was started with an empty value"


def test_unset_env_reference_is_shown_in_servers(wb: Workbench, tmp_path: Path) -> None:
    os.environ.pop("MCPWB_UNSET_VAR", None)
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"needs": {"command": "python", "args": BAD_ARGS,
                                                           "env": {"X": "${env:MCPWB_UNSET_VAR}"}}}}))  # fmt: skip
    row = wb.load_config(config).set_index("name").loc["needs"]
    assert row.status == "error" and "MCPWB_UNSET_VAR is not set" in str(row.last_error)


def _planted_configs(base: Path, marker: Path) -> None:
    """mcp.json files where tools look for them, each with a command that leaves a marker."""
    entry = {"command": sys.executable, "args": ["-c", f"open({str(marker)!r}, 'w').write('ran')"]}
    document = json.dumps({"mcpServers": {"planted": entry}, "servers": {"planted": entry}})
    for relative in ("mcp.json", ".mcp.json", ".vscode/mcp.json", ".cursor/mcp.json",
                     ".config/Claude/claude_desktop_config.json", ".mcp-workbench/mcp.json"):  # fmt: skip
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document)


def test_commands_come_only_from_files_the_user_loaded(tmp_path: Path) -> None:
    """Loading the extension and using it in a folder (and home) full of config files starts
    nothing: only wb.load_config / %mcp config / autoconnect_config name files to run."""
    marker = tmp_path / "marker"
    _planted_configs(tmp_path, marker)
    script = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        import mcp_workbench
        from tests.servers import descendants
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "mcp_workbench")
        for line in ("servers", "tools", "history"):
            ip.run_line_magic("mcp", line)
        wb = mcp_workbench.workbench()
        print("SERVERS", wb.server_names(), "CHILDREN", sorted(descendants()))
        """
    )
    env = {**os.environ, **SUB_ENV, "HOME": str(tmp_path), "MCP_WORKBENCH_HOME": str(tmp_path / ".mcp-workbench"),
           "XDG_CONFIG_HOME": str(tmp_path / ".config")}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "SERVERS [] CHILDREN []" in out.stdout, out.stdout
    assert not marker.exists()


def test_the_catalog_never_starts_the_servers_it_remembers(tmp_path: Path) -> None:
    """A catalog (a shared PostgreSQL one, say) holds other people's server specs: browsing it
    must not start them, and reconnect() only knows servers connected in this kernel."""
    marker = tmp_path / "marker"
    store = tmp_path / "catalog.sqlite"
    first = Workbench(idle_timeout=None, store=store)
    with pytest.raises(ConnectionFailedError):  # it leaves a marker and exits: the spec is catalogued
        first.connect("planted", command="python", args=["-c", f"open({str(marker)!r}, 'w'); raise SystemExit(1)"])
    first.connect("kept", command="python", args=BAD_ARGS)
    first.close()
    first.catalog_sync.close()
    assert marker.exists()
    marker.unlink()
    second = Workbench(idle_timeout=None, store=store)
    baseline = Baseline()
    try:
        stored = second.catalog_sync.repo.get_server("planted")
        assert stored is not None and str(marker) in json.dumps(stored.spec)  # the command is on record
        second.catalog()
        second.history()
        second.tools()
        assert second.server_names() == []
        with pytest.raises(Exception, match="planted"):
            second.reconnect("planted")
        assert not baseline.extra() and not marker.exists()
    finally:
        second.close()
        second.catalog_sync.close()
