"""``%mcp logout``: forget a server's OAuth tokens (they are kept across kernels otherwise)."""

from __future__ import annotations

from typing import Any

from .base import Command, Context
from ._parser import Positional, Syntax

LOGOUT = Syntax(
    name="logout",
    summary="forget the OAuth tokens of a server (and close it); the next connect signs in again",
    usage=("%mcp logout NAME",),
    positionals=(Positional("NAME", "a connected server, or the URL of one signed in to earlier"),),
    notes="Tokens live in the OS keyring or in a 0600 file under ~/.mcp-workbench/tokens, per server URL and user.",
    examples=("%mcp logout remote", "%mcp logout https://mcp.example.com/mcp"),
)


def run_logout(ctx: Context, v: dict[str, Any], cell: str | None) -> None:
    removed = ctx.wb.logout(v["NAME"])
    print(f"logged out of {v['NAME']}" if removed else f"no stored sign-in for {v['NAME']}")


COMMANDS = [Command(LOGOUT, run_logout)]
