"""``%mcp help [COMMAND]``: every subcommand's usage with an example, or one in detail.

The texts are made here; the command itself is registered by the package, which knows them all."""

from __future__ import annotations

from typing import Any

from ._parser import Positional, Syntax

HELP = Syntax(
    name="help",
    summary="usage of every subcommand, with examples",
    usage=("%mcp help [COMMAND]",),
    positionals=(Positional("COMMAND", "a subcommand to explain in detail", required=False),),
    examples=("%mcp help", "%mcp help connect", "%mcp call --help"),
)

_FOOTER = (
    "Results are returned (so `_` holds them) and shown richly; `-o VAR` also stores them in VAR.\n"
    "Settings: %config McpWorkbench (timeout, idle_timeout, store, autoconnect_config, display_limit).\n"
    "Python: wb = mcp_workbench.workbench(); wb.call('demo.add', a=1, b=2)."
)


def overview(commands: dict[str, Any]) -> str:
    """Every subcommand: its usage lines and its first example."""
    lines = ["%mcp: work with MCP servers from IPython.", ""]
    for command in commands.values():
        syntax: Syntax = command.syntax
        lines.append(f"  {syntax.usage[0]}")
        lines.extend(f"      {u}" for u in syntax.usage[1:])
        lines.append(f"      {syntax.summary}")
        if syntax.examples:
            lines.append(f"      e.g. {syntax.examples[0]}")
    lines += ["", "%mcp help COMMAND shows a subcommand's options and more examples.", _FOOTER]
    return "\n".join(lines)


def detail(syntax: Syntax) -> str:
    """One subcommand: usage, arguments, options, notes, examples."""
    lines = [f"%mcp {syntax.name}: {syntax.summary}", "", "usage:"]
    lines.extend(f"  {u}" for u in syntax.usage)
    described = [p for p in syntax.positionals if p.help]
    if described:
        lines += ["", "arguments:"]
        lines.extend(f"  {p.name:<22} {p.help}" for p in described)
    if syntax.options:
        lines += ["", "options:"]
        for opt in syntax.options:
            head = ", ".join(opt.flags) + ("" if opt.kind == "flag" else f" {opt.metavar}")
            lines.append(f"  {head:<22} {opt.help}")
    if syntax.notes:
        lines += ["", syntax.notes]
    if syntax.examples:
        lines += ["", "examples:"]
        lines.extend(f"  {e}" for e in syntax.examples)
    return "\n".join(lines)
