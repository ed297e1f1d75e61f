"""The composed ``Workbench``: built from real parts (no mixins, no patched bases), one setting
for roots, the transport table read by everyone, the layering of the package, and the async
twins added with the recomposition."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import mcp_workbench
from mcp_workbench import Workbench
from mcp_workbench.chat.api import ChatService
from mcp_workbench.core.policy import ResourceRefusedError
from mcp_workbench.core.registry import ServerView
from mcp_workbench.core.requests import ServerRequests
from mcp_workbench.core.service import ServerService
from mcp_workbench.core.transports import TRANSPORTS
from mcp_workbench.magics.cmd import help_text
from mcp_workbench.repro.api import Repro
from mcp_workbench.repro.export import connect_options
from mcp_workbench.views.listings import Listings
from mcp_workbench.widgets.api import DashboardHost
from tests.servers import ROOT, SUB_ENV
from tests.chat.test_server_requests import connect_everything

PACKAGE = ROOT / "mcp_workbench"
# Inner to outer; a module may import its own layer and the ones before it (errors.py: everyone).
LAYERS = ["core", "catalog", "views", "repro", "chat", "apps", "widgets", "facade", "magics"]


def test_the_workbench_is_composed_not_mixed(tmp_path: Path) -> None:
    wb = Workbench(store=tmp_path / "c.sqlite", idle_timeout=None)
    try:
        assert Workbench.__mro__ == (Workbench, object)
        parts = {"service": ServerService, "requests": ServerRequests, "listings": Listings, "repro": Repro,
                 "chat_service": ChatService, "dashboards": DashboardHost}  # fmt: skip
        for name, kind in parts.items():
            assert type(getattr(wb, name)) is kind, name
        # the chat plugs its model into the core's requests; nothing else reaches into it
        assert wb.requests.sampler == wb.chat_service.sample and wb.requests.asker == wb.chat_service.ask
        assert wb.catalog_sync is not None and wb.service.keep_results
        wb.set_store(False)
        assert wb.catalog_sync is None and not wb.service.keep_results
    finally:
        wb.close()


def test_every_public_method_is_declared_typed_and_documented_on_the_class() -> None:
    public = {n: m for n, m in vars(Workbench).items() if not n.startswith("_") and callable(m)}
    assert len(public) > 50
    for name, method in public.items():
        assert method.__doc__, f"Workbench.{name} has no docstring"
        assert "return" in method.__annotations__, f"Workbench.{name} has no return type"
    # sync and async twins take the same arguments (every twin; amap has no progress bar)
    twins = sorted(n for n in public if "a" + n in public and n != "map")
    assert {"connect", "call", "get_prompt", "read", "ping", "refresh", "logout", "reconnect", "disconnect"} <= set(twins)
    for name in twins:
        assert inspect.iscoroutinefunction(public["a" + name]), name
        sync, twin = inspect.signature(public[name]), inspect.signature(public["a" + name])
        assert [(p.name, p.kind, p.default) for p in sync.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in twin.parameters.values()], name  # fmt: skip


def test_connect_takes_typed_keywords_only() -> None:
    params = inspect.signature(Workbench.connect).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in params.items() if n not in ("self", "name"))
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    with pytest.raises(TypeError, match="commnd"):
        Workbench(store=False).connect("x", commnd="python")  # type: ignore[call-arg]


def test_building_a_workbench_imports_no_widgets_chat_model_or_oauth() -> None:
    code = (
        "import sys, mcp_workbench\n"
        "wb = mcp_workbench.Workbench(store=False)\n"
        "print(sorted(m for m in ('ipywidgets', 'openai', 'mcp_workbench.core.auth.provider') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**SUB_ENV, "PATH": ""},
                         timeout=120, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _layer(module: Path) -> str | None:
    rel = module.relative_to(PACKAGE).parts
    name = rel[0].removesuffix(".py")
    return name if name in LAYERS else None


def _imported_layers(module: Path) -> set[str]:
    """The layers a module imports at run time (TYPE_CHECKING blocks do not count)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    package = list(module.relative_to(ROOT).with_suffix("").parts)
    if package[-1] == "__init__":
        package = package[:-1] + ["__init__"]
    found: set[str] = set()

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            guarded = typing_only or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.If) and guarded and not typing_only:
                for n in child.orelse:
                    visit(n, False)
                continue
            if isinstance(child, ast.ImportFrom) and not typing_only:
                if child.level:
                    base = package[: len(package) - child.level]
                    target = [*base, *(child.module.split(".") if child.module else [])]
                else:
                    target = (child.module or "").split(".")
                if target[:1] == ["mcp_workbench"] and len(target) > 1:
                    found.add(target[1])
            visit(child, typing_only)

    visit(tree, False)
    return found


def test_inner_layers_never_import_outer_ones() -> None:
    offences = []
    for module in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(module)
        if layer is None:
            continue
        for target in _imported_layers(module) & set(LAYERS):
            if LAYERS.index(target) > LAYERS.index(layer):
                offences.append(f"{module.relative_to(ROOT)} ({layer}) imports {target}")
    assert not offences, "\n".join(offences)
    top = [p.name for p in PACKAGE.iterdir() if not p.name.startswith(("_", ".")) and
           (p.suffix == ".py" or (p / "__init__.py").exists())]  # fmt: skip
    assert len(top) <= 12, top


def test_roots_are_one_setting_for_servers_and_file_reads(wb: Workbench, tmp_path: Path) -> None:
    inside, outside = tmp_path / "root", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    wb.set_roots([inside])
    connect_everything(wb, roots=None)  # per-server roots unset: the workbench's apply
    assert inside.as_uri() in wb.call("ev.get-roots-list", {}).text
    assert wb.resource_policy.root_paths("ev") == [str(inside.resolve())]
    with pytest.raises(ResourceRefusedError, match="outside the roots"):
        wb.read("ev", (outside / "x.txt").as_uri())
    # a server's own roots (connect(..., roots=)) govern that server's reads too
    wb.resource_policy.set_roots([outside], "ev")
    assert wb.resource_policy.root_paths("ev") == [str(outside.resolve())]
    with pytest.raises(ResourceRefusedError):
        wb.read("ev", (inside / "x.txt").as_uri())


def test_server_views_are_read_only(demo: Workbench) -> None:
    view = demo.server("demo")
    assert isinstance(view, ServerView) and view.status == "connected" and "add" in view.tools
    with pytest.raises(AttributeError):
        view.status = "gone"  # type: ignore[misc]
    with pytest.raises(TypeError):
        view.tools["x"] = None  # type: ignore[index]
    assert [v.name for v in demo.server_views()] == demo.server_names() == ["demo"]
    assert demo.resolve("add") == ("demo", demo.tool("demo.add"))


@pytest.mark.anyio
async def test_async_twins_of_refresh_and_logout(demo: Workbench) -> None:
    demo.trace("demo")
    await demo.arefresh("demo")
    assert "add" in demo.server("demo").tools
    assert "tools/list" in set(demo.traffic(kind="request")["method"])  # the listings were read again
    assert await demo.alogout("demo") is False  # a stdio server holds no tokens; the connection stays
    assert demo.server("demo").is_open


def test_one_transport_table_feeds_config_magic_and_export() -> None:
    assert set(TRANSPORTS) == {"stdio", "http", "sse", "websocket"}
    spec = mcp_workbench.core.config.ServerSpec.build("s", url="http://127.0.0.1:1/sse", transport="sse")
    assert "transport" not in connect_options(mcp_workbench.core.config.ServerSpec.build("w", url="ws://h/mcp"))
    assert connect_options(spec)["transport"] == "sse"
    assert "transport" not in connect_options(mcp_workbench.core.config.ServerSpec.build("h", url="http://h/mcp"))
    connect_help = help_text("connect")
    for kind in TRANSPORTS.values():
        if kind.target == "url":
            assert kind.name in connect_help
        if kind.flag:
            assert kind.flag in connect_help
    with pytest.raises(mcp_workbench.ConfigError, match="unknown transport 'carrier-pigeon'.*'stdio'"):
        Workbench(store=False).connect("x", url="http://h/mcp", transport="carrier-pigeon")
