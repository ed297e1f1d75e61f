"""``%mcp connect`` / ``config`` / ``disconnect``: starting and stopping servers."""

from __future__ import annotations

import shlex
from typing import Any

from ...core.transports import TRANSPORTS
from .base import Command, Context
from ._parser import Option, Positional, Syntax, key_value, positive_float

# URL transports with a flag of their own (--sse); the table says which.
_FLAGGED = {k.flag.lstrip("-").replace("-", "_"): k for k in TRANSPORTS.values() if k.flag and k.target == "url"}
_URL_KINDS = [k for k in TRANSPORTS.values() if k.target == "url"]
_SCHEMES = " ".join(dict.fromkeys(f"{s}://" for k in _URL_KINDS for s in k.schemes))
_STDIO_ONLY = ("env", "cwd", "inherit_env")
_URL_ONLY = (*_FLAGGED, "transport", "header", "oauth", "client_id", "scope")


def _url_transport(v: dict[str, Any]) -> str | None:
    """The transport a URL line asks for: --transport NAME, a flag such as --sse, else None
    (chosen from the URL's scheme)."""
    flagged = [k.name for d, k in _FLAGGED.items() if v[d]]
    return v["transport"] or (flagged[0] if flagged else None)


def _check_connect(syntax: Syntax, v: dict[str, Any]) -> None:
    if v["stdio"] and v["URL"]:
        raise syntax.fail("give either --stdio CMD or a URL, not both")
    if not v["stdio"] and not v["URL"]:
        raise syntax.fail(f"say how to reach {v['NAME']!r}: --stdio CMD [ARGS...] or a URL ({_SCHEMES})")
    if v["stdio"]:
        wrong = [d for d in _URL_ONLY if v[d]]
        if wrong:
            raise syntax.fail(f"--{wrong[0].replace('_', '-')} is for URL servers; a stdio server takes --env K=V")
        if len(v["stdio"]) == 1 and " " in v["stdio"][0].strip():  # --stdio "python -m pkg"
            v["stdio"] = shlex.split(v["stdio"][0])
            if not v["stdio"]:
                raise syntax.fail("--stdio needs a command")
    else:
        wrong = [d for d in _STDIO_ONLY if v[d]]
        if wrong:
            flag = "--" + wrong[0].replace("_", "-")
            raise syntax.fail(f"{flag} is for stdio servers; a URL server takes --header K=V")
        if v["transport"] and v["transport"] not in {k.name for k in _URL_KINDS}:
            names = ", ".join(k.name for k in _URL_KINDS)
            raise syntax.fail(f"--transport {v['transport']}: a URL server's transport is one of {names}")


CONNECT = Syntax(
    name="connect",
    summary="connect a server by a command (stdio) or a URL (Streamable HTTP; SSE with --sse; WebSocket ws://)",
    usage=(
        "%mcp connect NAME --stdio CMD [ARGS...] [--env K=V ...] [--cwd DIR] [--inherit-env] [--timeout S]",
        "%mcp connect NAME URL [--sse] [--header K=V ...] [--timeout S]",
        "%mcp connect NAME URL --oauth [--client-id ID] [--scope S ...]",
    ),
    positionals=(
        Positional("NAME", "the name you address it by: NAME.TOOL (letters, digits, _ and -)"),
        Positional("URL", f"the server's address ({_SCHEMES}): Streamable HTTP, SSE with --sse, WebSocket for ws://",
                   required=False),
    ),
    options=(
        Option(("--stdio",), "stdio", "command", "CMD [ARGS...]",
               "start CMD as a subprocess and talk over its stdin/stdout; `python` means this kernel's python"),
        Option(("--env",), "env", "multi", "K=V", "set an environment variable for the server (repeatable)",
               key_value),
        Option(("--cwd",), "cwd", metavar="DIR", help="working directory of the server process"),
        Option(("--inherit-env",), "inherit_env", "flag", help="give the server the kernel's whole environment"),
        *(Option((k.flag,), d, "flag", help=f"the URL is a{' (deprecated)' if k.deprecated else ''} {k.label} "
                 "endpoint") for d, k in _FLAGGED.items()),  # fmt: skip
        Option(("--transport",), "transport", metavar="NAME",
               help="the URL's transport: " + ", ".join(f"{k.name} ({k.label})" for k in _URL_KINDS)
               + "; default: from the URL's scheme"),
        Option(("--header",), "header", "multi", "K=V", "send an HTTP header, e.g. Authorization=... (repeatable)",
               key_value),
        Option(("--timeout",), "timeout", metavar="S", help="per-call timeout for this server, in seconds",
               type=positive_float),
        Option(("--log-level",), "log_level", metavar="L",
               help="the lowest level of log messages the server should send (debug ... emergency)"),
        Option(("--oauth",), "oauth", "flag", help="sign in with OAuth 2.1 (a sign-in link; the tokens are kept)"),
        Option(("--client-id",), "client_id", metavar="ID", help="a pre-registered OAuth client ID (implies --oauth)"),
        Option(("--scope",), "scope", "multi", "S", help="an OAuth scope to ask for (repeatable; implies --oauth)"),
    ),
    notes=(
        "Stdio servers get a minimal environment (HOME, PATH and a few more), not the kernel's: a variable\n"
        "set with %env does not reach them. Pass it with --env K=V, or give them everything with --inherit-env.\n"
        "Options after --stdio CMD that %mcp knows are taken by %mcp; put the server's own look-alike\n"
        "flags after `--` (e.g. --stdio srv -- --timeout 5). Values may use ${env:VAR}.\n"
        "Connecting a name again replaces that connection.\n"
        "--oauth tokens are kept in the OS keyring (else a 0600 file under ~/.mcp-workbench); %mcp logout NAME forgets\n"
        "them. A client secret belongs in a config file as ${env:VAR}, not on this line."
    ),
    examples=(
        "%mcp connect demo --stdio python -m mcp_workbench.demo",
        "%mcp connect time --stdio python -m mcp_server_time --env TZ=Asia/Seoul",
        "%mcp connect web http://127.0.0.1:8000/mcp --header Authorization='Bearer ${env:TOKEN}'",
        "%mcp connect old http://127.0.0.1:8000/sse --sse --timeout 10",
        "%mcp connect w ws://127.0.0.1:8770/mcp --header Authorization='Bearer ${env:TOKEN}'",
        "%mcp connect remote https://mcp.example.com/mcp --oauth --scope read",
    ),
    finish=_check_connect,
)


def run_connect(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    name = v["NAME"]
    options: dict[str, Any] = {"timeout": v["timeout"]} if v["timeout"] else {}
    if v["log_level"]:
        options["log_level"] = v["log_level"]
    if v["stdio"]:
        command, *args = v["stdio"]
        options.update(command=command, args=args, cwd=v["cwd"], inherit_env=v["inherit_env"])
        if v["env"]:
            options["env"] = dict(v["env"])
    else:
        options.update(url=v["URL"], transport=_url_transport(v))
        if v["header"]:
            options["headers"] = dict(v["header"])
        if v["oauth"] or v["client_id"] or v["scope"]:
            auth = {"client_id": v["client_id"], "scopes": v["scope"]}
            options["auth"] = {k: val for k, val in auth.items() if val} or "oauth"
    ctx.opened.add(name)  # a failed connect stays listed (with its error) and is ours to close
    return ctx.wb.connect(name, **options)


CONFIG = Syntax(
    name="config",
    summary="connect every server of an mcpServers / servers JSON file (Claude Desktop, Cursor, VS Code)",
    usage=("%mcp config PATH [--strict]",),
    positionals=(Positional("PATH", "the JSON file"),),
    options=(Option(("--strict",), "strict", "flag", help="fail on the first server that does not connect"),),
    notes="Servers that fail are listed with status 'error' and their last_error; without --strict the rest connect.",
    examples=("%mcp config mcp.json", "%mcp config ~/.cursor/mcp.json --strict"),
)


def run_config(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    from ...views.readable import listing

    frame = ctx.wb.load_config(v["PATH"], strict=v["strict"])
    ctx.opened.update(frame["name"])
    return listing(frame, ctx.display_limit)


def _check_disconnect(syntax: Syntax, v: dict[str, Any]) -> None:
    if bool(v["NAME"]) == bool(v["all"]):
        raise syntax.fail("name one server, or pass --all")


DISCONNECT = Syntax(
    name="disconnect",
    summary="close a server (ending its process) and forget it",
    usage=("%mcp disconnect NAME | --all",),
    positionals=(Positional("NAME", "the server to close", required=False),),
    options=(Option(("--all",), "all", "flag", help="close every server"),),
    examples=("%mcp disconnect demo", "%mcp disconnect --all"),
    finish=_check_disconnect,
)


def run_disconnect(ctx: Context, v: dict[str, Any], cell: str | None) -> None:
    names = ctx.wb.server_names() if v["all"] else [v["NAME"]]
    for name in names:
        ctx.wb.disconnect(name)
        ctx.opened.discard(name)
    print(f"disconnected {', '.join(names)}" if names else "no server was connected")


COMMANDS = [Command(CONNECT, run_connect), Command(CONFIG, run_config), Command(DISCONNECT, run_disconnect)]
