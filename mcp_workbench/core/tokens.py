"""A rough count of the tokens a tool definition costs a model, on every turn that offers it.

No tokenizer ships with the workbench (the real ones are model-specific and download their
tables), so this is the usual estimate: about four characters of compact JSON per token. It is
meant for ranking tools and flagging outliers (a 20 kB description), not for billing.
"""

from __future__ import annotations

import json
import math
from typing import Any

CHARS_PER_TOKEN = 4.0
_FIELDS = ("name", "title", "description", "inputSchema", "outputSchema", "annotations")


def tool_definition(tool: Any) -> dict[str, Any]:
    """What a client sends a model for one tool: its wire JSON without ``_meta`` / icons."""
    data = tool.model_dump(by_alias=True, exclude_none=True, mode="json") if hasattr(tool, "model_dump") else dict(tool)
    return {k: data[k] for k in _FIELDS if k in data}


def estimate_tokens(tool: Any) -> int:
    """Estimated tokens of one tool definition (a ``Tool`` or its JSON)."""
    text = json.dumps(tool_definition(tool), separators=(",", ":"), ensure_ascii=False)
    return math.ceil(len(text) / CHARS_PER_TOKEN)
