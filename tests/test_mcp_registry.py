"""Servers from an MCP Registry: a loopback registry written from the OpenAPI document, real
servers started from its entries (npm through npx from the local .ci/node install, PyPI with
this interpreter, a remote by URL). No test reaches the internet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.utils.capture import capture_output

from mcp_workbench import ConfigError, Workbench, WorkbenchError
from mcp_workbench.core.mcp_registry import DEFAULT_REGISTRY_URL, REGISTRY_URL_ENV, RegistryEntry
from mcp_workbench.core.registry_spec import connect_options
from mcp_workbench.views.frames import REGISTRY_COLUMNS
from tests.registry_server import Registry, entry, registry_server
from tests.servers import descendants, wait_until, DEMO_TOOLS
from tests.test_magics_shell import fails, ip_fixture, run  # noqa: F401 (the ip fixture)
from tests.test_magics_shell import wb as kernel_wb
from tests.third_party import NODE_PREFIX, SERVER_EVERYTHING_PACKAGE, ThirdPartyServerUnavailable, everything_command

EVERYTHING = "io.github.modelcontextprotocol/server-everything"
TIME = "io.github.modelcontextprotocol/server-time"
WEATHER = "io.github.example/weather"
REMOTE = "io.github.example/demo-remote"


def _everything_version() -> str:
    pkg = NODE_PREFIX / "node_modules" / "@modelcontextprotocol" / "server-everything" / "package.json"
    return json.loads(pkg.read_text())["version"] if pkg.exists() else "0.0.0"


def _time_version() -> str:
    from importlib import metadata

    return metadata.version("mcp-server-time")


def entries(http_url: str) -> list[dict[str, Any]]:
    """What the loopback registry lists: four real servers, 240 filler ones, one older version."""
    listed = [
        entry({"name": EVERYTHING, "title": "Everything", "description": "Exercises every MCP feature.",
               "version": _everything_version(), "repository": {"url": "https://github.com/modelcontextprotocol/servers",
                                                              "source": "github"},
               "packages": [{"registryType": "npm", "identifier": SERVER_EVERYTHING_PACKAGE,
                             "version": _everything_version(), "transport": {"type": "stdio"},
                             "packageArguments": [{"type": "positional", "value": "stdio"}]}]}),
        entry({"name": TIME, "description": "Time and timezone conversion.", "version": _time_version(),
               "packages": [{"registryType": "pypi", "identifier": "mcp-server-time", "version": _time_version(),
                             "transport": {"type": "stdio"}, "runtimeHint": "uvx",
                             "packageArguments": [{"type": "named", "name": "--local-timezone", "value": "UTC"}]}]}),
        entry({"name": WEATHER, "title": "Weather", "description": "Forecasts (needs a key).", "version": "1.2.0",
               "packages": [{"registryType": "pypi", "identifier": "mcp-server-time", "version": _time_version(),
                             "transport": {"type": "stdio"},
                             "environmentVariables": [
                                 {"name": "WEATHER_API_KEY", "isRequired": True, "isSecret": True},
                                 {"name": "WEATHER_REGION", "isRequired": True, "description": "e.g. eu"},
                                 {"name": "WEATHER_UNITS", "default": "metric"}]}]}),  # fmt: skip
        entry({"name": WEATHER, "description": "An old version.", "version": "1.0.0"}, latest=False),
        entry({"name": REMOTE, "description": "The demo server, reached by URL.", "version": "1.0.0",
               "remotes": [{"type": "streamable-http", "url": http_url}]}),
    ]
    filler = [entry({"name": f"io.github.filler/server-{i:03d}", "description": f"Filler {i}.", "version": "0.1.0"})
              for i in range(240)]  # fmt: skip
    return listed + filler


@pytest.fixture
def registry(demo_http_url: str) -> Iterator[tuple[str, Registry]]:
    with registry_server(entries(demo_http_url)) as served:
        yield served


@pytest.fixture
def bench(wb: Workbench, registry: tuple[str, Registry]) -> Workbench:
    wb.registry_url = registry[0]
    return wb


def test_search_reads_every_page_and_lists_what_each_server_offers(bench: Workbench, registry: tuple[str, Registry]) -> None:
    frame = bench.registry_search()
    assert list(frame.columns) == REGISTRY_COLUMNS
    assert len(frame) == 244 and frame["name"].is_unique  # latest versions only, over 3 pages of 100
    pages = [q for path, q in registry[1].requests if path == "/v0.1/servers"]
    assert len(pages) == 3 and all(q["version"] == ["latest"] for q in pages) and "cursor" in pages[2]
    row = frame.set_index("name").loc[EVERYTHING]
    assert row.packages == [f"npm:{SERVER_EVERYTHING_PACKAGE}@{_everything_version()}"] and row.remotes == []
    assert row.repository == "https://github.com/modelcontextprotocol/servers" and row.status == "active"
    assert row.published_at.year == 2026 and row.fetched_at is not None
    assert frame.set_index("name").loc[REMOTE, "remotes"][0].startswith("streamable-http http://127.0.0.1:")
    assert list(bench.registry_search("weather")["name"]) == [WEATHER]
    assert registry[1].requests[-1][1]["search"] == ["weather"]


def test_results_are_cached_in_the_catalog_with_their_fetch_time(demo_http_url: str, tmp_path: Any) -> None:
    store = tmp_path / "catalog.sqlite"
    with registry_server(entries(demo_http_url)) as (url, _):
        first = Workbench(store=store, idle_timeout=None)
        first.registry_url = url
        fetched = first.registry_search("example")
        first.close()
        first.catalog_sync.close()
    # The registry is gone; a new kernel on the same catalog still has what was fetched, and when.
    later = Workbench(store=store, idle_timeout=None)
    later.registry_url = url
    try:
        with pytest.raises(WorkbenchError, match=r"could not reach the MCP registry .*cached=True") as info:
            later.registry_search("example")
        assert "\n" not in str(info.value)
        cached = later.registry_search("example", cached=True)
        assert list(cached["name"]) == sorted(fetched["name"]) == [REMOTE, WEATHER]
        times = fetched.set_index("name")["fetched_at"]
        assert (cached.set_index("name")["fetched_at"] == times.loc[sorted(times.index)]).all()
        assert cached.set_index("name").loc[WEATHER, "version"] == "1.2.0"
    finally:
        later.close()
        later.catalog_sync.close()


def test_a_remote_only_server_is_connected_by_url(bench: Workbench) -> None:
    info = bench.connect_registry(REMOTE)
    assert info.name == "demo-remote" and info.transport == "http" and info.tools == DEMO_TOOLS
    assert bench.call("demo-remote.add", a=2, b=3).value == 5


def test_an_npm_package_starts_through_npx_from_the_local_install(bench: Workbench) -> None:
    try:
        everything_command("stdio", allow_npx=False)
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)  # .ci/install.sh installs it: missing is a broken setup, not a skip
    before = descendants()
    # Run from the .ci/node prefix, offline: npx finds the installed package and fetches nothing.
    info = bench.connect_registry(EVERYTHING, name="ev", cwd=str(NODE_PREFIX), env={"npm_config_offline": "true"})
    spec = bench.server("ev").spec
    assert spec.command == "npx" and spec.args == ("-y", f"{SERVER_EVERYTHING_PACKAGE}@{_everything_version()}", "stdio")
    assert info.tools > 5 and bench.call("ev.echo", message="from the registry").text.endswith("from the registry")
    bench.disconnect("ev")
    assert wait_until(lambda: descendants() == before, timeout=15)


def test_a_pypi_package_installed_here_runs_with_this_interpreter(bench: Workbench) -> None:
    bench.connect_registry(TIME)
    spec = bench.server("server-time").spec
    assert spec.command == "python" and spec.args[0] == "-c" and spec.args[-2:] == ("--local-timezone", "UTC")
    result = bench.call("server-time.get_current_time", timezone="UTC")
    assert not result.is_error and "UTC" in result.text


def test_missing_environment_variables_are_named_before_anything_starts(
    bench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEATHER_API_KEY", raising=False)
    monkeypatch.delenv("WEATHER_REGION", raising=False)
    before = descendants()
    with pytest.raises(ConfigError) as info:
        bench.connect_registry(WEATHER, name="weather")
    message = str(info.value)
    assert "WEATHER_API_KEY (secret), WEATHER_REGION" in message and "env={" in message and "\n" not in message
    assert "WEATHER_UNITS" not in message  # it has a default
    assert descendants() == before and "weather" not in bench.server_names()  # nothing started, nothing listed
    # Given as references (the key's value never written down), or found in the kernel's environment:
    monkeypatch.setenv("MY_WEATHER_KEY", "sk-weather-secret-0123")
    monkeypatch.setenv("WEATHER_REGION", "eu")
    bench.connect_registry(WEATHER, name="weather", env={"WEATHER_API_KEY": "${env:MY_WEATHER_KEY}"})
    assert bench.server("weather").spec.env == {"WEATHER_API_KEY": "${env:MY_WEATHER_KEY}",
                                               "WEATHER_REGION": "${env:WEATHER_REGION}", "WEATHER_UNITS": "metric"}
    assert "sk-weather-secret-0123" not in json.dumps(bench.server("weather").spec.to_safe_dict())


def test_unknown_names_versions_and_choices_are_one_line_errors(bench: Workbench, registry: tuple[str, Registry]) -> None:
    with pytest.raises(WorkbenchError, match=r"no server 'io.github.example/nope' .* wb.registry_search\('nope'\)"):
        bench.connect_registry("io.github.example/nope")
    with pytest.raises(WorkbenchError, match=r"no server .* \(version 9.9.9\)"):
        bench.connect_registry(WEATHER, version="9.9.9")
    with pytest.raises(WorkbenchError, match="look like 'io.github.owner/server'"):
        bench.connect_registry("weather")
    with pytest.raises(ConfigError, match="has no npm package we can start"):
        bench.connect_registry(TIME, use="npm")
    with pytest.raises(ConfigError, match="has no remote or package we can start"):
        bench.connect_registry("io.github.filler/server-001")
    old = bench.connect_registry  # an exact older version is fetched by its version
    with pytest.raises(ConfigError, match="weather has no remote or package we can start \\(it lists: nothing\\)"):
        old(WEATHER, version="1.0.0")  # 1.0.0 lists nothing to start (the latest, 1.2.0, has a package)
    assert registry[1].requests[-1][0] == "/v0.1/servers/io.github.example%2Fweather/versions/1.0.0"


def test_registry_url_comes_from_the_environment_or_the_official_default(
    monkeypatch: pytest.MonkeyPatch, registry: tuple[str, Registry]
) -> None:
    monkeypatch.delenv(REGISTRY_URL_ENV, raising=False)
    assert Workbench(store=False).registry_url == DEFAULT_REGISTRY_URL
    monkeypatch.setenv(REGISTRY_URL_ENV, registry[0] + "/")
    bench = Workbench(store=False)
    assert bench.registry_url == registry[0]
    assert len(bench.registry_search("filler/server-00")) == 10
    with pytest.raises(WorkbenchError, match="must start with http"):
        bench.registry_url = "ftp://registry"
    bench.registry_url = None
    assert bench.registry_url == registry[0]


def test_package_kinds_become_command_lines() -> None:
    oci = RegistryEntry({"name": "io.example/img", "version": "2.0.0", "packages": [{
        "registryType": "oci", "identifier": "ghcr.io/example/img", "version": "2.0.0", "transport": {"type": "stdio"},
        "runtimeArguments": [{"type": "named", "name": "--network", "value": "none"}],
        "environmentVariables": [{"name": "TOKEN", "isRequired": True, "isSecret": True}]}]})  # fmt: skip
    options = connect_options(oci, env={"TOKEN": "${env:MY_TOKEN}"})
    assert options["command"] == "docker" and options["env"] == {"TOKEN": "${env:MY_TOKEN}"}
    assert options["args"] == ["run", "-i", "--rm", "--network", "none", "-e", "TOKEN", "ghcr.io/example/img:2.0.0"]
    remote = RegistryEntry({"name": "io.example/r", "version": "1", "remotes": [{
        "type": "sse", "url": "https://{tenant}.example.test/sse", "variables": {"tenant": {"isRequired": True}},
        "headers": [{"name": "Authorization", "isRequired": True, "isSecret": True}]}]})  # fmt: skip
    with pytest.raises(ConfigError, match=r"needs tenant: pass variables="):
        connect_options(remote)
    with pytest.raises(ConfigError, match=r"needs the header Authorization \(secret\)"):
        connect_options(remote, variables={"tenant": "acme"})
    assert connect_options(remote, variables={"tenant": "acme"}, headers={"Authorization": "Bearer ${env:T}"}) == {
        "url": "https://acme.example.test/sse", "transport": "sse", "headers": {"Authorization": "Bearer ${env:T}"}}
    http_package = RegistryEntry({"name": "io.example/h", "version": "1", "packages": [{
        "registryType": "npm", "identifier": "h", "transport": {"type": "streamable-http", "url": "http://localhost:1"}}]})
    with pytest.raises(ConfigError, match="start it yourself"):
        connect_options(http_package)


def test_magics_search_and_add(ip: Any, registry: tuple[str, Registry], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEATHER_API_KEY", raising=False)
    monkeypatch.delenv("WEATHER_REGION", raising=False)
    run(ip, f"%config McpWorkbench.registry_url = {registry[0]!r}")
    try:
        assert kernel_wb().registry_url == registry[0]
        with capture_output() as cap:
            run(ip, "%mcp registry search weather")
        assert WEATHER in cap.stdout and REMOTE not in cap.stdout
        info = run(ip, f"%mcp registry add {REMOTE} --name remote")
        assert info.name == "remote" and run(ip, "%mcp call remote.add a=1 b=1").value == 2
        assert "WEATHER_API_KEY (secret), WEATHER_REGION" in fails(ip, f"%mcp registry add {WEATHER}")
        assert "say search or add" in fails(ip, "%mcp registry list")
        assert "for %mcp registry add" in fails(ip, "%mcp registry search x --name y")
        from traitlets import TraitError

        from tests.test_magics_shell import magic

        with pytest.raises(TraitError, match="registry_url must start with http"):
            magic(ip).registry_url = "ftp://x"
        assert kernel_wb().registry_url == registry[0]
        run(ip, "%mcp disconnect remote")
    finally:
        run(ip, "%config McpWorkbench.registry_url = ''")
