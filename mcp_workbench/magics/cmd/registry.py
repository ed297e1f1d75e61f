"""``%mcp registry search | add``: servers published in an MCP Registry (issue 16, part 3)."""

from __future__ import annotations

from typing import Any


from .base import Command, Context, listing
from ._parser import Option, Positional, Syntax, key_value

_ACTIONS = ("search", "add")


def _check(syntax: Syntax, v: dict[str, Any]) -> None:
    if v["ACTION"] not in _ACTIONS:
        raise syntax.fail(f"%mcp registry {v['ACTION']}: say search or add")
    if v["ACTION"] == "add" and len(v["WORDS"]) != 1:
        raise syntax.fail("%mcp registry add takes one registry name, e.g. io.github.owner/server")
    if v["ACTION"] == "search" and (v["name"] or v["env"] or v["header"] or v["use"] or v["version"]):
        raise syntax.fail("--name, --env, --header, --use and --version are for %mcp registry add")


REGISTRY = Syntax(
    name="registry",
    summary="servers published in the MCP Registry: search them, or connect one by its registry name",
    usage=(
        "%mcp registry search [WORDS] [--cached]",
        "%mcp registry add NAME [--name LOCAL] [--env K=V ...] [--header K=V ...] [--use remote|npm|pypi|oci] "
        "[--version V]",
    ),
    positionals=(
        Positional("ACTION", "search or add"),
        Positional("WORDS", "search: part of a server's name; add: the registry name (io.github.owner/server)",
                   required=False, many=True),
    ),
    options=(
        Option(("--cached",), "cached", "flag", help="read what the catalog kept from earlier fetches (no network)"),
        Option(("--name",), "name", metavar="LOCAL", help="the name to address it by here (default: after the '/')"),
        Option(("--env",), "env", "multi", "K=V", "an environment variable the server needs (repeatable; ${env:VAR} ok)",
               key_value),
        Option(("--header",), "header", "multi", "K=V", "an HTTP header for a remote server (repeatable)", key_value),
        Option(("--use",), "use", metavar="KIND", help="remote, npm, pypi or oci (default: a remote, else a package)"),
        Option(("--version",), "version", metavar="V", help="an exact version (default: latest)"),
    ),
    notes=(
        "The registry: %config McpWorkbench.registry_url = '...' or $MCP_WORKBENCH_REGISTRY_URL (default: the\n"
        "official one). Results are kept in the catalog with their fetch time. A remote server is connected by\n"
        "URL; a package runs with npx (npm), uvx or this kernel's python (pypi), or docker (oci). Variables it\n"
        "requires and you did not give (nor set in the kernel) are named before anything starts."
    ),
    examples=(
        "%mcp registry search github",
        "%mcp registry add io.github.example/weather --name weather --env API_KEY='${env:WEATHER_KEY}'",
        "%mcp registry search --cached",
    ),
    finish=_check,
)


def run_registry(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    if v["ACTION"] == "search":
        return listing(ctx.wb.registry_search(" ".join(v["WORDS"]) or None, cached=v["cached"]), ctx.display_limit)
    info = ctx.wb.connect_registry(
        v["WORDS"][0], name=v["name"], env=dict(v["env"]) or None, headers=dict(v["header"]) or None, use=v["use"],
        version=v["version"] or "latest", cached=v["cached"],
    )  # fmt: skip
    ctx.opened.add(info.name)
    return info


COMMANDS = [Command(REGISTRY, run_registry)]
