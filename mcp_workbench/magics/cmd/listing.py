"""``%mcp servers`` / ``tools`` / ``prompts`` / ``resources`` / ``templates``: DataFrames."""

from __future__ import annotations

from typing import Any

from .base import Command, Context, lister, listing
from ._parser import ANY_SERVER, Option, Syntax

SERVERS = Syntax(
    name="servers",
    summary="every server: name, transport, status, tool/prompt/resource counts, server info, last error",
    usage=("%mcp servers",),
    examples=("%mcp servers",),
)

TOOLS = Syntax(
    name="tools",
    summary="every tool: server, name, title, description, params, required, annotations, calls, p50 ms",
    usage=("%mcp tools [SERVER] [--search WORDS] [--destructive | --read-only]",),
    positionals=(ANY_SERVER,),
    options=(
        Option(("--search", "-s"), "search", "words", "WORDS",
               "keep tools whose name, title or description contain every word (the words up to the next option)"),
        Option(("--destructive",), "destructive", "flag", help="only tools annotated as destructive"),
        Option(("--read-only",), "read_only", "flag", help="only tools annotated as read-only"),
    ),
    exclusive=(("destructive", "read_only"),),
    notes="Shown as a readable table; the DataFrame (`_`) keeps every column: _.df or wb.tools(all_columns=True).",
    examples=("%mcp tools", "%mcp tools demo --search add", "%mcp tools --destructive"),
)


def _kind(name: str, method: str, what: str, example: str) -> Syntax:
    return Syntax(
        name=name,
        summary=f"every {what} (of one server, or of all)",
        usage=(f"%mcp {name} [SERVER]",),
        positionals=(ANY_SERVER,),
        examples=(example,),
        notes=f"Python: wb.{method}(server=None)",
    )


PROMPTS = _kind("prompts", "prompts", "prompt: server, name, title, description, arguments, required", "%mcp prompts")
RESOURCES = _kind("resources", "resources", "resource: server, uri, name, title, mime type, size", "%mcp resources demo")
TEMPLATES = _kind(
    "templates", "resource_templates", "resource template: server, uri_template, name, mime type", "%mcp templates"
)


def run_tools(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    frame = ctx.wb.tools(
        v["SERVER"], search=" ".join(v["search"]) or None,
        destructive=v["destructive"] or None, read_only=v["read_only"] or None,
    )  # fmt: skip
    return listing(frame, ctx.display_limit)


COMMANDS = [
    Command(SERVERS, lister("servers")),
    Command(TOOLS, run_tools),
    Command(PROMPTS, lister("prompts")),
    Command(RESOURCES, lister("resources")),
    Command(TEMPLATES, lister("resource_templates")),
]
