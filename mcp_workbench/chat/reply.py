"""What ``chat.send`` returns: the answer, every tool call of the turn, and the usage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCall:
    """One tool call the model asked for, and what came of it.

    ``status``: "ok", "error" (the tool failed or returned an error), "invalid" (bad JSON or
    arguments), "denied" (not approved), "unknown" (no such tool) or "not_run" (round limit).
    ``text`` is the full result; the model saw it cut to ``max_result_chars``.
    """

    id: str
    name: str
    server: str | None
    tool: str | None
    raw_arguments: str
    arguments: dict[str, Any] | None = None
    status: str = "pending"
    text: str = ""
    duration_ms: float | None = None
    result: Any = None  # the ToolResult, when the tool ran

    @property
    def target(self) -> str:
        return f"{self.server}.{self.tool}" if self.server else self.name

    @property
    def is_error(self) -> bool:
        return self.status != "ok"

    def __repr__(self) -> str:
        args = json.dumps(self.arguments) if self.arguments is not None else self.raw_arguments
        return f"<ToolCall {self.target}({args[:80]}) {self.status}>"


@dataclass
class Usage:
    """Tokens as the endpoint reported them (summed over the turn's requests), calls, time."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    tool_calls: int = 0
    rounds: int = 0
    seconds: float = 0.0
    trimmed: int = 0  # messages left out of the last request by the token budget
    reported: int = 0  # requests whose answer carried token counts (some servers send none)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def line(self, model: str | None = None) -> str:
        parts = [model] if model else []
        tokens = [f"{self.prompt_tokens:,} tokens in", f"{self.completion_tokens:,} out"]
        if self.requests and not self.reported:
            tokens = ["tokens n/a (the server sent no usage)"]
        elif self.reported < self.requests:
            tokens[-1] += f" (usage sent for {self.reported} of {self.requests} requests)"
        parts += [
            *tokens,
            f"{self.tool_calls} tool call{'s' if self.tool_calls != 1 else ''}", f"{self.seconds:.1f} s",
        ]  # fmt: skip
        if self.trimmed:
            parts.append(f"{self.trimmed} old messages trimmed")
        return " · ".join(parts)


@dataclass
class Reply:
    """``.text`` (the final answer, or the notice that ended the turn), ``.tool_calls``, ``.usage``.

    ``stopped`` is "done", or "max_tool_rounds" when the round limit ended the loop.
    """

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stopped: str = "done"
    model: str | None = None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        # Short on purpose: the answer was already streamed into the cell output.
        words = len(self.text.split())
        return f"<Reply: {words} words, {self.usage.line(self.model)}" + (
            ", stopped at max_tool_rounds>" if self.stopped != "done" else ">"
        )
