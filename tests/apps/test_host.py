"""The MCP Apps host against real servers: which tools have apps (``wb.tools()``'s ``ui`` column,
``wb.apps()``), ``r.app`` and its display with a fallback for kernels-less viewers, the sandbox
built from a resource's ``_meta.ui`` and the user's allow-list, pages a host must refuse, the
``%mcp app`` magic and the published example server-basic-vanillajs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench import ArgumentError, ToolNotFoundError, Workbench
from mcp_workbench.apps import APPS_COLUMNS
from mcp_workbench.demo.counter import COUNTER_URI
from tests.apps.app_server import LISTED_URI, MAPS_URI
from tests.apps.conftest import ScriptedApp, close_answering
from tests.test_magics_shell import demo_fixture, fails, ip_fixture, run  # noqa: F401 (fixtures)
from tests.third_party import ThirdPartyServerUnavailable, basic_apps_command

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def awkward(bench: Workbench) -> Iterator[Workbench]:
    """``bench`` with the awkward apps server as ``awk``."""
    bench.connect("awk", command="python", args=["-m", "tests.apps.app_server"])
    yield bench
    bench.disconnect("awk")


def test_tools_gain_a_ui_column_and_apps_lists_the_tools_that_have_one(bench: Workbench) -> None:
    tools = bench.tools("demo").set_index("name")
    assert tools.loc["counter", "ui"] == COUNTER_URI and tools.loc["add", "ui"] is None
    apps = bench.apps("demo")
    assert list(apps.columns) == APPS_COLUMNS
    assert list(apps["tool"]) == ["counter", "increment", "reset"] and set(apps["uri"]) == {COUNTER_URI}
    row = apps.iloc[0]
    assert row["title"] == "Counter app" and row["csp"] == {} and row["permissions"] == [] and row["prefers_border"]


def test_a_result_shows_its_app_and_falls_back_to_text_without_a_kernel(bench: Workbench) -> None:
    plain = bench.call("demo.add", a=1, b=2)
    assert plain.app is None and WIDGET not in plain._repr_mimebundle_()
    r = bench.call("demo.counter")
    view = r.app
    assert view is r.app and view.result is r  # one view per result
    data, _metadata = r._repr_mimebundle_()
    assert data[WIDGET]["model_id"] == view.model_id
    assert data["text/html"].startswith(r.static_bundle()["text/html"])  # the result, as without an app
    assert "needs a live kernel" in data["text/html"] and COUNTER_URI in data["text/html"]
    assert data["text/plain"].startswith(repr(r)) and "needs a live kernel" in data["text/plain"]
    assert view.header == f"Counter · demo.counter · {COUNTER_URI}" and view.result_html == r.static_bundle()["text/html"]
    view.ready.result(timeout=30)
    assert view.status == "" and view.srcdoc.startswith("<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\"")
    assert view.sandbox == "allow-scripts" and view.allow == "" and view.border
    assert "export default" in view._esm  # the front end: one ES module, no build step
    page = bench.history(server="demo").iloc[-1]
    assert page["tool"] == COUNTER_URI and page["kind"] == "resource"  # the page was read through the workbench
    close_answering(view)


def test_wb_app_refuses_tools_without_an_app(bench: Workbench) -> None:
    with pytest.raises(ArgumentError, match=r"demo.add has no app .*wb.call\('demo.add'"):
        bench.app("demo.add", a=1, b=2)
    with pytest.raises(ToolNotFoundError, match="did you mean"):
        bench.app("demo.countr")
    with pytest.raises(ArgumentError, match="unknown app permission 'webcam'"):
        bench.app("demo.counter", allow=["webcam"])


def test_the_sandbox_comes_from_the_resources_meta_and_the_users_allow_list(awkward: Workbench) -> None:
    view = awkward.app("awk.maps", allow=["clipboard-write"])
    view.ready.result(timeout=30)
    assert view.allow == "clipboard-write *"  # asked for camera too: not allowed by the user
    assert view.policy == ("network: https://api.example.com, wss://live.example.com:8443 · loads from: "
                           "https://*.cdn.example.com · permissions: clipboard-write · not granted: camera")  # fmt: skip
    csp = view.srcdoc.split('content="', 1)[1].split('"', 1)[0].replace("&#x27;", "'")
    assert "connect-src https://api.example.com wss://live.example.com:8443;" in csp
    assert "script-src 'unsafe-inline' https://*.cdn.example.com;" in csp
    assert "frame-src 'none'" in csp and "script-src *" not in csp  # the smuggled directive was dropped
    assert view.srcdoc.startswith('<!doctype html><meta http-equiv="Content-Security-Policy"')
    assert "frameDomains: 'https://x.example.com; script-src *'" in view.status
    app = ScriptedApp(view)
    caps = app.initialize()["result"]["hostCapabilities"]["sandbox"]
    assert caps["permissions"] == {"clipboardWrite": {}}
    assert caps["csp"] == {"connectDomains": ["https://api.example.com", "wss://live.example.com:8443"],
                           "resourceDomains": ["https://*.cdn.example.com"]}  # fmt: skip
    close_answering(view)

    apps = awkward.apps("awk").set_index("tool")
    assert apps.loc["maps", "permissions"] == ["camera", "clipboard-write"] and apps.loc["maps", "title"] == "Maps app"
    assert apps.loc["legacy", "uri"] == MAPS_URI  # the deprecated flat _meta["ui/resourceUri"]


def test_metadata_only_on_the_listing_still_applies(awkward: Workbench) -> None:
    view = awkward.app("awk.listed")
    view.ready.result(timeout=30)
    assert view.uri == LISTED_URI and view.policy.startswith("network: https://listed.example.com")
    assert not view.border
    close_answering(view)


@pytest.mark.parametrize(("tool", "why"), [
    ("wrong_mime", "is served as text/html, not text/html;profile=mcp-app"),
    ("missing", "The app could not be loaded"),
])  # fmt: skip
def test_a_page_the_host_must_not_render_leaves_a_reason_and_the_result(awkward: Workbench, tool: str, why: str) -> None:
    view = awkward.app(f"awk.{tool}")
    view.ready.result(timeout=30)
    assert view.srcdoc == "" and why in view.status
    assert view.result.text == tool.split("_")[0]  # the call itself worked and is shown below
    close_answering(view)


def test_the_mcp_app_magic(demo: InteractiveShell) -> None:
    view = run(demo, "%mcp app demo.counter -o counter_view")
    assert view is demo.user_ns["counter_view"] and view.uri == COUNTER_URI
    assert fails(demo, "%mcp app demo.add a=1 b=2") == (
        "demo.add has no app (no _meta.ui.resourceUri); use %mcp call demo.add (wb.apps() lists the tools that have one)"
    )
    assert "did you mean" in fails(demo, "%mcp app demo.countr")
    assert "%mcp app demo.counter" in run(demo, "from mcp_workbench.magics.cmd import help_text\nhelp_text('app')")
    view.close()


def test_server_basic_vanillajs_get_time_app(bench: Workbench) -> None:
    try:
        command, *args = basic_apps_command()
    except ThirdPartyServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)  # .ci/install.sh installs it
    bench.connect("basic", command=command, args=args)
    try:
        assert list(bench.apps("basic")["uri"]) == ["ui://get-time/mcp-app.html"]
        view = bench.app("basic.get-time")
        view.ready.result(timeout=30)
        assert view.status == "" and view.policy == "network: none · permissions: none"
        assert view.srcdoc.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')
        assert '<button id="get-time-btn">Get Server Time</button>' in view.srcdoc
        app = ScriptedApp(view)
        app.initialize()
        answer = app.request("tools/call", {"name": "get-time", "arguments": {}})
        assert answer["result"]["structuredContent"]["time"].startswith("20")
        assert list(bench.history(server="basic")["tool"]).count("get-time") == 2
        close_answering(view)
    finally:
        bench.disconnect("basic")
