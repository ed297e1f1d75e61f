"""mcp-workbench: the notebook-native workbench for the Model Context Protocol.

``wb = mcp_workbench.workbench()`` gives the kernel's one Workbench; ``%load_ext mcp_workbench``
adds the ``%mcp`` magics. Exports load lazily so ``python -m mcp_workbench.demo`` (a server
process) does not pay for pandas and the client stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Workbench": "facade",
    "workbench": "facade",
    "ToolResult": "results",
    "PromptResult": "results",
    "ResourceResult": "results",
    "WorkbenchError": "errors",
    "ArgumentError": "errors",
    "CallTimeoutError": "errors",
    "ConfigError": "errors",
    "ConflictError": "errors",
    "ConnectionFailedError": "errors",
    "ProtocolError": "errors",
    "ServerNotFoundError": "errors",
    "ToolNotFoundError": "errors",
    "load_ipython_extension": "extension",
    "unload_ipython_extension": "extension",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .errors import (
        ArgumentError,
        CallTimeoutError,
        ConfigError,
        ConflictError,
        ConnectionFailedError,
        ProtocolError,
        ServerNotFoundError,
        ToolNotFoundError,
        WorkbenchError,
    )
    from .results import PromptResult, ResourceResult, ToolResult
    from .facade import Workbench, workbench


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcp_workbench' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
