"""Keep what is sent within a token budget: oldest turns first, never splitting a tool call
from its result (an assistant message with tool calls and its tool messages go or stay
together, or the API rejects the request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .messages import estimate_tokens

ApiMessage = dict[str, Any]


def blocks(messages: list[ApiMessage]) -> list[list[ApiMessage]]:
    """Atomic units: one message, or an assistant tool-call message with its results."""
    out: list[list[ApiMessage]] = []
    for m in messages:
        if m["role"] == "tool" and out and out[-1][0].get("tool_calls"):
            out[-1].append(m)
        else:
            out.append([m])
    return out


def trim(
    messages: list[ApiMessage], budget: int | None, count: Callable[[ApiMessage], int] = estimate_tokens
) -> tuple[list[ApiMessage], int]:
    """``messages`` cut to ``budget`` estimated tokens; returns them and how many were dropped.

    The leading system messages, the newest user message and everything after it are kept
    whenever possible: older turns go first (a turn starts at a user message), then, only if
    the current turn alone is too big, its oldest tool rounds.
    """
    if not budget:
        return messages, 0
    head = 0
    while head < len(messages) and messages[head]["role"] == "system":
        head += 1
    system, units = messages[:head], blocks(messages[head:])
    sizes = [sum(count(m) for m in unit) for unit in units]
    total = sum(count(m) for m in system) + sum(sizes)
    last_user = max((i for i, u in enumerate(units) if u[0]["role"] == "user"), default=0)
    drop = 0  # units dropped from the front
    # Whole older turns: drop up to the next user message each time.
    while total > budget and drop < last_user:
        nxt = next(i for i in range(drop + 1, last_user + 1) if units[i][0]["role"] == "user")
        total -= sum(sizes[drop:nxt])
        drop = nxt
    kept = units[drop:]
    kept_sizes = sizes[drop:]
    dropped = sum(len(u) for u in units[:drop])
    # The current turn alone is too big: drop its oldest tool rounds, keep the user message and the newest unit.
    i = 1
    while total > budget and i < len(kept) - 1:
        total -= kept_sizes[i]
        dropped += len(kept[i])
        del kept[i], kept_sizes[i]
    return system + [m for unit in kept for m in unit], dropped
