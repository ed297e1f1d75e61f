"""Who may run what: tools that need approval ask first; a refusal is an answer, not an error.

``approve``: "ask" (a question to the user), "auto" (run), "never" (refuse), or a function
``fn(request) -> bool`` for headless runs and widgets. ``allow`` lists tools that never need
approval (``server.tool`` patterns, ``*`` wildcards). Sampling requests from servers go
through the same policy.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..core.requests import call_hook
from .channel import Channel
from .tools import BoundTool

_YES = {"y", "yes", "ok", "allow", "approve"}
_PREVIEW = 300


@dataclass(frozen=True)
class ApprovalRequest:
    """What an approval function is asked about: a tool call, or a server's sampling request."""

    kind: str  # "tool" or "sampling"
    server: str
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    text: str = ""  # the sampling prompt
    destructive: bool = False
    read_only: bool = False

    def question(self) -> str:
        if self.kind == "tool":
            args = json.dumps(self.arguments, ensure_ascii=False)
            hint = "destructive" if self.destructive else "may change things" if not self.read_only else "read-only"
            return f"Run {self.server}.{self.tool}({_cut(args)}) [{hint}]? [y/N] "
        return f"Server {self.server!r} asks the model: {_cut(self.text)!r}. Allow? [y/N] "


class ApprovalPolicy:
    """The rule for one chat."""

    def __init__(self, approve: str | Callable[..., Any], allow: Iterable[str] = (), ask_for: str = "destructive"):
        self.approve = approve
        self.allow = list(allow)
        self.ask_for = ask_for

    def needs_approval(self, tool: BoundTool) -> bool:
        if any(fnmatch.fnmatchcase(name, p) for p in self.allow for name in (tool.target, tool.api_name)):
            return False
        if self.ask_for == "not_read_only":
            return not tool.read_only
        return tool.destructive and not tool.read_only

    async def decide(self, request: ApprovalRequest, channel: Channel) -> tuple[bool, str]:
        """(allowed, why); a question that cannot be asked (no stdin) counts as a refusal."""
        if callable(self.approve):
            ok = bool(await call_hook(self.approve, request))
            return ok, "approved by the approve function" if ok else "refused by the approve function"
        if self.approve == "auto":
            return True, "approve='auto'"
        if self.approve == "never":
            return False, "approve='never' refuses what needs approval"
        try:
            answer = await channel.ask(request.question())
        except Exception as exc:  # noqa: BLE001 - no stdin: a question that cannot be asked is a no
            return False, f"could not ask for approval ({type(exc).__name__}: {exc})"
        ok = str(answer).strip().lower() in _YES
        return ok, "approved by the user" if ok else "refused by the user"


def _cut(text: str) -> str:
    return text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"
