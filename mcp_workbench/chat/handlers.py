"""Requests a server sends to the client: sampling, elicitation, roots.

Each connection's ``ClientCallbacks`` are closures over its server name that look the hooks up
when a request arrives: the connection's own (``wb.connect(..., on_sampling=...)``), else the
workbench's (``wb.on_sampling(fn)``), else the interactive default. A capability is advertised
only when something will answer it, because servers such as server-everything change their
tool list by what the client advertises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_types as types

from ..core.connection import ClientCallbacks
from .approval import ApprovalPolicy, ApprovalRequest
from .channel import Channel, call_hook
from .elicit import ElicitationRequest, accept_defaults, ask_user, to_result
from .model import ModelClient
from .settings import ChatError, settings

logger = logging.getLogger("mcp_workbench.chat")
_USER_REJECTED = -1  # the spec's code for a sampling request the user refused
_STOP = {"stop": "endTurn", "length": "maxTokens", "tool_calls": "toolUse"}


@dataclass
class Hooks:
    """Answers for one connection (or the workbench): a function, a keyword, or None (unset).

    ``sampling``: fn(SamplingRequest) -> str | CreateMessageResult | None, "model" (the chat's
    model, after its approval policy) or "deny". ``elicitation``: see ``elicit``; False turns a
    capability off for one connection. ``roots``: paths or ``file://`` URIs.
    """

    sampling: Any = None
    elicitation: Any = None
    roots: list[Any] | None = None


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


class ServerRequests:
    """Builds per-connection callbacks and answers what arrives; ``state`` is the chat state."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.hooks = Hooks()
        self.by_server: dict[str, Hooks] = {}
        self.interactive = False  # answer even without hooks (input() prompts, cwd as the root)

    def _pick(self, server: str, kind: str) -> Any:
        own = getattr(self.by_server.get(server) or Hooks(), kind)
        return own if own is not None else getattr(self.hooks, kind)

    def _on(self, server: str, kind: str) -> bool:
        hook = self._pick(server, kind)
        return hook is not False and (hook is not None or self.interactive)

    def callbacks(self, server: str, base: ClientCallbacks | None = None) -> ClientCallbacks:
        """The connection's callbacks; raw SDK callbacks in ``base`` take precedence."""
        base = base or ClientCallbacks()

        async def sampling(context: Any, params: types.CreateMessageRequestParams) -> Any:
            return await self._guard("sampling", self.sample(server, params))

        async def elicitation(context: Any, params: Any) -> Any:
            return await self._guard("elicitation", self.elicit(server, params))

        async def list_roots(context: Any) -> Any:
            return types.ListRootsResult(roots=roots_of(self._pick(server, "roots")))

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

    def _channel(self) -> Channel:
        return self.state.channel or Channel()

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
            return await ask_user(request, self._channel().ask)
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
                return types.ErrorData(code=_USER_REJECTED, message="the client declined the sampling request")
            return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text=str(answer)),
                                             model="workbench-hook", stop_reason="endTurn")  # fmt: skip
        if hook == "deny":
            return types.ErrorData(code=_USER_REJECTED, message="sampling is turned off on this client")
        return await self._with_model(request)

    async def _with_model(self, request: SamplingRequest) -> Any:
        """Answer with the chat's model (the one sending now, else the last used), after its policy."""
        chat = self.state.active or self.state.last
        model = chat.model if chat is not None else ModelClient(settings)
        policy = chat.policy if chat is not None else ApprovalPolicy(settings.approve, (), settings.ask_for)
        channel = self._channel()
        ok, why = await policy.decide(ApprovalRequest("sampling", request.server, text=request.text), channel)
        if not ok:
            channel.emit({"type": "note", "text": f"{request.server} asked the model a question (sampling): {why}"})
            return types.ErrorData(code=_USER_REJECTED, message=f"sampling request refused: {why}")
        params = request.params
        extra: dict[str, Any] = {}
        if params.max_tokens:
            extra["max_tokens"] = params.max_tokens
        if params.temperature is not None:
            extra["temperature"] = params.temperature
        if params.stop_sequences:
            extra["stop"] = params.stop_sequences
        done = await model.complete(request.messages, None, stream=False, **extra)
        channel.emit({"type": "note", "text": f"{request.server} asked the model a question (sampling); answered"})
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text=done.text),
            model=done.model or model.settings.model,
            stop_reason=_STOP.get(done.finish_reason or "", done.finish_reason),
        )  # fmt: skip


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
    raise ChatError(f"{kind}={value!r}: use a function, None, False or one of {', '.join(map(repr, words))}")

