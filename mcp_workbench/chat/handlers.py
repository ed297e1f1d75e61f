"""Sampling answered by the chat's model: the answer the chat plugs into the core's
``ServerRequests`` (``wb.on_sampling("model")``, or no hook while a person is at the kernel).

The model is the running chat's (else the one used last, else the default settings'), and its
approval policy decides first, like any tool call the model would make.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types

from ..core.requests import USER_REJECTED, SamplingRequest
from .approval import ApprovalPolicy, ApprovalRequest
from .channel import Channel
from .model import ModelClient
from .settings import settings

_STOP = {"stop": "endTurn", "length": "maxTokens", "tool_calls": "toolUse"}


async def answer_with_model(state: Any, request: SamplingRequest) -> Any:
    """Answer with the chat's model (the one sending now, else the last used), after its policy."""
    chat = state.active or state.last
    model = chat.model if chat is not None else ModelClient(settings)
    policy = chat.policy if chat is not None else ApprovalPolicy(settings.approve, (), settings.ask_for)
    channel = state.channel or Channel()
    ok, why = await policy.decide(ApprovalRequest("sampling", request.server, text=request.text), channel)
    if not ok:
        channel.emit({"type": "note", "text": f"{request.server} asked the model a question (sampling): {why}"})
        return types.ErrorData(code=USER_REJECTED, message=f"sampling request refused: {why}")
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
