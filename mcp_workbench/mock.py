"""``python -m mcp_workbench.mock session.jsonl [--http --port N]``: a cassette served as an MCP server
(see ``repro/mock.py``)."""

from .repro.mock import main

if __name__ == "__main__":
    raise SystemExit(main())
