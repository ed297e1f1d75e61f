"""Tool-augmented chat: an OpenAI-compatible model calling the connected MCP servers' tools.

``ChatAPI`` gives ``Workbench`` its ``chat`` / ``chats`` / ``on_elicitation`` / ``on_sampling``;
``settings`` holds the kernel's defaults (``%config McpWorkbench.model`` sets ``settings.model``).
"""

from __future__ import annotations

from .api import ChatAPI
from .approval import ApprovalRequest
from .elicit import ElicitationRequest
from .handlers import SamplingRequest
from .reply import Reply, ToolCall, Usage
from .session import ChatSession
from .settings import DEFAULT_MODEL, ChatError, ChatSettings, ModelError, settings

__all__ = [
    "DEFAULT_MODEL", "ApprovalRequest", "ChatAPI", "ChatError", "ChatSession", "ChatSettings",
    "ElicitationRequest", "ModelError", "Reply", "SamplingRequest", "ToolCall", "Usage", "settings",
]  # fmt: skip
