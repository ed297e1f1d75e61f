"""mcp-workbench: the notebook-native workbench for the Model Context Protocol.

``wb = mcp_workbench.workbench()`` gives the kernel's one Workbench; ``%load_ext mcp_workbench``
adds the ``%mcp`` magics.
"""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
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
from .results import PromptResult, ResourceResult, ToolResult  # noqa: E402
from .service import Workbench, workbench  # noqa: E402

__all__ = [
    "ArgumentError",
    "CallTimeoutError",
    "ConfigError",
    "ConflictError",
    "ConnectionFailedError",
    "PromptResult",
    "ProtocolError",
    "ResourceResult",
    "ServerNotFoundError",
    "ToolNotFoundError",
    "ToolResult",
    "Workbench",
    "workbench",
]
