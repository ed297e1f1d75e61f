"""``%mcp ui``: the ipywidgets dashboard (``wb.dashboard()``) as the cell's output."""

from __future__ import annotations

from typing import Any

from .base import Command, Context
from ._parser import Syntax

UI = Syntax(
    name="ui",
    summary="the dashboard: servers, tool forms, prompts, resources, chat, activity (ipywidgets)",
    usage=("%mcp ui",),
    examples=("%mcp ui",),
    notes=(
        "A new dashboard replaces the previous one of the same workbench. Python: wb.dashboard().\n"
        "Destructive tools ask before they run (%config McpWorkbench.confirm_destructive = False: never);\n"
        "a running call has Cancel and a Timeout field; the Chat tab's API key field keeps the key in the\n"
        "kernel's memory only. After a kernel restart, re-run this cell for a live dashboard."
    ),
)


def run_ui(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    return ctx.wb.dashboard()  # ipywidgets is imported only when a dashboard is made


COMMANDS = [Command(UI, run_ui)]
