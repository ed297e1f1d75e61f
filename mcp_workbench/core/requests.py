"""What servers ask of the client: sampling, elicitation, roots, and who answers.

Each connection's ``ClientCallbacks`` are closures over its server name that look the answer up
when a request arrives: the connection's own hooks (``wb.connect(..., on_sampling=...)``), else
the workbench's (``wb.on_sampling(fn)``), else the interactive default when a person is at the
kernel (``interactive``). A capability is advertised only when something will answer it, because
servers such as server-everything change their tool list by what the client advertises.

The answers that need an outer layer are plugged in, not reached for: ``sampler`` answers
sampling with a model (the chat plugs in its own), and ``asker`` says where an interactive
question goes (``input()``, or the running chat turn's channel). Roots are one setting, shared
with the ``file://`` resource policy: what servers are told is what reads are allowed in.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_types as types

from ..errors import WorkbenchError
from .connection import ClientCallbacks
from .elicitation import Ask, ElicitationRequest, accept_defaults, ask_user, to_result
from .policy import ResourcePolicy

logger = logging.getLogger("mcp_workbench.requests")
Sampler = Callable[["SamplingRequest"], Awaitable[Any]]
USER_REJECTED = -1  # the spec's code for a sampling request the user refused
SAMPLING_WORDS = ("model", "deny")
ELICITATION_WORDS = ("accept_defaults", "decline", "cancel", "ask")
UNSET: Any = object()  # "not given" for hooks, where None means "unset back to the default"


@dataclass
class Hooks:
    """Answers for one connection (or the workbench): a function, a keyword, or None (unset).

    ``sampling``: fn(SamplingRequest) -> str | CreateMessageResult | None, "model" (the plugged-in
    sampler, e.g. the chat's model after its approval policy) or "deny". ``elicitation``: see
    ``core.elicitation``; False turns a capability off for one connection.
    """

    sampling: Any = None
    elicitation: Any = None


@dataclass(frozen=True)
class SamplingRequest:
    server: str
    messages: list[dict[str, Any]]  # OpenAI-style messages (system prompt included)
    max_tokens: int | None = None
    params: Any = field(default=None, repr=False)  # the raw CreateMessageRequestParams

    @property
    def text(self) -> str:
        """The last user text: what the server asks."""
        for m in reversed(self.messages):
            if m["role"] == "user":
                c = m["content"]
                return c if isinstance(c, str) else " ".join(p.get("text", "") for p in c)
        return ""


async def ask_input(question: str) -> str:
    """The interactive default: ``input()`` as installed now (ipykernel replaces it per cell), in a thread."""
    return await asyncio.to_thread(builtins.input, question)


async def call_hook(fn: Callable[..., Any], *args: Any) -> Any:
    """Call user code from the loop: coroutine functions awaited, plain ones in a worker thread
    (so they may block, ask, or make sync workbench calls)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await asyncio.to_thread(fn, *args)
    return await result if inspect.isawaitable(result) else result


class ServerRequests:
    """The workbench's answers to server-to-client requests, and the callbacks each connection gets."""

    def __init__(self, policy: ResourcePolicy) -> None:
        self.policy = policy  # roots live here: one setting for what servers see and what reads may reach
        self.hooks = Hooks()
        self.by_server: dict[str, Hooks] = {}
        self.interactive = False  # answer even without hooks (input() prompts, cwd as the root)
        self.raw = ClientCallbacks()  # raw SDK callbacks; they take precedence over everything here
        self.sampler: Sampler | None = None
        self.asker: Callable[[], Ask] = lambda: ask_input

    # ------------------------------------------------------------------ settings
    def set_hooks(self, server: str | None = None, *, on_elicitation: Any = UNSET, on_sampling: Any = UNSET,
                  roots: Any = UNSET) -> None:  # fmt: skip
        """Set the workbench's hooks (``server`` None) or one connection's; UNSET leaves one as it is."""
        hooks = self.hooks if server is None else self.by_server.setdefault(server, Hooks())
        if on_elicitation is not UNSET:
            check_hook("on_elicitation", on_elicitation, ELICITATION_WORDS)
            hooks.elicitation = on_elicitation
        if on_sampling is not UNSET:
            check_hook("on_sampling", on_sampling, SAMPLING_WORDS)
            hooks.sampling = on_sampling
        if roots is not UNSET:
            if roots is not None and not isinstance(roots, (list, tuple)):
                raise WorkbenchError("roots= takes a list of paths or file:// URIs, or None for the working directory")
            self.policy.set_roots(roots, server)

    def _pick(self, server: str, kind: str) -> Any:
        own = getattr(self.by_server.get(server) or Hooks(), kind)
        return own if own is not None else getattr(self.hooks, kind)

    def _on(self, server: str, kind: str) -> bool:
        hook = self._pick(server, kind) if kind != "roots" else self.policy.roots_for(server)
        return hook is not False and (hook is not None or self.interactive)

    # ------------------------------------------------------------------ per connection
    def callbacks(self, server: str) -> ClientCallbacks:
        """The connection's callbacks: what it advertises and how each request is answered."""
        base = self.raw

        async def sampling(context: Any, params: types.CreateMessageRequestParams) -> Any:
            return await self._guard("sampling", self.sample(server, params))

        async def elicitation(context: Any, params: Any) -> Any:
            return await self._guard("elicitation", self.elicit(server, params))

        async def list_roots(context: Any) -> Any:
            return types.ListRootsResult(roots=roots_of(self.policy.roots_for(server)))

        return ClientCallbacks(
            sampling=base.sampling or (sampling if self._on(server, "sampling") else None),
            elicitation=base.elicitation or (elicitation if self._on(server, "elicitation") else None),
            list_roots=base.list_roots or (list_roots if self._on(server, "roots") else None),
        )

    async def _guard(self, what: str, coro: Any) -> Any:
        try:
            return await coro
        except Exception as exc:  # noqa: BLE001 - the server gets an error answer; the session goes on
            logger.warning("answering a %s request failed: %s", what, exc)
            return types.ErrorData(code=types.INTERNAL_ERROR, message=f"{what} failed on the client: {exc}")

    async def elicit(self, server: str, params: Any) -> types.ElicitResult:
        request = ElicitationRequest.from_params(server, params)
        hook = self._pick(server, "elicitation")
        if callable(hook):
            return to_result(request, await call_hook(hook, request))
        if hook == "accept_defaults":
            return accept_defaults(request)
        if hook in ("decline", "cancel"):
            return types.ElicitResult(action=hook)
        try:
            return await ask_user(request, self.asker())
        except Exception as exc:  # noqa: BLE001 - no way to ask (no stdin): cancel, as a closed dialog would
            logger.warning("elicitation from %s cancelled: could not ask the user (%s)", server, exc)
            return types.ElicitResult(action="cancel")

    async def sample(self, server: str, params: types.CreateMessageRequestParams) -> Any:
        request = SamplingRequest(server, sampling_messages(params), params.max_tokens, params)
        hook = self._pick(server, "sampling")
        if callable(hook):
            answer = await call_hook(hook, request)
            if isinstance(answer, (types.CreateMessageResult, types.ErrorData)):
                return answer
            if answer is None or answer is False:
                return types.ErrorData(code=USER_REJECTED, message="the client declined the sampling request")
            return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text=str(answer)),
                                             model="workbench-hook", stop_reason="endTurn")  # fmt: skip
        if hook == "deny" or self.sampler is None:
            return types.ErrorData(code=USER_REJECTED, message="sampling is turned off on this client")
        return await self.sampler(request)


def sampling_messages(params: types.CreateMessageRequestParams) -> list[dict[str, Any]]:
    """A sampling request as chat-completions messages (images as data URLs)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": params.system_prompt}] if params.system_prompt else []
    for m in params.messages:
        blocks = m.content if isinstance(m.content, list) else [m.content]
        parts: list[dict[str, Any]] = []
        for b in blocks:
            if isinstance(b, types.TextContent):
                parts.append({"type": "text", "text": b.text})
            elif isinstance(b, types.ImageContent):
                parts.append({"type": "image_url", "image_url": {"url": f"data:{b.mime_type};base64,{b.data}"}})
            else:
                parts.append({"type": "text", "text": f"[{getattr(b, 'type', 'content')} omitted]"})
        text_only = all(p["type"] == "text" for p in parts)
        content: Any = "\n".join(p["text"] for p in parts) if text_only else parts
        out.append({"role": m.role, "content": content})
    return out


def roots_of(roots: list[Any] | None) -> list[types.Root]:
    """Roots from paths or URIs; the working directory when none are configured."""
    out = []
    for item in roots if roots is not None else [Path.cwd()]:
        text = str(item)
        if "://" in text:
            uri, name = text, text.rstrip("/").rsplit("/", 1)[-1] or text
        else:
            path = Path(text).expanduser().resolve()
            uri, name = path.as_uri(), path.name or str(path)
        out.append(types.Root.model_validate({"uri": uri, "name": name}))
    return out


def check_hook(kind: str, value: Any, words: tuple[str, ...]) -> None:
    if value is None or value is False or callable(value) or value in words:
        return
    raise WorkbenchError(f"{kind}={value!r}: use a function, None, False or one of {', '.join(map(repr, words))}")
