"""Listing every page: with the connection's tap, each next page is requested as soon as its cursor
arrives (before the SDK has finished with the page that carried it); the results are the same."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from typing import Any

from mcp import Client, StdioServerParameters

from mcp_workbench.core.paging import LISTING_KINDS, Held, all_pages, changed_kinds
from mcp_workbench.core.stdio import stdio_transport
from mcp_workbench.core.tap import Tap, tapped

from .servers import DEMO_ARGS, DEMO_TOOLS, ROOT, SUB_ENV


def _listing(with_tap: bool) -> tuple[list[str], list[tuple[str, Any]], list[str]]:
    """(tool names, the fetch log, the methods the tap saw go out) for a demo with 200 extra tools (5 pages)."""
    params = StdioServerParameters(command=sys.executable, args=[*DEMO_ARGS, "--tools", "200"], cwd=ROOT, env=SUB_ENV)
    tap = Tap("paged")
    sent: list[str] = []
    tap.add(lambda direction, item: sent.append(item.message.method) if direction == "out" and
            hasattr(item.message, "method") else None)  # fmt: skip
    log: list[tuple[str, Any]] = []

    async def main() -> list[str]:
        with open(os.devnull, "w") as errlog:
            async with Client(tapped(stdio_transport(params, errlog), tap), cache=None) as client:
                sent.clear()

                async def fetch(cursor: str | None = None) -> Any:
                    log.append(("ask", cursor))
                    page = await client.list_tools(cursor=cursor)
                    log.append(("got", cursor))
                    return page

                tools = await all_pages(fetch, "tools", tap=tap if with_tap else None, method="tools/list")
                return [t.name for t in tools]

    names = asyncio.run(main())
    return names, log, sent


def test_the_next_page_is_requested_before_the_previous_one_is_handed_back() -> None:
    names, log, sent = _listing(with_tap=True)
    plain, plain_log, _ = _listing(with_tap=False)
    assert names == plain and len(names) == DEMO_TOOLS + 200 and len(set(names)) == DEMO_TOOLS + 200  # the same tools, in order
    assert sent == ["tools/list"] * 5  # the same five requests, no more
    cursors = [c for kind, c in log if kind == "ask"]
    assert len(cursors) == 5 and cursors[0] is None
    for previous, cursor in itertools.pairwise(cursors):  # each next page was asked for first
        assert log.index(("ask", cursor)) < log.index(("got", previous))
    # page by page (no tap), each request waits for the previous page
    assert [kind for kind, _ in plain_log] == ["ask", "got"] * 5


def test_a_cursor_handed_out_again_ends_the_listing() -> None:
    class Page:
        def __init__(self, cursor: str | None) -> None:
            self.tools, self.next_cursor = ["t"], cursor

    asked: list[str | None] = []

    async def fetch(cursor: str | None = None) -> Page:
        asked.append(cursor)
        return Page("again")  # a server whose cursor never moves on

    assert asyncio.run(all_pages(fetch, "tools")) == ["t", "t"]
    assert asked == [None, "again"]


def test_pages_that_come_again_hand_back_the_items_held() -> None:
    """A refresh's page that came over the wire exactly as last time gives back last time's parsed
    items (the copies just parsed are let go); a page that changed gives new ones."""
    params = StdioServerParameters(command=sys.executable, args=[*DEMO_ARGS, "--tools", "200"], cwd=ROOT, env=SUB_ENV)
    tap = Tap("paged")

    async def main() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        with open(os.devnull, "w") as errlog:
            async with Client(tapped(stdio_transport(params, errlog), tap), cache=None) as client:

                async def listing(held: Held | None) -> tuple[list[Any], list[Any]]:
                    wire: list[Any] = []
                    items = await all_pages(client.list_tools, "tools", tap=tap, method="tools/list", wire=wire, held=held)
                    return items, wire

                first, wire = await listing(None)
                plain, _ = await listing(None)
                again, wire_again = await listing(Held(wire, first, "tools"))
                assert wire_again == wire and all(a is b for a, b in zip(wire_again, wire, strict=True))
                await client.call_tool("add_tool", {"name": "zz_late"})  # the last page changes
                changed, _ = await listing(Held(wire_again, again, "tools"))
                return first, plain, again, changed

    first, plain, again, changed = asyncio.run(main())
    assert [t.name for t in plain] == [t.name for t in first] and all(a is not b for a, b in zip(plain, first))
    assert len(again) == len(first) and all(a is b for a, b in zip(again, first, strict=True))  # every page came again
    assert [t.name for t in changed] == [t.name for t in first] + ["zz_late"]
    last_page = len(first) - len(first) % 50 if len(first) % 50 else len(first) - 50
    assert all(a is b for a, b in zip(changed[:last_page], first[:last_page], strict=True))  # unchanged pages: held
    assert all(a is not b and a == b for a, b in zip(changed[last_page:], first[last_page:]))  # the changed page: parsed


def test_held_items_that_do_not_line_up_with_their_pages_are_not_reused() -> None:
    pages = [{"tools": [{"name": "a"}, {"name": "b"}]}, {"tools": [{"name": "b"}]}]
    held = Held(pages, ["A", "B"], "tools")  # a name listed twice: the dict kept two items for three
    assert held.reuse(0, pages[0]) is None and held.reuse(1, pages[1]) is None
    aligned = Held(pages, ["A", "B", "B2"], "tools")
    assert aligned.reuse(0, dict(pages[0])) == ["A", "B"] and aligned.reuse(1, pages[1]) == ["B2"]
    assert aligned.reuse(1, {"tools": [{"name": "c"}]}) is None and aligned.reuse(2, pages[1]) is None


def test_a_list_changed_notice_names_the_listings_to_read_again() -> None:
    assert changed_kinds("ToolListChangedNotification") == {"tools"} == changed_kinds("ToolsListChanged")
    assert changed_kinds("PromptListChangedNotification") == {"prompts"} == changed_kinds("PromptsListChanged")
    assert changed_kinds("ResourcesListChanged") == {"resources", "templates"}
    assert changed_kinds("SomethingNewListChanged") == LISTING_KINDS == {"tools", "prompts", "resources", "templates"}
