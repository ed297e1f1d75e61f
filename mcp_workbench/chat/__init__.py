"""Tool-augmented chat: an OpenAI-compatible model calling the connected MCP servers' tools.

``ChatService`` is the ``Workbench``'s chat part (``wb.chat`` / ``wb.chats``, and the model that
answers servers' sampling requests); ``settings`` holds the kernel's defaults
(``%config McpWorkbench.model`` sets ``settings.model``). The request types a hook receives
(``SamplingRequest``, ``ElicitationRequest``) live in the core and are re-exported here.
"""

from __future__ import annotations

from ..core.elicitation import ElicitationRequest
from ..core.requests import SamplingRequest
from .api import ChatService
from .approval import ApprovalRequest
from .reply import Reply, ToolCall, Usage
from .session import ChatSession
from .settings import DEFAULT_MODEL, ChatError, ChatSettings, ModelError, settings

__all__ = [
    "DEFAULT_MODEL", "ApprovalRequest", "ChatError", "ChatService", "ChatSession", "ChatSettings",
    "ElicitationRequest", "ModelError", "Reply", "SamplingRequest", "ToolCall", "Usage", "settings",
]  # fmt: skip
