"""``%mcp record`` / ``replay``: cassettes, so a notebook re-runs with no server present (issue 7)."""

from __future__ import annotations

from typing import Any

from .base import Command, Context
from ._parser import Option, Positional, Syntax


def _need_path_or_stop(syntax: Syntax, values: dict[str, Any]) -> None:
    if values["stop"] and values["PATH"] is not None:
        raise syntax.fail("give a PATH or --stop, not both")
    if not values["stop"] and values["PATH"] is None:
        raise syntax.fail("missing PATH (the cassette file, e.g. session.jsonl)")


def _cassette_syntax(name: str, summary: str, path: str, option: Option, stop: str, examples: tuple[str, ...],
                     notes: str) -> Syntax:  # fmt: skip
    """``%mcp NAME PATH [option]`` or ``%mcp NAME --stop``: record and replay take the same shape."""
    return Syntax(
        name=name, summary=summary, positionals=(Positional("PATH", path, required=False),),
        usage=(f"%mcp {name} PATH [{option.flags[0]}{' ' + option.metavar if option.kind != 'flag' else ''}]",
               f"%mcp {name} --stop"),
        options=(option, Option(("--stop",), "stop", kind="flag", help=stop)),
        examples=examples, notes=notes, exclusive=((option.dest, "stop"),), finish=_need_path_or_stop,
    )  # fmt: skip


RECORD = _cassette_syntax(
    "record", "record every request and response of the servers to a JSON Lines cassette (secrets masked)",
    "the cassette file (replaced)",
    Option(("--servers",), "servers", metavar="a,b", help="only these servers (default: every server, also later ones)"),
    "stop recording",
    ("%mcp record session.jsonl", "%mcp record session.jsonl --servers demo", "%mcp record --stop"),
    "Servers already connected are reconnected, so the cassette starts at their handshake.",
)  # fmt: skip

REPLAY = _cassette_syntax(
    "replay", "serve the cassette's servers from it: no process started, no URL reached",
    "a cassette written by %mcp record",
    Option(("--new-episodes",), "new_episodes", kind="flag",
           help="a request the cassette lacks goes to the real server and is appended (default: an error)"),
    "stop replaying: later connections reach the real servers",
    ("%mcp replay session.jsonl", "%mcp replay session.jsonl --new-episodes", "%mcp replay --stop"),
    "Run it before %mcp connect; servers already connected are reconnected to the cassette.",
)  # fmt: skip


def run_record(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    from ...repro.api import repro  # perf: imported when used, not at %load_ext

    api = repro(ctx.wb)
    if v["stop"]:
        path = api.stop_recording()
        return f"recorded to {path}" if path is not None else "not recording"
    cassette = api.record(v["PATH"], servers=v["servers"])
    which = ", ".join(sorted(cassette.servers)) if cassette.servers is not None else "every server"
    return f"recording {which} to {cassette.path}"


def run_replay(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    from ...repro.api import repro

    api = repro(ctx.wb)
    if v["stop"]:
        path = api.stop_replay()
        return f"stopped replaying {path}" if path is not None else "not replaying"
    cassette = api.replay(v["PATH"], mode="new_episodes" if v["new_episodes"] else "once")
    return f"replaying {cassette.path} ({cassette.mode})"


COMMANDS = [Command(RECORD, run_record), Command(REPLAY, run_replay)]
