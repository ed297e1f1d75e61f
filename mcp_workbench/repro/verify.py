"""Verify: re-run a cassette's requests against live servers and say what changed.

A cassette already holds saved calls with their answers, so it doubles as a test: send every
recorded request again, in recorded order, and compare the answers. The handshake is compared
as what it told the client (protocol version, server info, capabilities, instructions);
listings item by item (schema drift: tools added, removed, input or output schema changed);
every other request as its JSON result. Volatile fields are dropped first with ``ignore``
paths (``$..time``). Requests are sent raw (``wb.request``): no validation, no history.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from mcp_types import SERVER_INFO_META_KEY
from mcp_types.version import KNOWN_PROTOCOL_VERSIONS

from ..errors import ProtocolError, WorkbenchError
from .cassette import HANDSHAKE, CassetteError, canonical, read_entries
from .compare import (
    LISTINGS,
    Verdict,
    compare,
    compare_listing,
    fetch_pages,
    listing_items,
)
from .jsonpath import parse

COLUMNS = ["server", "method", "target", "status", "diff", "recorded_ms", "live_ms", "note"]
STATUSES = ("same", "changed", "missing", "error")
# Every 2026 result carries the server's identity; a version bump must not change every row
# (the handshake row still reports it).
DEFAULT_IGNORE = (f"$._meta['{SERVER_INFO_META_KEY}']",)
_NOT_REPLAYED = {"subscriptions/listen"}  # a stream held open for the connection's life


class VerifyReport(pd.DataFrame):
    """The verify DataFrame (one row per compared request or listed item) with ``.ok``."""

    _metadata = ["cassette"]

    @property
    def _constructor(self) -> type[VerifyReport]:
        return VerifyReport

    @property
    def ok(self) -> bool:
        """True when every row is "same"."""
        return bool((self["status"] == "same").all())

    def failures(self) -> VerifyReport:
        """The rows that are not "same"."""
        return self[self["status"] != "same"]

    @property
    def summary(self) -> str:
        counts = self["status"].value_counts()
        parts = [f"{int(counts[s])} {s}" for s in STATUSES if s in counts]
        name = Path(getattr(self, "cassette", None) or "cassette").name
        return f"verify {name}: {', '.join(parts) or 'nothing compared'} -> {'OK' if self.ok else 'CHANGED'}"

    def text(self) -> str:
        """The summary and every row that is not "same", with its diff (for a terminal or a CI log)."""
        return "\n".join([self.summary, *describe_rows(self.failures().to_dict("records"))])


def describe_rows(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """``- changed: demo tools/call add result changed`` and the row's diff, indented."""
    lines: list[str] = []
    for row in rows:
        lines.append(f"- {row['status']}: {row['server']} {row['method']} {row['target']} {row['note']}".rstrip())
        lines.extend(f"    {line}" for line in str(row["diff"] or "").splitlines())
    return lines


@dataclass
class Step:
    """What one report row (or group of rows) re-runs: a handshake, a listing (all its pages) or a request."""

    kind: str  # handshake | listing | request
    server: str
    method: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target(self) -> str:
        params = self.entries[0].get("params") or {}
        for key in ("name", "uri"):
            if isinstance(params.get(key), str):
                return params[key]
        return canonical(params)[:80] if params else ""

    @property
    def recorded_ms(self) -> float | None:
        times = [e["ms"] for e in self.entries if isinstance(e.get("ms"), (int, float))]
        return round(sum(times), 3) if times else None


def plan(entries: Iterable[dict[str, Any]]) -> list[Step]:
    """The cassette's calls as steps, in recorded order; a listing's later pages join its first."""
    calls = [e for e in entries if e.get("type") == "call" and e.get("response") is not None and not e.get("cancelled")]
    steps: list[Step] = []
    used: set[int] = set()
    for i, entry in enumerate(calls):
        method = entry["method"]
        if i in used or method in _NOT_REPLAYED:
            continue
        if method in HANDSHAKE:
            steps.append(Step("handshake", entry["server"], method, [entry]))
        elif method in LISTINGS:
            if (entry.get("params") or {}).get("cursor") is not None:
                continue  # a page whose first page was not recorded: nothing to start from
            steps.append(Step("listing", entry["server"], method, _pages(calls, i, used)))
        else:
            steps.append(Step("request", entry["server"], method, [entry]))
    return steps


def _pages(calls: list[dict[str, Any]], first: int, used: set[int]) -> list[dict[str, Any]]:
    """The first page and the pages its ``nextCursor`` chain leads to (recorded later)."""
    pages = [calls[first]]
    server, method = calls[first]["server"], calls[first]["method"]
    while (cursor := ((pages[-1]["response"].get("result") or {}).get("nextCursor"))) is not None:
        nxt = next((j for j in range(first + 1, len(calls)) if j not in used and calls[j]["server"] == server
                    and calls[j]["method"] == method and (calls[j].get("params") or {}).get("cursor") == cursor), None)  # fmt: skip
        if nxt is None:
            break
        used.add(nxt)
        pages.append(calls[nxt])
    return pages


def handshake_view(method: str, result: dict[str, Any]) -> dict[str, Any]:
    """What a recorded initialize / server/discover result told the client, as ``wb.server_info`` says it."""
    if method == "initialize":
        version, info = result.get("protocolVersion"), result.get("serverInfo")
    else:
        offered = [v for v in result.get("supportedVersions") or [] if v in KNOWN_PROTOCOL_VERSIONS]
        version = max(offered, key=KNOWN_PROTOCOL_VERSIONS.index) if offered else None
        info = (result.get("_meta") or {}).get(SERVER_INFO_META_KEY)
    return {"protocolVersion": version, "serverInfo": info, "capabilities": result.get("capabilities"),
            "instructions": result.get("instructions")}  # fmt: skip


def connect_options(server: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """``wb.connect`` options from the (masked) spec a cassette keeps; a masked value cannot be used."""
    keep = ("command", "args", "env", "cwd", "url", "transport", "headers", "timeout", "inherit_env", "auth")
    options = {k: spec[k] for k in keep if spec.get(k) not in (None, {}, [], False)}
    masked = [k for k, v in options.items() if "***" in canonical(v)]
    if masked:
        raise WorkbenchError(
            f"the cassette keeps how {server!r} was reached with masked secrets ({', '.join(masked)}): connect it "
            f"yourself first, or pass servers={{{server!r}: {{'command': ...}}}} (use ${{env:VAR}} references to record them)"
        )
    return options


class Verifier:
    """One verify run: resolve the live servers (connecting some), run the steps, close what it opened."""

    def __init__(
        self, wb: Any, cassette: str | Path, *, servers: Mapping[str, str | Mapping[str, Any]] | None = None,
        ignore: Iterable[str] = (), connect: bool = False, timeout: float | None = None,
    ) -> None:  # fmt: skip
        self.wb = wb
        self.path = Path(cassette)
        entries = list(read_entries(self.path))
        self.specs = {e["server"]: e.get("spec") or {} for e in entries if e.get("type") == "server"}
        self.steps = plan(entries)
        if not self.steps:
            raise CassetteError(f"{self.path} holds no requests to verify: record some calls first")
        if isinstance(ignore, str):
            ignore = [ignore]
        self.ignore = [parse(p) for p in ignore]
        self.result_ignore = self.ignore + [parse(p) for p in DEFAULT_IGNORE]
        self.mapping = dict(servers or {})
        self.connect = connect
        self.timeout = timeout
        self.live: dict[str, str] = {}  # recorded server -> live server name
        self.broken: dict[str, str] = {}  # recorded server -> why it cannot be verified
        self.opened: list[str] = []
        self.rows_by_step: list[list[dict[str, Any]]] = []

    def run(self) -> VerifyReport:
        """Every step, in order; ``self.rows_by_step`` keeps which rows each step made."""
        try:
            for server in dict.fromkeys(step.server for step in self.steps):
                self._resolve(server)
            self.rows_by_step = [self._run(step) for step in self.steps]
            rows = [row for step_rows in self.rows_by_step for row in step_rows]
        finally:
            for name in self.opened:
                try:
                    self.wb.disconnect(name)
                except WorkbenchError:
                    pass
        report = VerifyReport(rows, columns=COLUMNS)
        report.cassette = str(self.path)
        return report

    def _resolve(self, server: str) -> None:
        target = self.mapping.get(server, server)
        try:
            if isinstance(target, Mapping):
                self._open(server, dict(target))
            elif target in self.wb.server_names():
                self.live[server] = target
            elif self.connect and server in self.specs and target == server:
                self._open(server, connect_options(server, self.specs[server]))
            else:
                hint = "" if self.connect else ", or pass connect=True"
                raise WorkbenchError(f"server {target!r} is not connected: connect it first (wb.connect), "
                                     f"map it with servers={{{server!r}: 'other'}}{hint}")  # fmt: skip
        except WorkbenchError as exc:
            self.broken[server] = str(exc)

    def _open(self, server: str, options: dict[str, Any]) -> None:
        name = server if server not in self.wb.server_names() else f"{server}_verify"
        self.opened.append(name)
        self.wb.connect(name, **options)
        self.live[server] = name

    def _run(self, step: Step) -> list[dict[str, Any]]:
        if step.server in self.broken:
            return [self._row(step, Verdict(step.target, "error", self.broken[step.server]), None)]
        live = self.live[step.server]
        started = time.perf_counter()
        try:
            if step.kind == "handshake":
                verdicts = [self._handshake(step, live)]
            elif step.kind == "listing":
                verdicts = self._listing(step, live)
            else:
                verdicts = [self._request(step, live)]
        except WorkbenchError as exc:
            verdicts = [Verdict(step.target, "error", str(exc))]
        ms = round((time.perf_counter() - started) * 1000, 3)
        return [self._row(step, v, ms) for v in verdicts]

    def _row(self, step: Step, verdict: Verdict, live_ms: float | None) -> dict[str, Any]:
        return {"server": step.server, "method": step.method, "target": verdict.target, "status": verdict.status,
                "diff": verdict.diff, "recorded_ms": step.recorded_ms, "live_ms": live_ms, "note": verdict.note}  # fmt: skip

    def _handshake(self, step: Step, live: str) -> Verdict:
        result = step.entries[0]["response"].get("result")
        if result is None:
            return Verdict("", "error", f"the recorded {step.method} failed; nothing to compare")
        return compare("", handshake_view(step.method, result), self.wb.server_info(live), self.ignore)

    def _listing(self, step: Step, live: str) -> list[Verdict]:
        recorded = listing_items(step.method, [e["response"].get("result") or {} for e in step.entries])
        try:
            pages = fetch_pages(self.wb, live, step.method, timeout=self.timeout)
        except ProtocolError as exc:
            return [Verdict("", "error", str(exc))]
        return compare_listing(step.method, recorded, listing_items(step.method, pages), self.ignore)

    def _request(self, step: Step, live: str) -> Verdict:
        entry = step.entries[0]
        gone = self._unlisted(step, live)
        if gone:
            return Verdict(step.target, "missing", gone)
        outcome = self.wb.request(live, step.method, entry.get("params") or None, timeout=self.timeout)
        return compare(step.target, _body(entry["response"]), _body(outcome), self.result_ignore)

    def _unlisted(self, step: Step, live: str) -> str | None:
        """A call of a tool (prompt) the live server no longer lists is "missing", not sent."""
        lookup = {"tools/call": ("tool", self.wb.tool), "prompts/get": ("prompt", self.wb.prompt)}.get(step.method)
        if lookup is None:
            return None
        try:
            lookup[1](f"{live}.{step.target}")
        except KeyError:  # ToolNotFoundError (also for prompts)
            return f"{lookup[0]} {step.target!r} is no longer listed by {live!r}"
        return None


def _body(outcome: dict[str, Any]) -> Any:
    """A result is compared as itself (ignore paths are rooted there); an error as {"error": ...}."""
    return outcome["result"] if "result" in outcome else {"error": outcome.get("error")}


def verify(
    wb: Any, cassette: str | Path, *, servers: Mapping[str, str | Mapping[str, Any]] | None = None,
    ignore: Iterable[str] = (), connect: bool = False, timeout: float | None = None,
) -> VerifyReport:  # fmt: skip
    """Re-run ``cassette``'s requests on ``wb``'s live servers; see ``Workbench.verify``."""
    return Verifier(wb, cassette, servers=servers, ignore=ignore, connect=connect, timeout=timeout).run()
