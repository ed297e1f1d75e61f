"""``python -m mcp_workbench.demo [--http|--sse] [--port N]``: run the demo server."""

from .server import main

main()
