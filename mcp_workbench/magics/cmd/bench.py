"""``%mcp verify`` / ``lint`` / ``doctor``: the server author's bench (issue 16)."""

from __future__ import annotations

from typing import Any

from .base import Command, Context, listing, store
from ._parser import Option, Positional, Syntax, key_value, positive_float, positive_int, variable

_OUT = Option(("-o",), "out", metavar="VAR", help="also store the DataFrame in VAR", type=variable)

VERIFY = Syntax(
    name="verify",
    summary="re-run a cassette's requests against the live servers and show what changed",
    usage=("%mcp verify CASSETTE [--ignore PATH ...] [--server RECORDED=LIVE ...] [--connect] [-o VAR]",),
    positionals=(Positional("CASSETTE", "a cassette written by %mcp record"),),
    options=(
        Option(("--ignore",), "ignore", "words", "PATH", "drop volatile fields first (JSONPath: $..time, $.rows[*].id)"),
        Option(("--server",), "server", "multi", "RECORDED=LIVE", "compare a recorded server with another connected one",
               type=key_value),
        Option(("--connect",), "connect", "flag", help="connect the recorded servers as the cassette says (and close them)"),
        _OUT,
    ),
    examples=("%mcp verify session.jsonl", "%mcp verify session.jsonl --ignore $..time $..id",
              "%mcp verify session.jsonl --server demo=demo2", "%mcp verify session.jsonl --connect"),
    notes="Rows: server, method, target, status (same | changed | missing | error), diff, recorded_ms, live_ms, note;\n"
          "listings are compared per tool / prompt / resource (schema drift). Python: wb.verify(path, ...).ok",
)  # fmt: skip

LINT = Syntax(
    name="lint",
    summary="what in a server's tools and prompts will trip up clients and models",
    usage=("%mcp lint SERVER [--cassette PATH] [--max-tokens N] [-o VAR]",),
    positionals=(Positional("SERVER", "a connected server"),),
    options=(
        Option(("--cassette",), "cassette", metavar="PATH",
               help="check recorded structuredContent against outputSchema (default: the active cassette)"),
        Option(("--max-tokens",), "max_tokens", metavar="N", help="flag tool definitions above N estimated tokens (800)",
               type=positive_int),
        _OUT,
    ),
    examples=("%mcp lint demo", "%mcp lint demo --cassette session.jsonl --max-tokens 400"),
    notes="Rows: severity, kind, name, rule, message (errors first; none when clean).\n"
          "Estimated tokens per tool are also a column of %mcp tools. Python: wb.lint(server)",
)  # fmt: skip

DOCTOR = Syntax(
    name="doctor",
    summary="why a remote server does not connect: one row per stage, from the URL to the listings",
    usage=("%mcp doctor URL [--header NAME=VALUE ...] [--timeout S] [-o VAR]",),
    positionals=(Positional("URL", "the server's Streamable HTTP URL"),),
    options=(
        Option(("--header", "-H"), "headers", "multi", "NAME=VALUE", "send this header (e.g. Authorization=Bearer ...)",
               type=key_value),
        Option(("--timeout",), "timeout", metavar="S", help="seconds per stage (default 10)", type=positive_float),
        _OUT,
    ),
    examples=("%mcp doctor http://127.0.0.1:8000/mcp", "%mcp doctor https://example.test/mcp -H Authorization='Bearer ${env:TOKEN}'"),
    notes="Stages: url, dns, tcp, tls, http, protected-resource metadata, authorization-server metadata,\n"
          "initialize/discover, protocol version, listings; each ok, fail or skipped, with ms, detail and advice.\n"
          "A failed %mcp connect of a URL adds the doctor's summary to its error. Python: wb.doctor(url)",
)  # fmt: skip


def run_verify(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    report = ctx.wb.verify(v["CASSETTE"], servers=dict(v["server"]) or None, ignore=v["ignore"],
                                  connect=v["connect"])  # fmt: skip
    print(report.summary)
    return store(ctx, v["out"], report)


def run_lint(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    api = ctx.wb
    options = {"token_threshold": v["max_tokens"]} if v["max_tokens"] else {}
    frame = api.lint(v["SERVER"], cassette=v["cassette"], **options)
    if frame.empty:
        print(f"lint {v['SERVER']}: clean")
    store(ctx, v["out"], frame)
    return listing(frame, ctx.display_limit)


def run_doctor(ctx: Context, v: dict[str, Any], cell: str | None) -> Any:
    headers = dict(v["headers"]) or None  # ${env:VAR} values are resolved by the doctor
    options = {"timeout": v["timeout"]} if v["timeout"] else {}
    report = ctx.wb.doctor(v["URL"], headers=headers, **options)
    print(report.summary or f"doctor: every stage of {v['URL']} is fine")
    return store(ctx, v["out"], report)


COMMANDS = [Command(VERIFY, run_verify), Command(LINT, run_lint), Command(DOCTOR, run_doctor)]
