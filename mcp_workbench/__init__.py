"""mcp-workbench: the notebook-native workbench for the Model Context Protocol.

``wb = mcp_workbench.workbench()`` gives the kernel's one Workbench; ``%load_ext mcp_workbench``
adds the ``%mcp`` magics. Exports load lazily so ``python -m mcp_workbench.demo`` (a server
process) does not pay for pandas and the client stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)
