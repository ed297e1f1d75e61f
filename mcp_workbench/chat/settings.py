"""Model settings shared by every chat of the kernel, and the chat's error types.

The magics wire ``%config McpWorkbench.model`` (and friends) to ``settings``; a chat created
without ``model=`` reads it then. Key and endpoint follow the openai client's conventions:
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` unless given explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..core.secrets import register_secret
from ..errors import WorkbenchError

DEFAULT_MODEL = "gpt-4o-mini"
APPROVE_MODES = ("ask", "auto", "never")
ASK_FOR = ("destructive", "not_read_only")


class ChatError(WorkbenchError):
    """A chat could not go on: bad settings, an unbound server, or a model endpoint error."""


class ModelError(ChatError):
    """The model endpoint failed: unreachable, key rejected, rate limited, no tool support."""


@dataclass
class ChatSettings:
    """Defaults for new chats; every field can also be passed to ``wb.chat(...)``.

    ``approve``: "ask" asks before a tool that needs approval runs, "auto" runs it, "never"
    refuses it (the refusal goes to the model as a tool error). ``ask_for``: which tools need
    approval, those annotated destructive or every tool not annotated read-only.
    ``token_budget`` bounds what is sent per request (estimated tokens); 0 or None disables it.
    """

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never in a repr: a cell would print it
    approve: str | Callable[..., Any] = "ask"
    ask_for: str = "destructive"
    max_tool_rounds: int = 8
    max_result_chars: int = 10_000
    token_budget: int | None = 60_000
    stream: bool = True
    retries: int = 3  # on 429 / 5xx, with exponential backoff
    retry_backoff: float = 1.0  # seconds before the first retry
    timeout: float = 120.0  # per model request, seconds
    display: str = "auto"  # "auto", "rich", "text" or "none"

    def merged(self, **overrides: Any) -> ChatSettings:
        """A copy with the non-None overrides applied, validated."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ChatError(f"unknown chat option(s): {', '.join(sorted(unknown))}")
        out = replace(self, **{k: v for k, v in overrides.items() if v is not None})
        out.validate()
        return out

    def validate(self) -> None:
        if not (callable(self.approve) or self.approve in APPROVE_MODES):
            raise ChatError(f"approve={self.approve!r}: use one of {', '.join(APPROVE_MODES)} or a function")
        if self.ask_for not in ASK_FOR:
            raise ChatError(f"ask_for={self.ask_for!r}: use one of {', '.join(ASK_FOR)}")
        if self.max_tool_rounds < 0 or self.max_result_chars < 100:
            raise ChatError("max_tool_rounds must be >= 0 and max_result_chars >= 100")
        if self.token_budget and self.token_budget < 200:
            raise ChatError("token_budget must be at least 200 tokens (or 0 for no trimming)")

    def endpoint(self) -> str | None:
        """The base URL in effect: explicit, else ``OPENAI_BASE_URL``, else None (OpenAI's)."""
        return self.base_url or os.environ.get("OPENAI_BASE_URL") or None

    def key(self) -> str:
        """The API key in effect; a custom endpoint (Ollama, vLLM...) may need none."""
        key = self.api_key or os.environ.get("OPENAI_API_KEY")
        if key:
            register_secret(key)  # masked wherever it could show: an endpoint's error, a log line
            return key
        if self.endpoint():
            return "not-needed"  # local servers ignore it; a hosted one answers 401, reported clearly
        raise ModelError(  # never suggest %env KEY=...: the key would be printed into the notebook
            "no API key: paste it into the API key field of the dashboard's Chat tab (%mcp ui), or pass it "
            "without showing it: from getpass import getpass; wb.chat(api_key=getpass()); or set "
            "OPENAI_API_KEY before starting Jupyter. For a local server (Ollama, vLLM, LM Studio) pass base_url=..."
        )


#: The kernel's defaults; the magics set ``settings.model`` from ``%config McpWorkbench.model``.
settings = ChatSettings()
