"""Server specs: what to start or where to connect, and the config files that list them.

A ``ServerSpec`` keeps values exactly as the user wrote them (``${env:TOKEN}`` stays a
reference); ``resolved()`` substitutes environment variables in memory only, at connect time,
and registers the resolved secrets so they are masked wherever they appear later.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .auth.settings import parse_auth
from ..errors import ConfigError
from .secrets import (
    is_reference,
    is_secret_key,
    mask,
    mask_mapping_values,
    register_secret,
    register_secrets,
)
from .transports import TRANSPORTS, TransportKind, transport_kind

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# ${env:VAR} (VS Code, this project) and ${VAR} / ${VAR:-default} (Claude Code, shells).
_ENV_REF = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 30.0


def check_server_name(name: str) -> str:
    """Server names appear in ``server.tool`` addresses, so they may not contain dots."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(
            f"invalid server name {name!r}: use letters, digits, '_' or '-', starting with a letter (no dots)"
        )
    return name


def env_references(text: str) -> list[str]:
    """The names of the variables ``${env:VAR}`` / ``${VAR}`` / ``${VAR:-default}`` in ``text``."""
    return [m.group(1) for m in _ENV_REF.finditer(text)]


def _resolved_references(text: str, where: str) -> str:
    """The values the references in ``text`` stand for, joined (each also registered alone)."""
    values = [interpolate(m.group(0), where=where) for m in _ENV_REF.finditer(text)]
    register_secrets(values)
    return values[0] if len(values) == 1 else ""


def interpolate(text: str, *, where: str) -> str:
    """Replace ``${env:VAR}`` / ``${VAR}`` / ``${VAR:-default}``; an unset variable is an error."""

    def sub(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        value = os.environ.get(var)
        if value is None:
            if default is not None:
                return default
            raise ConfigError(
                f"{where}: environment variable {var} is not set; set it first "
                f"(in a notebook: %env {var}=..., or os.environ[{var!r}] = ...)"
            )
        return value

    if "${" not in text:
        return text
    if text.count("${input:"):
        raise ConfigError(f"{where}: ${{input:...}} prompts are not supported; use ${{env:VAR}} instead")
    return _ENV_REF.sub(sub, text)


@dataclass(frozen=True)
class ServerSpec:
    """One server: a stdio command, or a Streamable HTTP / SSE URL. Values as written."""

    name: str
    transport: str  # a name of core.transports.TRANSPORTS
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] | None = None
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None
    timeout: float | None = None  # None: the workbench's default, read at call time
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S
    inherit_env: bool = False
    source: str | None = None  # the config file it came from, if any
    auth: str | dict[str, Any] | None = None  # "oauth", "client_credentials" or settings (see auth/settings.py)
    extra: dict[str, Any] = field(default_factory=dict)  # runtime only (sign-in handlers), never persisted

    @classmethod
    def build(
        cls,
        name: str,
        *,
        command: str | None = None,
        args: list[str] | tuple[str, ...] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        url: str | None = None,
        transport: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        inherit_env: bool = False,
        source: str | None = None,
        auth: str | dict[str, Any] | None = None,
    ) -> ServerSpec:
        """Validate user input into a spec; every mistake is a one-line ``ConfigError``."""
        check_server_name(name)
        entry = transport_kind(transport, url=url, command=command)
        kind = entry.name
        if entry.target == "command":
            if not command or not isinstance(command, str):
                raise ConfigError(f"server {name!r}: a {kind} server needs command='...'")
            if url:
                raise ConfigError(f"server {name!r}: a {kind} server takes a command, not a url")
            if headers:
                raise ConfigError(f"server {name!r}: headers are for URL servers; use env= for {kind}")
        else:
            schemes = tuple(f"{s}://" for s in entry.schemes)
            if not url or not isinstance(url, str):
                raise ConfigError(f"server {name!r}: transport {kind!r} needs {entry.example}")
            if not url.startswith((*schemes, "${")):
                raise ConfigError(f"server {name!r}: url must start with {' or '.join(schemes)}, got {url!r}")
            if command:
                raise ConfigError(f"server {name!r}: an {kind} server takes a url, not a command")
        if args is not None and (isinstance(args, str) or not all(isinstance(a, str) for a in args)):
            raise ConfigError(f"server {name!r}: args must be a list of strings, e.g. args=['-m', 'pkg']")
        for label, mapping in (("env", env), ("headers", headers)):
            if mapping is not None and (
                not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values())
            ):
                raise ConfigError(f"server {name!r}: {label} must be a dict of strings, e.g. {{'KEY': 'value'}}")
        for label, value in (("timeout", timeout), ("connect_timeout", connect_timeout)):
            if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                raise ConfigError(f"server {name!r}: {label} must be a positive number of seconds")
        settings = parse_auth(auth, where=f"server {name!r}")
        if settings is not None and entry.target == "command":
            raise ConfigError(f"server {name!r}: auth= is for URL servers (OAuth); a {kind} server takes env=")
        if settings is not None and settings.interactive_sign_in and connect_timeout is None:
            connect_timeout = DEFAULT_CONNECT_TIMEOUT_S + settings.timeout  # the user may be signing in
        if isinstance(auth, dict):  # a client_secret written inline (not as ${env:VAR}) is a secret
            register_secrets(
                v for k, v in auth.items() if is_secret_key(k) and isinstance(v, str) and not is_reference(v)
            )
        # Values the user passes in env and headers are secrets until proven otherwise.
        register_secrets(v for v in (env or {}).values() if "${" not in v)
        register_secrets(v for v in (headers or {}).values() if "${" not in v)
        register_secrets(v.split(None, 1)[1] for v in (headers or {}).values() if "${" not in v and len(v.split(None, 1)) == 2)
        return cls(
            name=name,
            transport=kind,
            command=command,
            args=tuple(args or ()),
            env=dict(env) if env is not None else None,
            cwd=os.fspath(cwd) if cwd is not None else None,
            url=url,
            headers=dict(headers) if headers is not None else None,
            timeout=float(timeout) if timeout is not None else None,
            connect_timeout=float(connect_timeout) if connect_timeout is not None else DEFAULT_CONNECT_TIMEOUT_S,
            inherit_env=inherit_env,
            source=source,
            auth=dict(auth) if isinstance(auth, dict) else auth,
        )

    def resolved(self) -> ServerSpec:
        """A copy with environment references substituted (memory only, never persisted)."""
        where = f"server {self.name!r}"

        def resolve_map(mapping: dict[str, str] | None) -> dict[str, str] | None:
            if mapping is None:
                return None
            out = {k: interpolate(v, where=f"{where} {k}") for k, v in mapping.items()}
            register_secrets(out.values())  # all env/header values are treated as secret
            # "Bearer abc": a server may echo the credential alone ("invalid token abc").
            register_secrets(v.split(None, 1)[1] for v in out.values() if len(v.split(None, 1)) == 2)
            return out

        command = self.command
        if command in ("python", "python3"):
            command = sys.executable  # the kernel's own interpreter, so -m runs in this environment
        elif command is not None:
            command = interpolate(command, where=where)
        url = interpolate(self.url, where=where) if self.url else None
        if url and url != self.url:
            register_secret(url)
        auth = self.auth
        if isinstance(auth, dict):
            auth = {k: interpolate(v, where=f"{where} auth {k}") if isinstance(v, str) else v for k, v in auth.items()}
            register_secrets(v for k, v in auth.items() if is_secret_key(k) and isinstance(v, str))
        args = tuple(interpolate(a, where=where) for a in self.args)
        # What a ${env:VAR} in the command line resolved to is a secret: servers echo their argv.
        register_secrets(_resolved_references(a, where) for a in self.args if "${" in a)
        return replace(
            self,
            command=command,
            args=args,
            env=resolve_map(self.env),
            headers=resolve_map(self.headers),
            url=url,
            cwd=interpolate(self.cwd, where=where) if self.cwd else None,
            auth=auth,
        )

    @property
    def kind(self) -> TransportKind:
        """This spec's entry in the transport table."""
        return TRANSPORTS[self.transport]

    @property
    def runs_command(self) -> bool:
        """True for a server the workbench starts (a local process), False for one it reaches by URL."""
        return self.kind.target == "command"

    def describe(self) -> str:
        """A one-line, secret-free description (command line or URL)."""
        if self.runs_command:
            return " ".join([self.command or "", *self.args]).strip()
        return mask(self.url or "")

    def to_safe_dict(self) -> dict[str, Any]:
        """The spec as a JSON-able dict with every env and header value masked."""
        return {
            "name": self.name,
            "transport": self.transport,
            "command": self.command,
            "args": list(mask(list(self.args))),
            "env": mask_mapping_values(self.env),
            "cwd": self.cwd,
            "url": mask(self.url) if self.url else None,
            "headers": mask_mapping_values(self.headers),
            "timeout": self.timeout,
            "inherit_env": self.inherit_env,
            "source": self.source,
            "auth": mask(self.auth) if self.auth is not None else None,
        }

    def __repr__(self) -> str:
        return f"ServerSpec({self.name!r}, {self.transport}, {self.describe()!r})"


def parse_config(data: Any, *, source: str = "<config>") -> list[ServerSpec]:
    """Read a Claude Desktop / Cursor ``mcpServers`` or VS Code ``servers`` document."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a JSON object with 'mcpServers' or 'servers'")
    section = data.get("mcpServers")
    if section is None:
        section = data.get("servers")
    if section is None and isinstance(data.get("mcp"), dict):  # VS Code settings.json: {"mcp": {"servers": ...}}
        section = data["mcp"].get("servers")
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: no 'mcpServers' (Claude Desktop, Cursor) or 'servers' (VS Code) object found")
    specs: list[ServerSpec] = []
    for name, entry in section.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: server {name!r} must be an object with command or url")
        if entry.get("disabled") is True:
            continue
        kind = entry.get("type") or entry.get("transport")
        try:
            specs.append(
                ServerSpec.build(
                    name,
                    command=entry.get("command"),
                    args=entry.get("args"),
                    env=entry.get("env"),
                    cwd=entry.get("cwd"),
                    url=entry.get("url") or entry.get("serverUrl"),
                    transport=kind,
                    headers=entry.get("headers"),
                    timeout=entry.get("timeout"),
                    source=source,
                    auth=entry.get("auth"),
                )
            )
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    return specs


def load_config_file(path: str | os.PathLike[str]) -> list[ServerSpec]:
    """Parse a config file; malformed JSON names the line and column."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    return parse_config(data, source=str(p))
