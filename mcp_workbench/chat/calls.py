"""One round of tool calls: parse, approve (one question at a time), run concurrently.

Every outcome is a result the model can read and act on: malformed JSON, unknown tools,
invalid arguments, refusals and failures come back as tool errors, never as exceptions.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from ..errors import ArgumentError, WorkbenchError
from .approval import ApprovalPolicy, ApprovalRequest
from .channel import Channel
from .reply import ToolCall
from .tools import ToolMap


def plan(raw: dict[str, str], tools: ToolMap) -> ToolCall:
    """A ``ToolCall`` from the model's raw call; status "pending" when it can run."""
    bound = tools.get(raw["name"])
    call = ToolCall(
        id=raw["id"], name=raw["name"], server=bound.server if bound else None, tool=bound.tool if bound else None,
        raw_arguments=raw["arguments"],
    )  # fmt: skip
    if bound is None:
        known = ", ".join(list(tools.by_name)[:30]) or "none"
        call.status, call.text = "unknown", f"error: there is no tool named {raw['name']!r}; available tools: {known}"
        return call
    try:
        args = json.loads(raw["arguments"] or "{}")
    except ValueError as exc:
        call.status = "invalid"
        call.text = (f"error: the arguments of {raw['name']} are not valid JSON ({exc}); "
                     "call the tool again with a JSON object")  # fmt: skip
        return call
    if not isinstance(args, dict):
        call.status = "invalid"
        call.text = f"error: the arguments of {raw['name']} must be a JSON object, got {type(args).__name__}"
        return call
    call.arguments, call.status = args, "pending"
    return call


def result_text(result: Any) -> str:
    """What the model reads from a ``ToolResult``: text, else structured JSON; media noted."""
    text = result.text
    if not text and result.structured is not None:
        text = json.dumps(result.structured, ensure_ascii=False, default=str)
    media = len(result.images) + len(result.audio)
    if media:
        text += f"\n[{media} image/audio item(s) returned: shown to the user, not sent to the model]"
    return f"error: {text}" if result.is_error else text


async def run_round(
    wb: Any, raw_calls: list[dict[str, str]], tools: ToolMap, policy: ApprovalPolicy, channel: Channel
) -> list[ToolCall]:
    """Run one assistant message's tool calls; results in the order the model asked for them."""
    calls = [plan(raw, tools) for raw in raw_calls]
    for call in calls:
        channel.emit({"type": "tool_start", "id": call.id, "target": call.target, "arguments": call.raw_arguments})
    for call in calls:  # questions one at a time, in order, before anything runs
        bound = tools.get(call.name)
        if call.status != "pending" or bound is None or not policy.needs_approval(bound):
            continue
        request = ApprovalRequest("tool", bound.server, bound.tool, call.arguments,
                                  destructive=bound.destructive, read_only=bound.read_only)  # fmt: skip
        ok, why = await policy.decide(request, channel)
        if not ok:
            call.status = "denied"
            call.text = f"error: {call.target} was not run: {why}. Do not retry it unless the user asks."
    for call in calls:
        if call.status != "pending":
            _finished(call, channel)
    await asyncio.gather(*(_execute(wb, c, channel) for c in calls if c.status == "pending"))
    return calls


async def _execute(wb: Any, call: ToolCall, channel: Channel) -> None:
    start = time.perf_counter()
    try:
        result = await wb.acall(call.target, call.arguments or {})
        call.result, call.text = result, result_text(result)
        call.status = "error" if result.is_error else "ok"
    except ArgumentError as exc:
        call.status, call.text = "invalid", f"error: {exc}; fix the arguments and call the tool again"
    except WorkbenchError as exc:
        call.status, call.text = "error", f"error: {call.target} failed: {exc}"
    except asyncio.CancelledError:
        call.status, call.text = "error", "error: cancelled by the user"
        raise
    except Exception as exc:  # noqa: BLE001 - a bug or an unexpected server answer must not end the whole turn
        call.status, call.text = "error", f"error: {call.target} failed: {type(exc).__name__}: {exc}"
    finally:
        call.duration_ms = (time.perf_counter() - start) * 1000
        _finished(call, channel)


def _finished(call: ToolCall, channel: Channel) -> None:
    channel.emit({"type": "tool_end", "id": call.id, "target": call.target, "status": call.status,
                  "text": call.text, "duration_ms": call.duration_ms,
                  "result": call.result})  # apps: the ToolResult (its .app shows inline)  # fmt: skip


def not_run(raw_calls: list[dict[str, str]], tools: ToolMap, limit: int, channel: Channel) -> list[ToolCall]:
    """Answer the calls of a round past ``max_tool_rounds`` without running them."""
    calls = []
    for raw in raw_calls:
        call = plan(raw, tools)
        call.status = "not_run"
        call.text = f"error: not run: the chat stopped after max_tool_rounds={limit} rounds of tool calls"
        channel.emit({"type": "tool_start", "id": call.id, "target": call.target, "arguments": call.raw_arguments})
        _finished(call, channel)
        calls.append(call)
    return calls
