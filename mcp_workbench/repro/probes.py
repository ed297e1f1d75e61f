"""The doctor's probes: each checks one layer under an MCP URL and says what it found.

A probe returns a one-line detail (and what later probes need), or raises ``Failed`` with the
detail and the advice a person can act on. They are small on purpose: the value of the doctor
is the order (DNS before TCP before TLS before HTTP before OAuth before MCP) and the advice.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio

from ..core.secrets import mask_text

HANDSHAKE_BODY = {
    "jsonrpc": "2.0", "id": "doctor-1", "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "mcp-workbench-doctor", "version": "1"}},
}  # fmt: skip
_RESOURCE_METADATA = re.compile(r'resource_metadata="?([^",\s]+)"?')
_READ_LIMIT = 65536


class Failed(Exception):
    """A probe failed: ``detail`` says what was seen, ``advice`` what to do."""

    def __init__(self, detail: str, advice: str = "") -> None:
        super().__init__(detail)
        self.detail, self.advice = mask_text(detail), advice


@dataclass
class Target:
    """What the probes learn about the URL as they go."""

    url: str
    scheme: str = ""
    host: str = ""
    port: int = 0
    path: str = ""
    addresses: list[str] = field(default_factory=list)
    status: int | None = None  # of the HTTP probe
    challenge: str | None = None  # its WWW-Authenticate header, on a 401
    resource_metadata: dict[str, Any] | None = None

    @property
    def origin(self) -> str:
        default = {"http": 80, "https": 443}[self.scheme]
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")

    @property
    def needs_sign_in(self) -> bool:
        return self.status == 401


def parse_url(target: Target) -> str:
    parts = urlsplit(target.url)
    if parts.scheme not in ("http", "https"):
        raise Failed(f"{target.url!r} is not an http(s) URL", "write it as http://host:port/mcp or https://host/mcp")
    if not parts.hostname:
        raise Failed(f"{target.url!r} has no host", "write it as http://host:port/mcp")
    try:
        port = parts.port
    except ValueError:
        raise Failed(f"{target.url!r} has an invalid port", "a port is a number from 1 to 65535") from None
    target.scheme, target.host, target.path = parts.scheme, parts.hostname, parts.path or "/"
    target.port = port or (443 if parts.scheme == "https" else 80)
    return f"{target.scheme} host {target.host} port {target.port} path {target.path}"


async def resolve(target: Target) -> str:
    try:
        infos = await anyio.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Failed(f"cannot resolve {target.host!r}: {exc.strerror}", "check the host name and your network / DNS") from None
    target.addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return ", ".join(target.addresses[:4])


async def connect(target: Target, timeout: float) -> str:
    try:
        with anyio.fail_after(timeout):
            stream = await anyio.connect_tcp(target.host, target.port)
    except TimeoutError:
        raise Failed(f"no answer from {target.host}:{target.port} within {timeout:g} s",
                     "a firewall may drop the packets, or the host is down") from None  # fmt: skip
    except OSError as exc:
        cause = exc.__cause__ or exc  # anyio wraps each address's error in "All connection attempts failed"
        if isinstance(cause, ConnectionRefusedError):
            raise Failed(f"connection refused at {target.host}:{target.port}: nothing listens there",
                         "start the server, or check the port") from None  # fmt: skip
        raise Failed(f"cannot connect to {target.host}:{target.port}: {cause}", "check the host, port and network") from None
    await stream.aclose()
    return f"connected to {target.host}:{target.port}"


async def handshake_tls(target: Target, context: ssl.SSLContext, timeout: float) -> str:
    try:
        with anyio.fail_after(timeout):
            stream = await anyio.connect_tcp(target.host, target.port, tls=True, ssl_context=context,
                                             tls_standard_compatible=False)  # fmt: skip
    except ssl.SSLCertVerificationError as exc:
        raise Failed(f"certificate not trusted: {exc.verify_message}",
                     "use a certificate from a trusted CA, or add your CA to the trust store (SSL_CERT_FILE)") from None  # fmt: skip
    except ssl.SSLError as exc:
        raise Failed(f"TLS handshake failed: {exc.reason or exc}",
                     "is this port serving TLS? for plain HTTP use an http:// URL") from None  # fmt: skip
    except TimeoutError:
        raise Failed(f"TLS handshake did not finish within {timeout:g} s", "is this port serving TLS?") from None
    try:
        ssl_object = stream.extra(anyio.streams.tls.TLSAttribute.ssl_object)
        cert = ssl_object.getpeercert() or {}
        subject = dict(pair[0] for pair in cert.get("subject", ()))
        return f"{ssl_object.version()}, certificate for {subject.get('commonName', '?')} valid until {cert.get('notAfter', '?')}"
    finally:
        await stream.aclose()


async def post_handshake(target: Target, client: Any) -> str:
    """POST an ``initialize`` the way a client would; judge the answer by its status and type."""
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    async with client.stream("POST", target.url, content=json.dumps(HANDSHAKE_BODY), headers=headers) as response:
        body = await _read_some(response)
        status, kind = response.status_code, response.headers.get("content-type", "").split(";")[0].strip()
        session = response.headers.get("mcp-session-id")
        target.status = status
        target.challenge = response.headers.get("www-authenticate")
    if session:  # be tidy: end the session this probe opened
        try:
            await client.delete(target.url, headers={"mcp-session-id": session})
        except Exception:  # noqa: BLE001 - a courtesy only
            pass
    seen = f"{status} {kind or 'no content type'}"
    if status == 401:
        return f"{seen}: sign-in required ({target.challenge or 'no WWW-Authenticate header'})"
    if status == 403:
        raise Failed(f"{seen}: forbidden", "the credentials are valid but lack access: check the token's scopes")
    if status == 404:
        raise Failed(f"{seen}: nothing at {target.path}", "check the path: MCP servers usually serve /mcp (SSE ones /sse)")
    if status == 405:
        raise Failed(f"{seen}: POST is not allowed at {target.path}",
                     "not a Streamable HTTP endpoint; an SSE server takes transport='sse' at /sse")  # fmt: skip
    if status >= 500:
        raise Failed(f"{seen}: the server failed ({_snippet(body)})", "read the server's log")
    if kind in ("application/json", "text/event-stream") and b"jsonrpc" in body:
        extra = ", session id set" if session else ""
        return f"{seen}: speaks JSON-RPC{extra}"
    raise Failed(f"{seen}: answers HTTP but not MCP ({_snippet(body)})",
                 "this URL is some other web server: check the host, port and path (usually /mcp)")  # fmt: skip


async def protected_resource(target: Target, client: Any) -> str:
    """RFC 9728: where the WWW-Authenticate header points, else the well-known URLs."""
    candidates = []
    found = _RESOURCE_METADATA.search(target.challenge or "")
    if found:
        candidates.append(found.group(1))
    well_known = f"{target.origin}/.well-known/oauth-protected-resource"
    candidates += [well_known + target.path.rstrip("/"), well_known]
    metadata, where = await _first_json(client, candidates)
    if metadata is None:
        raise Failed("sign-in is required but no protected-resource metadata was found (RFC 9728)",
                     "the server must publish /.well-known/oauth-protected-resource or name it in WWW-Authenticate")  # fmt: skip
    servers = metadata.get("authorization_servers") or []
    if not servers:
        raise Failed(f"{where} names no authorization_servers", "list the authorization server's issuer URL there")
    resource = str(metadata.get("resource") or "")
    if resource and resource.rstrip("/") not in (target.url.rstrip("/"), target.origin):
        raise Failed(f"{where} is for resource {resource!r}, not {target.url!r}",
                     "the metadata's resource must be this server's URL, or clients refuse the tokens")  # fmt: skip
    target.resource_metadata = metadata
    return f"authorization servers {', '.join(map(str, servers))}"


async def authorization_server(target: Target, client: Any) -> str:
    """RFC 8414 / OpenID discovery of the first authorization server; PKCE S256 must be offered."""
    issuer = str((target.resource_metadata or {}).get("authorization_servers", [""])[0]).rstrip("/")
    parts = urlsplit(issuer)
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    candidates = [f"{origin}/.well-known/oauth-authorization-server{path}", f"{origin}/.well-known/openid-configuration{path}",
                  f"{issuer}/.well-known/openid-configuration"]  # fmt: skip
    metadata, where = await _first_json(client, list(dict.fromkeys(candidates)))
    if metadata is None:
        raise Failed(f"no authorization-server metadata for {issuer!r} (RFC 8414)",
                     "publish /.well-known/oauth-authorization-server (or openid-configuration) at the issuer")  # fmt: skip
    missing = [k for k in ("authorization_endpoint", "token_endpoint") if not metadata.get(k)]
    if missing:
        raise Failed(f"{where} lacks {', '.join(missing)}", "an OAuth client needs both endpoints")
    if "S256" not in (metadata.get("code_challenge_methods_supported") or []):
        raise Failed(f"{where} does not offer PKCE S256", "MCP clients require PKCE with S256: enable it")
    registration = "dynamic client registration" if metadata.get("registration_endpoint") else "pre-registered clients only"
    return f"issuer {metadata.get('issuer', issuer)}; PKCE S256; {registration}"


async def _first_json(client: Any, urls: list[str]) -> tuple[dict[str, Any] | None, str]:
    for url in urls:
        try:
            response = await client.get(url, headers={"accept": "application/json"})
        except Exception:  # noqa: BLE001 - try the next place
            continue
        if response.status_code == 200:
            try:
                data = response.json()
            except ValueError:
                continue
            if isinstance(data, dict):
                return data, url
    return None, ""


async def _read_some(response: Any) -> bytes:
    """The start of a body: enough to see what it is, without waiting on an open stream."""
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= _READ_LIMIT or (b"jsonrpc" in body and (b"\n\n" in body or b"\r\n\r\n" in body)):
            break
    return body


def _snippet(body: bytes) -> str:
    text = " ".join(body[:200].decode("utf-8", "replace").split())
    return mask_text(text) or "empty body"
