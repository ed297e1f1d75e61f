"""``ChatAPI``: the chat methods of ``Workbench`` (a mixin the facade inherits).

It expects the facade's attributes: ``engine``, ``registry``, ``acall``, ``callbacks`` and
``catalog_store`` (None: chats are kept in memory for the kernel's lifetime). Its own state is
created on first use, so the facade's ``__init__`` needs no change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..core.connection import ClientCallbacks
from .channel import Channel
from .handlers import Hooks, ServerRequests, check_hook
from .messages import Message
from .session import ChatSession
from .settings import ChatError, settings
from .store import MemoryStore, RepoStore, new_name

CHATS_COLUMNS = ["room", "session", "id", "model", "servers", "messages", "created", "updated"]
_ALL = "*"  # stored servers list meaning "every connected server"
_UNSET: Any = object()
SAMPLING_WORDS = ("model", "deny")
ELICITATION_WORDS = ("accept_defaults", "decline", "cancel", "ask")


class ChatState:
    """Per workbench: the memory store, live chats, server-request hooks, the active turn."""

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        self.memory = MemoryStore()
        self.chats: dict[tuple[int, str, str], ChatSession] = {}
        self.requests = ServerRequests(self)
        self.active: ChatSession | None = None  # the chat whose turn is running
        self.last: ChatSession | None = None  # the chat that ran last (answers sampling between turns)
        self.channel: Channel | None = None  # the running turn's channel (questions go there)

    def store(self) -> Any:
        catalog = self._wb.catalog_store
        return RepoStore(catalog.repo) if catalog is not None else self.memory


class ChatAPI:
    """``wb.chat(...)``, ``wb.chats()``, ``wb.on_elicitation(fn)``, ``wb.on_sampling(fn)``."""

    @property
    def _chat_state(self) -> ChatState:
        state = self.__dict__.get("_chat_state_")
        if state is None:
            state = self.__dict__["_chat_state_"] = ChatState(self)
        return state

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
        state, store = self._chat_state, self._chat_state.store()
        name = session or new_name()
        key = (id(getattr(store, "repo", store)), room, name)
        info = store.find(room, name)
        if info is None:
            stored = [_ALL] if servers is None else list(servers)
            info = store.create(room, name, model or chat_settings.model, stored)
            history: list[Message] = []
        else:
            live = state.chats.get(key)
            history = live._history if live is not None else store.load(info.id)
        bound = servers if servers is not None else (None if info.servers == [_ALL] else list(info.servers))
        chat_settings.model = model or info.model or chat_settings.model
        previous = next((m.content for m in reversed(history) if m.role == "system"), None)
        chat = ChatSession(self, state, info, chat_settings, history, servers=bound, allow=list(allow or []),
                           system=system if system is not None else previous)  # fmt: skip
        if system is not None and system != previous:
            message = Message("system", system)
            history.append(message)
            store.append(info.id, message)
        state.chats[key] = chat
        return chat

    def chats(self) -> pd.DataFrame:
        """Every chat session in the store: room, session, id, model, servers, messages, times."""
        rows = self._chat_state.store().listing()
        frame = pd.DataFrame(rows, columns=CHATS_COLUMNS)
        for column in ("created", "updated"):
            frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        return frame

    # ------------------------------------------------------------------ server-initiated requests
    def on_elicitation(self, fn: Callable[..., Any] | str | None) -> Any:
        """Answer servers' elicitation requests with ``fn(request)`` (or "accept_defaults",
        "decline", "cancel"; None: ask the user). Set it before connecting: the capability is
        declared in the handshake. Usable as a decorator."""
        check_hook("on_elicitation", fn, ELICITATION_WORDS)
        self._chat_state.requests.hooks.elicitation = fn
        return fn

    def on_sampling(self, fn: Callable[..., Any] | str | None) -> Any:
        """Answer servers' sampling requests with ``fn(request)`` (or "model": the chat's model
        after its approval policy; "deny"). Set it before connecting. Usable as a decorator."""
        check_hook("on_sampling", fn, SAMPLING_WORDS)
        self._chat_state.requests.hooks.sampling = fn
        return fn

    def set_roots(self, roots: list[Any] | None) -> None:
        """The roots servers are told about (paths or file:// URIs); None: the working directory."""
        self._chat_state.requests.hooks.roots = None if roots is None else list(roots)

    def _set_connection_hooks(
        self, server: str, *, on_elicitation: Any = _UNSET, on_sampling: Any = _UNSET, roots: Any = _UNSET
    ) -> None:
        """Per-connection hooks from ``connect(..., on_elicitation=, on_sampling=, roots=)``."""
        hooks = self._chat_state.requests.by_server.setdefault(server, Hooks())
        if on_elicitation is not _UNSET:
            check_hook("on_elicitation", on_elicitation, ELICITATION_WORDS)
            hooks.elicitation = on_elicitation
        if on_sampling is not _UNSET:
            check_hook("on_sampling", on_sampling, SAMPLING_WORDS)
            hooks.sampling = on_sampling
        if roots is not _UNSET:
            if roots is not None and not isinstance(roots, (list, tuple)):
                raise ChatError("roots= takes a list of paths or file:// URIs")
            hooks.roots = None if roots is None else list(roots)

    def _client_callbacks(self, server: str) -> ClientCallbacks:
        """The callbacks to give ``Connection(...)`` for ``server`` (``self.callbacks`` first)."""
        return self._chat_state.requests.callbacks(server, getattr(self, "callbacks", None))

    @property
    def interactive_requests(self) -> bool:
        """Answer sampling / elicitation / roots even without hooks (the notebook's defaults)."""
        return self._chat_state.requests.interactive

    @interactive_requests.setter
    def interactive_requests(self, value: bool) -> None:
        self._chat_state.requests.interactive = bool(value)
