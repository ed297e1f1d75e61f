"""Tool output is data: what a server says is escaped in every rich display we produce, and
images are shown only from image content types.

The bad server's ``hostile`` tool returns ``<script>`` and event-handler markup as text, as
structured content (a table), as image blocks typed ``text/html`` and ``image/svg+xml``, with a
quote-breaking image type and an audio type carrying a ``<script>``; its tool title and
description, its prompt and its resources carry markup too. Every HTML we produce is parsed:
no script, no event handler, no SVG or frame, images only as ``data:image/{png,jpeg,gif,webp}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from mcp_workbench import Workbench
from mcp_workbench.views.describe import describe_tool
from mcp_workbench.views.display import render
from mcp_workbench.views.readable import listing
from tests.faults.harness import BAD_ARGS, BAD_SERVER
from tests.test_magics_shell import run

_SAFE_IMG = tuple(f"data:image/{kind};base64," for kind in ("png", "jpeg", "gif", "webp"))
_FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "frame", "frameset", "base", "form", "meta",
                   "link"}  # fmt: skip
_RICH_KEYS_FORBIDDEN = {"image/svg+xml", "application/javascript", "text/javascript", "application/x-javascript"}


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if "javascript:" in value.lower().replace(" ", ""):
                self.problems.append(f"<{tag} {name}=javascript:...>")
            if tag == "img" and name == "src" and not value.startswith(_SAFE_IMG):
                self.problems.append(f"<img src={value[:40]!r}>")
            if tag in ("audio", "video", "source") and name == "src" and not value.startswith("data:audio/"):
                self.problems.append(f"<{tag} src={value[:40]!r}>")


def active_content(html: str) -> list[str]:
    """What in ``html`` would run or render as markup beyond plain text, tables and safe images."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def check_bundle(bundle: dict[str, Any], where: str) -> str:
    """The HTML of a mimebundle, after checking it holds no active content; returns it."""
    assert not (set(bundle) & _RICH_KEYS_FORBIDDEN), (where, sorted(bundle))
    html = str(bundle.get("text/html", ""))
    problems = active_content(html)
    assert not problems, (where, problems, html[:2000])
    return html


@pytest.fixture
def hostile(wb: Workbench) -> Workbench:
    wb.connect("bad", command="python", args=BAD_ARGS)
    return wb


def test_audit_finds_active_content() -> None:
    """The checker itself: it must flag what the hostile server sends, unescaped."""
    raw = ('<script>alert("xss")</script><img src=x onerror=alert(1)><svg onload="alert(1)"></svg>'
           '<img src="data:image/svg+xml;base64,AAAA"><a href="javascript:alert(1)">x</a>')  # fmt: skip
    assert len(active_content(raw)) >= 5
    assert active_content('<pre>&lt;script&gt;alert(1)&lt;/script&gt;</pre><img src="data:image/png;base64,AA">') == []


def test_tool_result_displays_escape_text_and_show_only_image_types(hostile: Workbench) -> None:
    result = hostile.call("bad.hostile")
    assert "<script>" in result.text  # the attribute keeps the data as returned
    html = check_bundle(result._repr_mimebundle_(), "ToolResult")
    assert "&lt;script&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert html.count("<img ") == 1, "only the image/png block is an image"
    types = [m.mime_type for m in result.images]
    assert "text/html" in types and "image/svg+xml" in types
    for media in result.images + result.audio:
        bundle = media._repr_mimebundle_()
        check_bundle(bundle, f"Media {media.mime_type}")
        if media.mime_type != "image/png":
            assert set(bundle) <= {"text/plain", "text/html"} and media.mime_type not in bundle
    assert result.df is not None and result.df.iloc[0]["name"].startswith("<script>")
    check_bundle({"text/html": result.df._repr_html_()}, "result.df")


def test_prompt_resource_and_listing_displays_escape_server_text(hostile: Workbench) -> None:
    prompt = hostile.get_prompt("bad.hostile")
    assert "&lt;script&gt;" in check_bundle(prompt._repr_mimebundle_(), "PromptResult")
    resource = hostile.read("bad", 'https://x.example/<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    assert "&lt;script&gt;" in check_bundle(resource._repr_mimebundle_(), "ResourceResult")
    for name in ("tools", "prompts", "servers", "history"):
        frame = getattr(hostile, name)()
        for shown in (frame, listing(frame, 10)):
            check_bundle({"text/html": shown._repr_html_()}, f"wb.{name}()")
    tools_html = hostile.tools()._repr_html_()
    assert "&lt;b&gt;bold&lt;/b&gt;" in tools_html and "&lt;script&gt;" in tools_html
    described = check_bundle(describe_tool(hostile, "bad.hostile")._repr_mimebundle_(), "describe")
    assert "&lt;b&gt;bold&lt;/b&gt;" in described
    hostile.trace("bad")
    hostile.call("bad.hostile")
    check_bundle({"text/html": hostile.traffic()._repr_html_()}, "wb.traffic()")
    progress = render('bad.<script>x</script>', (1, 2, "<img src=x onerror=alert(1)>"), 1.0, 0)
    assert "&lt;img" in check_bundle(progress, "progress line")


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mcp_workbench")
    run(ip, f"%mcp connect hostile --stdio python {BAD_SERVER}")
    yield ip
    run(ip, "%mcp disconnect hostile")
    ip.run_line_magic("unload_ext", "mcp_workbench")


def test_what_the_magics_display_is_inert(shell: InteractiveShell) -> None:
    """The bundles IPython would send to the front end for each %mcp output."""
    for line in ("call hostile.hostile", "tools hostile", "prompts hostile", "describe hostile.hostile",
                 "prompt hostile.hostile", "read hostile https://x/<script>alert(1)</script>", "servers",
                 "history"):  # fmt: skip
        value = run(shell, f"%mcp {line}")
        data, _ = shell.display_formatter.format(value)
        check_bundle(data, f"%mcp {line}")


def test_dashboard_widgets_hold_no_active_markup(hostile: Workbench) -> None:
    """Every HTML the dashboard's widgets would render, with the hostile server connected."""
    widgets = pytest.importorskip("ipywidgets")
    hostile.call("bad.hostile")
    board = hostile.dashboard()
    try:
        states = [w.get_state() for w in list(widgets.Widget.widgets.values())]
    finally:
        board.close()
    html_values = [s["value"] for s in states if s.get("_model_name") == "HTMLModel" and isinstance(s["value"], str)]
    texts = [json.dumps(s, default=str) for s in states]
    assert any("hostile" in t for t in texts), "the dashboard does not show the server"
    for value in html_values:
        assert not active_content(value), value[:500]
