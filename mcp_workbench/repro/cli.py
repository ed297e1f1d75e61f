"""``python -m mcp_workbench verify session.jsonl --command "python -m myserver"``: verify for any CI.

Exit status 0 when every recorded request still gets the same answer, 1 when something
changed (the report says what, with diffs), 2 when the command line or the cassette is wrong.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import WorkbenchError
from .mock import recorded_servers


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m mcp_workbench", description="mcp-workbench from the command line")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    verify = commands.add_parser("verify", help="re-run a cassette's requests against a live server; exit 1 on changes")
    verify.add_argument("cassette", help="a cassette written by wb.record / %%mcp record")
    where = verify.add_mutually_exclusive_group()
    where.add_argument("--command", help='start the server with this command line, e.g. "python -m myserver"')
    where.add_argument("--url", help="reach the server at this Streamable HTTP URL")
    verify.add_argument("--server", help="the recorded server --command / --url stands for (when the cassette has several)")
    verify.add_argument("--ignore", nargs="+", action="extend", default=[], metavar="PATH",
                        help="JSONPath of volatile fields to drop before comparing, e.g. '$..time'")  # fmt: skip
    verify.add_argument("--timeout", type=float, default=None, help="seconds per request (default: 60)")
    verify.add_argument("--all", action="store_true", help="print every row, not only the changed ones")
    return root


def live_servers(args: argparse.Namespace) -> dict[str, Any] | None:
    """``servers=`` for verify: the one recorded server mapped to --command / --url, or None (as recorded)."""
    if args.command is None and args.url is None:
        return None
    names = recorded_servers(args.cassette)
    server = args.server
    if server is None:
        if len(names) != 1:
            raise WorkbenchError(f"the cassette holds {', '.join(names) or 'no servers'}: say which with --server NAME")
        server = names[0]
    if args.url is not None:
        return {server: {"url": args.url}}
    argv = shlex.split(args.command)
    if not argv:
        raise WorkbenchError('--command needs a command line, e.g. --command "python -m myserver"')
    return {server: {"command": argv[0], "args": argv[1:], "inherit_env": True}}


def main(argv: Sequence[str] | None, make_workbench: Callable[[], Any]) -> int:
    args = parser().parse_args(argv)
    wb = None
    try:
        servers = live_servers(args)
        wb = make_workbench()
        report = wb.verify(args.cassette, servers=servers, connect=servers is None, ignore=args.ignore,
                           timeout=args.timeout)  # fmt: skip
    except WorkbenchError as exc:
        print(f"python -m mcp_workbench verify: {exc}", file=sys.stderr)
        return 2
    finally:
        if wb is not None:
            wb.close()
    print(report.to_string(columns=["server", "method", "target", "status", "note"]) if args.all else report.text())
    if args.all:
        print(report.text())
    return 0 if report.ok else 1
