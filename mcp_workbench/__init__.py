"""mcp-workbench: the notebook-native workbench for the Model Context Protocol.

``wb = mcp_workbench.workbench()`` gives the kernel's one Workbench; ``%load_ext mcp_workbench``
adds the ``%mcp`` magics. Exports load lazily so ``python -m mcp_workbench.demo`` (a server
process) does not pay for pandas and the client stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

from .core import VERSION as __version__  # noqa: F401 (the package version)

_EXPORTS = {
    "Workbench": "facade",
    "workbench": "facade",
    "ToolResult": "core.results",
    "PromptResult": "core.results",
    "ResourceResult": "core.results",
    "Task": "views.tasks",
    "WorkbenchError": "errors",
    "ArgumentError": "errors",
    "CallTimeoutError": "errors",
    "CapabilityError": "errors",
    "ConfigError": "errors",
    "ConflictError": "errors",
    "ConnectionFailedError": "errors",
    "ProtocolError": "errors",
    "ServerNotFoundError": "errors",
    "TaskError": "errors",
    "ToolNotFoundError": "errors",
    "load_ipython_extension": "magics.extension",
    "unload_ipython_extension": "magics.extension",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .errors import (
        ArgumentError,
        CallTimeoutError,
        CapabilityError,
        ConfigError,
        ConflictError,
        ConnectionFailedError,
        ProtocolError,
        ServerNotFoundError,
        TaskError,
        ToolNotFoundError,
        WorkbenchError,
    )
    from .core.results import PromptResult, ResourceResult, ToolResult
    from .facade import Workbench, workbench
    from .views.tasks import Task


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)
