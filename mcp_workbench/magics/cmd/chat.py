"""``%mcp chat`` / ``%%mcp chat`` / ``chats``: a tool-augmented chat from a cell (issue 5)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from .base import Command, Context, lister
from ._parser import Option, Positional, Syntax, positive_int

NOTEBOOK_SESSION = "notebook"  # one line after another continues one conversation

CHAT = Syntax(
    name="chat",
    summary="send a message to a model that may call the connected tools; the reply streams into the cell",
    usage=(
        '%mcp chat [--model M] [--servers a,b] [--session NAME] [--approve ask|auto|never] "MESSAGE"',
        "%%mcp chat [options]   (cell: the message)",
    ),
    positionals=(Positional("MESSAGE", "the message (quote it, or put it in a %%mcp chat cell)", required=False, many=True),),
    options=(
        Option(("--model", "-m"), "model", metavar="M", help="the model (default: %config McpWorkbench.model)"),
        Option(("--servers",), "servers", metavar="a,b", help="servers whose tools the model may call (default: all)"),
        Option(("--session", "-s"), "session", metavar="NAME", help=f"the conversation (default: {NOTEBOOK_SESSION!r})"),
        Option(("--system",), "system", metavar="TEXT", help="the system prompt"),
        Option(("--approve",), "approve", metavar="POLICY", help="destructive tools: ask, auto or never"),
        Option(("--max-rounds",), "rounds", metavar="N", help="tool rounds before stopping (default 8)", type=positive_int),
    ),
    examples=('%mcp chat "What is 2+3? Use the tools."', "%mcp chat --servers demo --session math 'add 2 and 3'"),
    cell="text",
)

CHATS = Syntax(
    name="chats",
    summary="the chat sessions kept in the store (resume one with --session NAME)",
    usage=("%mcp chats",),
    examples=("%mcp chats",),
)


def run_chat(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    words = " ".join(v["MESSAGE"] or [])
    message = "\n".join(part for part in (words, (cell or "").strip()) if part)
    if not message:
        raise UsageError('%mcp chat needs a message: %mcp chat "..." or a %%mcp chat cell')
    servers = [s.strip() for s in v["servers"].split(",") if s.strip()] if v["servers"] else None
    chat = ctx.wb.chat(
        model=v["model"], servers=servers, system=v["system"], session=v["session"] or NOTEBOOK_SESSION,
        approve=v["approve"], max_tool_rounds=v["rounds"],
    )  # fmt: skip
    return chat.send(message)


COMMANDS = [Command(CHAT, run_chat), Command(CHATS, lister("chats"))]
