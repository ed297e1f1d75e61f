"""``ChatService``: the chat part of the ``Workbench``: chat sessions, their store, and the model
that answers servers' sampling requests (plugged into the core's ``ServerRequests``).

It is handed the workbench (whose public API the tool loop calls) and a function returning the
catalog open now (None: chats are kept in memory for the kernel's lifetime).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..core.requests import SamplingRequest
from .channel import Channel
from .handlers import answer_with_model
from .messages import Message
from .session import ChatSession
from .settings import settings
from .store import MemoryStore, RepoStore, new_name

CHATS_COLUMNS = ["room", "session", "id", "model", "servers", "messages", "created", "updated"]
_ALL = "*"  # stored servers list meaning "every connected server"


class ChatService:
    """``wb.chat(...)`` and ``wb.chats()``; also where a running turn's questions and sampling go."""

    def __init__(self, wb: Any, catalog: Callable[[], Any]) -> None:
        self._wb = wb
        self._catalog = catalog
        self.memory = MemoryStore()
        self.live: dict[tuple[int, str, str], ChatSession] = {}  # open chats, by (store, room, name)
        self.active: ChatSession | None = None  # the chat whose turn is running
        self.last: ChatSession | None = None  # the chat that ran last (answers sampling between turns)
        self.channel: Channel | None = None  # the running turn's channel (questions go there)

    def store(self) -> Any:
        catalog = self._catalog()
        return RepoStore(catalog.repo) if catalog is not None else self.memory

    def ask(self) -> Callable[[str], Any]:
        """Where an interactive question goes now: the running turn's channel, else ``input()``."""
        return (self.channel or Channel()).ask

    async def sample(self, request: SamplingRequest) -> Any:
        """Answer a server's sampling request with the chat's model, after its approval policy."""
        return await answer_with_model(self, request)

    def chat(
        self, model: str | None = None, servers: list[str] | None = None, system: str | None = None,
        session: str | None = None, *, room: str = "default", base_url: str | None = None,
        api_key: str | None = None, approve: str | Callable[..., Any] | None = None, allow: list[str] | None = None,
        ask_for: str | None = None, max_tool_rounds: int | None = None, max_result_chars: int | None = None,
        token_budget: int | None = None, stream: bool | None = None, display: str | None = None, **options: Any,
    ) -> ChatSession:  # fmt: skip
        """A chat with a model that may call the tools of ``servers`` (None: every connected one).

        ``session`` names it: the same name (in the same ``room``) resumes it, also in a new kernel
        on the same store, with its model, servers and system prompt unless given again.
        ``approve``: "ask", "auto", "never" or fn(request) -> bool, for tools annotated destructive
        (``ask_for="not_read_only"``: every tool not annotated read-only); ``allow``: ``server.tool``
        patterns that never ask. ``max_result_chars`` cuts tool results for the model (history keeps
        them whole); ``token_budget`` trims old turns (0: never). Unset options come from
        ``mcp_workbench.chat.settings``; ``options`` also takes ``retries``, ``retry_backoff``, ``timeout``.
        """
        options.update(base_url=base_url, api_key=api_key, approve=approve, ask_for=ask_for,
                       max_tool_rounds=max_tool_rounds, max_result_chars=max_result_chars,
                       token_budget=token_budget, stream=stream, display=display)  # fmt: skip
        chat_settings = settings.merged(**options)  # validated before anything is stored
        store = self.store()
        name = session or new_name()
        key = (id(getattr(store, "repo", store)), room, name)
        info = store.find(room, name)
        if info is None:
            stored = [_ALL] if servers is None else list(servers)
            info = store.create(room, name, model or chat_settings.model, stored)
            history: list[Message] = []
        else:
            live = self.live.get(key)
            history = live._history if live is not None else store.load(info.id)
        bound = servers if servers is not None else (None if info.servers == [_ALL] else list(info.servers))
        chat_settings.model = model or info.model or chat_settings.model
        previous = next((m.content for m in reversed(history) if m.role == "system"), None)
        chat = ChatSession(self._wb, self, info, chat_settings, history, servers=bound, allow=list(allow or []),
                           system=system if system is not None else previous)  # fmt: skip
        if system is not None and system != previous:
            message = Message("system", system)
            history.append(message)
            store.append(info.id, message)
        self.live[key] = chat
        return chat

    def chats(self) -> pd.DataFrame:
        """Every chat session in the store: room, session, id, model, servers, messages, times."""
        rows = self.store().listing()
        frame = pd.DataFrame(rows, columns=CHATS_COLUMNS)
        for column in ("created", "updated"):
            frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        return frame
