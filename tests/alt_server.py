"""A second small server whose `add` has a different schema (for catalog schema-change tests)."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("alt")


@server.tool(description="Concatenate two strings (same name as the demo's add, other schema).")
def add(a: str, b: str, sep: str = "") -> str:
    return a + sep + b


@server.tool(description="Only here.")
def only_alt() -> str:
    return "alt"


if __name__ == "__main__":
    import sys

    print("alt server starting (a line on stderr)", file=sys.stderr, flush=True)
    server.run()
