"""The model endpoint through the official ``openai`` client, used on the engine loop.

One request = one completion, streamed or not, assembled into a ``Completion``. Rate limits
and server errors are retried with exponential backoff (honouring ``Retry-After``); every
other failure becomes a ``ModelError`` whose one line says what to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.secrets import mask_text
from .settings import ChatSettings, ModelError

if TYPE_CHECKING:
    import openai  # imported when a chat first talks to a model: %load_ext stays fast

logger = logging.getLogger("mcp_workbench.chat")
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_MAX_RETRY_AFTER_S = 60.0


@dataclass
class Completion:
    """One model answer: text, raw tool calls (``id``, ``name``, ``arguments``), usage."""

    text: str = ""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    model: str | None = None
    usage_reported: bool = False  # the endpoint sent token counts (some servers never do)


class ModelClient:
    """An ``AsyncOpenAI`` client per event loop (its HTTP pool is bound to the loop)."""

    def __init__(self, settings: ChatSettings, cassette: Callable[[], Any] | None = None) -> None:
        """``cassette()`` gives the workbench's active record/replay cassette (or None): model
        turns are recorded into it, and served from it on replay with no model present."""
        self.settings = settings
        self._cassette = cassette
        self._clients: dict[int, openai.AsyncOpenAI] = {}

    def _client(self) -> openai.AsyncOpenAI:
        import openai

        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            s = self.settings
            client = openai.AsyncOpenAI(api_key=s.key(), base_url=s.endpoint(), max_retries=0, timeout=s.timeout)
            self._clients[loop] = client
        return client

    def where(self) -> str:
        return self.settings.endpoint() or "https://api.openai.com/v1"

    async def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        stream: bool | None = None,
        **params: Any,
    ) -> Completion:
        """Send one request, retrying rate limits and 5xx; text deltas go to ``on_text``."""
        cassette = self._cassette() if self._cassette is not None else None
        if cassette is None or not (cassette.recording or cassette.replaying):
            return await self._complete(messages, tools, on_text, on_status, stream, params)
        request = {"model": self.settings.model, "messages": messages, "tools": tools or None, **params}
        if cassette.replaying:
            recorded = cassette.lookup_model_turn(request)  # a miss in "once" mode raises, naming it
            if recorded is not None:
                out = Completion(**recorded)
                if on_text and out.text:
                    on_text(out.text)
                return out
        out = await self._complete(messages, tools, on_text, on_status, stream, params)
        if cassette.recording:
            cassette.record_model_turn(request, asdict(out))
        return out

    async def _complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
        on_text: Callable[[str], None] | None, on_status: Callable[[str], None] | None,
        stream: bool | None, params: dict[str, Any],
    ) -> Completion:  # fmt: skip
        import openai

        stream = self.settings.stream if stream is None else stream
        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                return await self._once(messages, tools, stream, on_text, params)
            except openai.APIStatusError as exc:
                if exc.status_code not in _RETRY_STATUSES or _code(exc) == "insufficient_quota" or attempt == s.retries:
                    raise self._error(exc, tools, attempt) from None
                delay = _retry_after(exc)
                if delay is None:
                    delay = s.retry_backoff * 2**attempt
                if on_status:
                    on_status(f"{_reason(exc)}; retrying in {delay:.1f} s ({attempt + 1}/{s.retries})")
                logger.info("model endpoint answered %s; retry %d in %.1f s", exc.status_code, attempt + 1, delay)
                await asyncio.sleep(delay)
            except openai.APIConnectionError as exc:
                raise self._error(exc, tools, attempt) from None
        raise AssertionError("unreachable")

    async def _once(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, stream: bool,
        on_text: Callable[[str], None] | None, params: dict[str, Any],
    ) -> Completion:  # fmt: skip
        kwargs: dict[str, Any] = {"model": self.settings.model, "messages": messages, **params}
        if tools:
            kwargs["tools"] = tools
        client = self._client()
        if not stream:
            return _from_response(await client.chat.completions.create(**kwargs))
        out = Completion()
        calls: dict[int, dict[str, str]] = {}
        response = await client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs)
        async for chunk in response:
            out.model = out.model or chunk.model
            if chunk.usage is not None:
                out.prompt_tokens, out.completion_tokens = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                out.usage_reported = True
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    out.text += delta.content
                    if on_text:
                        on_text(delta.content)
                for part in delta.tool_calls or ():
                    call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                    call["id"] = part.id or call["id"]
                    if part.function is not None:
                        call["name"] += part.function.name or ""
                        call["arguments"] += part.function.arguments or ""
                out.finish_reason = choice.finish_reason or out.finish_reason
        out.tool_calls = [c | {"id": c["id"] or f"call_{i}"} for i, c in sorted(calls.items())]
        return out

    def _error(self, exc: Exception, tools: list[dict[str, Any]] | None, attempt: int) -> ModelError:
        """The failure as one line, with any key the endpoint echoed masked."""
        error = self._explain(exc, tools, attempt)
        return ModelError(mask_text(str(error)))

    def _explain(self, exc: Exception, tools: list[dict[str, Any]] | None, attempt: int) -> ModelError:
        import openai

        where, model = self.where(), self.settings.model
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(f"the model endpoint {where} did not answer within {self.settings.timeout:g} s")
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return ModelError(
                f"could not reach the model endpoint {where} ({type(cause).__name__}: {cause}); "
                "check base_url / OPENAI_BASE_URL and that the server is running"
            )
        assert isinstance(exc, openai.APIStatusError)
        status, message = exc.status_code, _message(exc)
        if status == 401:
            return ModelError(
                f"the model endpoint {where} rejected the API key (401: {message}); check the key (the Chat tab's "
                "API key field, api_key=getpass(), or OPENAI_API_KEY)"
            )
        if status == 429 and _code(exc) == "insufficient_quota":
            return ModelError(f"the account behind the API key has no quota left (429: {message})")
        if status == 429:
            return ModelError(
                f"rate limited by {where}: still 429 Too Many Requests after {attempt} retries ({message}); "
                "wait a moment and send again"
            )
        if tools and status in (400, 404, 422, 500) and "tool" in message.lower():
            return ModelError(
                f"model {model!r} does not support tool calling ({status}: {message}); pick a model with tool "
                "support, or chat without tools (servers=[])"
            )
        if status == 404:
            return ModelError(f"model {model!r} or the endpoint {where} was not found (404: {message})")
        retried = f" after {attempt} retries" if attempt else ""
        return ModelError(f"the model endpoint {where} answered {status}{retried}: {message}")


def _from_response(response: Any) -> Completion:
    choice = response.choices[0]
    msg = choice.message
    calls = [{"id": c.id or f"call_{i}", "name": c.function.name, "arguments": c.function.arguments or ""}
             for i, c in enumerate(msg.tool_calls or ())]
    usage = response.usage
    return Completion(
        text=msg.content or "", tool_calls=calls, finish_reason=choice.finish_reason, model=response.model,
        prompt_tokens=usage.prompt_tokens if usage else 0, completion_tokens=usage.completion_tokens if usage else 0,
        usage_reported=usage is not None,
    )  # fmt: skip


def _body_error(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        return inner if isinstance(inner, dict) else {"message": str(inner)}
    return {}


def _message(exc: openai.APIStatusError) -> str:
    return str(_body_error(exc).get("message") or exc.message).strip()[:300]


def _code(exc: openai.APIStatusError) -> str | None:
    return _body_error(exc).get("code")


def _reason(exc: openai.APIStatusError) -> str:
    return "rate limited (429)" if exc.status_code == 429 else f"the endpoint answered {exc.status_code}"


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return min(float(value) * scale, _MAX_RETRY_AFTER_S)
            except ValueError:
                return None
    return None
