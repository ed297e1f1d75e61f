"""``ChatSession``: one conversation bound to its servers, and the tool loop.

A turn: send the (trimmed) conversation with the bound servers' tools → stream the answer →
run the turn's tool calls concurrently → append the results → repeat until the model answers
without tool calls or ``max_tool_rounds`` is reached. The loop runs on the engine loop, where
the connections live; the caller's thread renders it (see ``channel``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from . import export
from .approval import ApprovalPolicy
from .calls import not_run, run_round
from .channel import Channel, LoopChannel, PumpChannel
from .display import ChatDisplay
from .messages import Message, estimate_tokens, to_api
from .model import ModelClient
from .reply import Reply, ToolCall
from .settings import ChatError, ChatSettings
from .store import SessionInfo
from .tools import ToolMap
from .trimming import trim


class ChatSession:
    """A chat: ``send`` / ``asend`` a message, ``messages()``, ``export(path)``.

    ``servers`` is the list of servers whose tools the model may call (None: every connected
    server, looked up at each turn; []: no tools).
    """

    def __init__(
        self, wb: Any, state: Any, info: SessionInfo, settings: ChatSettings, history: list[Message],
        *, servers: list[str] | None, allow: list[str], system: str | None,
    ) -> None:  # fmt: skip
        self._wb, self._state, self.info = wb, state, info
        self.settings = settings
        self.servers = servers
        self.system = system
        self.policy = ApprovalPolicy(settings.approve, allow, settings.ask_for)
        self.model = ModelClient(settings, cassette=lambda: getattr(wb, "cassette", None))
        self._history = history
        self._busy = False
        # apps: what apps shown in this chat last said of themselves (ui/update-model-context),
        # one entry per app view; the model reads them with every request.
        self.app_context: dict[str, str] = {}

    @property
    def busy(self) -> bool:
        """A turn is running (a new message now would be refused)."""
        return self._busy

    @property
    def name(self) -> str:
        return self.info.name

    def __repr__(self) -> str:
        bound = "all servers" if self.servers is None else ", ".join(self.servers) or "no tools"
        return (f"<ChatSession {self.name!r} in {self.info.room!r}: {self.settings.model}, {bound}, "
                f"{len(self._history)} messages>")  # fmt: skip

    # ------------------------------------------------------------------ public API
    def send(self, message: str, *, display: str | Callable[[dict[str, Any]], None] | None = None) -> Reply:
        """Send a message and run the tool loop; streams into the cell output; returns a ``Reply``.

        ``display``: "rich", "text", "none", or a function that receives every turn event
        (``{"type": "text" | "tool_start" | "tool_end" | "note" | "done", ...}``), e.g. a widget.
        """
        channel = PumpChannel(self._view(display))
        return channel.run(self._wb.engine, self._turn(message, channel))

    async def asend(self, message: str, *, display: str | Callable[[dict[str, Any]], None] | None = None) -> Reply:
        """Async twin of ``send`` (top-level ``await`` in a cell, or from the engine loop)."""
        view = self._view(display)
        if self._wb.engine.in_engine_thread():
            return await self._turn(message, Channel(view))
        channel = LoopChannel(asyncio.get_running_loop(), view)
        return await self._wb.engine.arun(self._turn(message, channel))

    def _view(self, display: Any) -> Callable[[dict[str, Any]], None]:
        return display if callable(display) else ChatDisplay(display or self.settings.display, chat=self)  # apps:

    def messages(self) -> pd.DataFrame:
        """One row per message: role, content (full), tool_calls, tool_results, tokens, time."""
        return export.messages_frame(self._history)

    def export(self, path: str | Path) -> Path:
        """Write a Markdown transcript (renders in Jupyter and on GitHub); returns the path."""
        meta = {"room": self.info.room, "model": self.settings.model,
                "servers": "all" if self.servers is None else ", ".join(self.servers)}  # fmt: skip
        return export.write(path, export.to_markdown(self._history, f"Chat {self.name}", meta))

    def tools(self) -> pd.DataFrame:
        """The tools this chat offers the model, under their API names, and which need approval."""
        tools = self._wb.engine.run(self._tools())
        rows = [{"function": t.api_name, "server": t.server, "tool": t.tool, "read_only": t.read_only,
                 "destructive": t.destructive, "needs_approval": self.policy.needs_approval(t)}
                for t in tools.by_name.values()]  # fmt: skip
        return pd.DataFrame(rows, columns=["function", "server", "tool", "read_only", "destructive", "needs_approval"])

    # ------------------------------------------------------------------ the loop
    async def _tools(self) -> ToolMap:
        wb = self._wb
        known = wb.server_names()
        names = known if self.servers is None else self.servers
        servers = []
        for name in names:
            if name not in known:
                raise ChatError(
                    f"chat {self.name!r} uses server {name!r}, which is not connected: connect it "
                    f"(wb.connect({name!r}, ...)) or change chat.servers"
                )
            server = wb.server(name)
            if not server.is_open:
                await wb.aopen(name)  # idle-closed: reopen, as a call would
            servers.append(server)
        return ToolMap(servers)

    async def _append(self, message: Message) -> None:
        self._history.append(message)
        await asyncio.to_thread(self._state.store().append, self.info.id, message)

    def _request(self) -> list[dict[str, Any]]:
        system = [{"role": "system", "content": self.system}] if self.system else []
        system += [{"role": "system", "content": text} for text in self.app_context.values()]  # apps:
        return system + to_api([m for m in self._history if m.role != "system"], self.settings.max_result_chars)

    async def _turn(self, text: str, channel: Channel) -> Reply:
        if self._busy:
            raise ChatError(f"chat {self.name!r} is still answering the previous message")
        self._busy = True
        state, started = self._state, time.perf_counter()
        reply = Reply(model=self.settings.model)
        state.active, state.last, state.channel = self, self, channel
        try:
            self.settings.key()  # no API key: fail before anything is stored
            tools = await self._tools()
            channel.emit({"type": "start", "model": self.settings.model})
            await self._append(Message("user", text, tokens=estimate_tokens({"content": text})))
            await self._loop(tools, channel, reply)
        except ChatError as exc:
            channel.emit({"type": "note", "text": str(exc)})
            raise
        finally:
            self._busy = False
            state.active, state.channel = None, None
            reply.usage.seconds = time.perf_counter() - started
            reply.usage.tool_calls = sum(c.status != "not_run" for c in reply.tool_calls)
            channel.emit({"type": "done", "usage": reply.usage.line(self.settings.model)})
        return reply

    async def _loop(self, tools: ToolMap, channel: Channel, reply: Reply) -> None:
        s, usage = self.settings, reply.usage
        specs = tools.specs() or None
        for round_no in range(s.max_tool_rounds + 1):
            request, usage.trimmed = trim(self._request(), s.token_budget)
            done = await self.model.complete(
                request, specs,
                on_text=lambda d: channel.emit({"type": "text", "delta": d}),
                on_status=lambda note: channel.emit({"type": "note", "text": note}),
            )  # fmt: skip
            usage.requests += 1
            usage.prompt_tokens += done.prompt_tokens
            usage.completion_tokens += done.completion_tokens
            usage.reported += bool(done.usage_reported or done.prompt_tokens or done.completion_tokens)
            calls: list[dict[str, Any]] = [{**c, **_where(tools, c["name"])} for c in done.tool_calls]
            await self._append(Message("assistant", done.text, calls or None, tokens=done.completion_tokens or None))
            if not calls:
                reply.text = done.text
                return
            if round_no == s.max_tool_rounds:
                await self._results(reply, not_run(done.tool_calls, tools, s.max_tool_rounds, channel), s)
                wanted = ", ".join(dict.fromkeys(c.target for c in reply.tool_calls[-len(calls):]))
                notice = (f"Stopped after {s.max_tool_rounds} rounds of tool calls (max_tool_rounds="
                          f"{s.max_tool_rounds}); the model still wanted to call {wanted}. Send another "
                          "message to let it go on, or raise max_tool_rounds.")  # fmt: skip
                channel.emit({"type": "note", "text": notice})
                reply.text, reply.stopped = (done.text + "\n\n" + notice).strip(), "max_tool_rounds"
                return
            usage.rounds += 1
            await self._results(reply, await run_round(self._wb, done.tool_calls, tools, self.policy, channel), s)

    async def _results(self, reply: Reply, calls: list[ToolCall], s: ChatSettings) -> None:
        reply.tool_calls.extend(calls)
        for c in calls:
            info = {"tool_call_id": c.id, "server": c.server, "tool": c.tool, "status": c.status,
                    "is_error": c.is_error, "duration_ms": c.duration_ms}  # fmt: skip
            sent = min(len(c.text), s.max_result_chars)
            await self._append(Message("tool", c.text, tool_results=[info], tokens=sent // 4 + 4))


def _where(tools: ToolMap, name: str) -> dict[str, str | None]:
    bound = tools.get(name)
    return {"server": bound.server if bound else None, "tool": bound.tool if bound else None}
