"""Where the workbench keeps its files: ``$MCP_WORKBENCH_HOME``, else ``~/.mcp-workbench``.

The catalog's SQLite file and the OAuth token files both live there; this is the one place
that knows the directory, below both of them.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "MCP_WORKBENCH_HOME"


def home_dir() -> Path:
    """``$MCP_WORKBENCH_HOME`` (``~`` expanded), else ``~/.mcp-workbench``; not created here."""
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else Path.home() / ".mcp-workbench"
