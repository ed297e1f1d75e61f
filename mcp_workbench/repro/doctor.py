"""The doctor: why a remote MCP server does not connect, one stage per row, in the order they fail.

"Connection failed" can mean a typo in the host, a server that is not running, a certificate
nobody trusts, a web server that is not MCP, a sign-in whose metadata is missing, or a server
speaking a revision the client does not. Each stage checks one of those (``probes.py`` for the
network and OAuth ones, the SDK's own client for the MCP ones), so the first failed row names
the problem and its advice says what to do; the stages after it are skipped.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pandas as pd
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION, MODERN_PROTOCOL_VERSIONS

from ..core.config import interpolate
from ..core.secrets import mask_text
from . import probes
from .probes import Failed, Target

COLUMNS = ["stage", "status", "ms", "detail", "advice"]
STAGES = ("url", "dns", "tcp", "tls", "http", "protected-resource metadata", "authorization-server metadata",
          "initialize/discover", "protocol version", "listings")  # fmt: skip
DEFAULT_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0  # a failed connect waits at most this per stage for its diagnosis
_MCP_STAGES = STAGES[-3:]
_HANDSHAKE_ADVICE = "the endpoint answers but the MCP handshake failed: read the detail and the server's log"


class Skipped(Exception):
    """A stage that does not apply (plain HTTP has no TLS; no sign-in, no OAuth metadata)."""


class DoctorReport(pd.DataFrame):
    """The doctor's DataFrame (stage, status ok|fail|skipped, ms, detail, advice) with ``.ok``."""

    @property
    def _constructor(self) -> type[DoctorReport]:
        return DoctorReport

    @property
    def ok(self) -> bool:
        """True when no stage failed."""
        return not (self["status"] == "fail").any()

    @property
    def failed_stage(self) -> str | None:
        """The first stage that failed, or None."""
        failed = self[self["status"] == "fail"]
        return None if failed.empty else str(failed.iloc[0]["stage"])

    @property
    def summary(self) -> str | None:
        """``doctor: tcp failed: connection refused ... (start the server ...)``; None when all is well."""
        stage = self.failed_stage
        if stage is None:
            return None
        row = self[self["stage"] == stage].iloc[0]
        advice = f" ({row['advice']})" if row["advice"] else ""
        return f"doctor: {row['stage']} failed: {row['detail']}{advice}"


class _Run:
    """One diagnosis: the target learned so far, the rows made, and the first failure."""

    def __init__(self, url: str, headers: dict[str, str] | None, timeout: float) -> None:
        self.target = Target(url)
        self.headers = headers or {}
        self.timeout = timeout
        self.rows: list[dict[str, Any]] = []
        self.failed: str | None = None

    def row(self, stage: str, status: str, ms: float | None, detail: str, advice: str = "") -> None:
        self.rows.append({"stage": stage, "status": status, "ms": ms, "detail": mask_text(detail), "advice": advice})

    def skip_after_failure(self, name: str) -> None:
        self.row(name, "skipped", None, f"not tried: the {self.failed} stage failed")

    async def stage(self, name: str, probe: Callable[[], Awaitable[str]]) -> bool:
        """Run one probe into a row; False once anything has failed."""
        if self.failed is not None:
            self.skip_after_failure(name)
            return False
        started = time.perf_counter()
        try:
            detail = await probe()
        except Skipped as why:
            self.row(name, "skipped", None, str(why))
            return True
        except Failed as failure:
            self.row(name, "fail", _ms(started), failure.detail, failure.advice)
            self.failed = name
            return False
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is still a finding
            self.row(name, "fail", _ms(started), _describe(exc), "")
            self.failed = name
            return False
        self.row(name, "ok", _ms(started), detail)
        return True

    async def run(self) -> DoctorReport:
        import httpx2

        target = self.target
        context = httpx2.create_ssl_context()  # the trust the workbench's own connections use

        async def url() -> str:
            return probes.parse_url(target)

        async def tls() -> str:
            if target.scheme != "https":
                raise Skipped("plain HTTP: no TLS")
            return await probes.handshake_tls(target, context, self.timeout)

        await self.stage("url", url)
        await self.stage("dns", lambda: probes.resolve(target))
        await self.stage("tcp", lambda: probes.connect(target, self.timeout))
        await self.stage("tls", tls)
        async with httpx2.AsyncClient(headers=self.headers, timeout=self.timeout, verify=context) as http:
            await self.stage("http", lambda: probes.post_handshake(target, http))
            await self.stage("protected-resource metadata", lambda: self._oauth(probes.protected_resource, http))
            await self.stage("authorization-server metadata", lambda: self._oauth(probes.authorization_server, http))
            await self._mcp(http)
        return DoctorReport(self.rows, columns=COLUMNS)

    async def _oauth(self, probe: Callable[[Target, Any], Awaitable[str]], http: Any) -> str:
        if not self.target.needs_sign_in:
            raise Skipped("no sign-in asked for (no 401)")
        return await probe(self.target, http)

    async def _mcp(self, http: Any) -> None:
        """initialize/discover, protocol version and listings, on one SDK client session."""
        if self.failed is None and self.target.needs_sign_in:
            for name in _MCP_STAGES:
                self.row(name, "skipped", None, "sign-in required: connect with auth='oauth' (the rows above say if it can work)")
            return
        if self.failed is not None:
            for name in _MCP_STAGES:
                self.skip_after_failure(name)
            return
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        started = time.perf_counter()
        try:
            with anyio.fail_after(self.timeout):
                async with Client(streamable_http_client(self.target.url, http_client=http)) as client:
                    await self._session_stages(client, started)
        except Exception as exc:  # noqa: BLE001 - the stage in progress failed (a timeout cancels from outside)
            if len(self.rows) < len(STAGES):
                name = STAGES[len(self.rows)]
                advice = _HANDSHAKE_ADVICE if name == "initialize/discover" else ""
                self.row(name, "fail", _ms(started), _describe(exc), advice)
                self.failed = name
            for name in STAGES[len(self.rows):]:
                self.skip_after_failure(name)

    async def _session_stages(self, client: Any, started: float) -> None:
        version = client.protocol_version
        how = "server/discover" if version in MODERN_PROTOCOL_VERSIONS else "initialize"
        info = client.server_info
        self.row("initialize/discover", "ok", _ms(started),
                 f"{how}: {info.name} {info.version}" if info else f"{how}: the server did not name itself")  # fmt: skip

        async def protocol() -> str:
            if version in MODERN_PROTOCOL_VERSIONS:
                return f"{version} (2026 era: stateless requests, server/discover)"
            if version not in HANDSHAKE_PROTOCOL_VERSIONS:
                raise Failed(f"unknown protocol version {version!r}", "update the server or the client")
            if version != LATEST_HANDSHAKE_VERSION:
                return f"{version} (handshake era; an older revision: {LATEST_HANDSHAKE_VERSION} is current)"
            return f"{version} (handshake era)"

        await self.stage("protocol version", protocol)
        await self.stage("listings", lambda: _listings(client))


async def _listings(client: Any) -> str:
    caps = client.server_capabilities
    parts = []
    for attr, fetch, key in (("tools", client.list_tools, "tools"), ("prompts", client.list_prompts, "prompts"),
                             ("resources", client.list_resources, "resources")):  # fmt: skip
        if getattr(caps, attr) is None:
            continue
        page = await fetch()
        more = "+" if page.next_cursor else ""
        parts.append(f"{len(getattr(page, key))}{more} {key}")
    return ", ".join(parts) or "the server advertises no tools, prompts or resources"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = " ".join(str(exc).split())[:300]
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def diagnose(url: str, *, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> DoctorReport:
    """Check ``url`` stage by stage (header values may be ``${env:VAR}``); see ``Workbench.doctor``."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("doctor needs a URL, e.g. wb.doctor('http://127.0.0.1:8000/mcp')")
    resolved = {k: interpolate(v, where=f"doctor header {k}") for k, v in (headers or {}).items()}  # ${env:VAR}
    return await _Run(url.strip(), resolved, timeout).run()


async def connect_summary(spec: Any) -> str | None:
    """For a failed URL connect: the doctor's one-line summary of ``spec`` (a ``ServerSpec``), or
    None when every stage passed, the transport is SSE past the network stages (the doctor
    speaks Streamable HTTP), or the diagnosis itself failed (it must never hide the error)."""
    try:
        resolved = spec.resolved()
        report = await diagnose(resolved.url, headers=resolved.headers, timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001
        return None
    if spec.transport == "sse" and report.failed_stage not in (None, "url", "dns", "tcp", "tls"):
        return None
    return report.summary
