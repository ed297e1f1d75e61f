"""Sign-in corner cases the SDK's OAuth client does not cover, found with strict servers.

- Token endpoint authentication: a pre-registered client's secret must travel the way the
  authorization server takes it. Unless the user set ``token_endpoint_auth_method``, it is
  chosen from the metadata's ``token_endpoint_auth_methods_supported`` (RFC 8414; absent means
  ``client_secret_basic``), keeping the usual method when the server lists it.
- 2025-03-26-era servers publish no protected-resource metadata; the client reads the
  authorization server's metadata at the MCP server's own origin, as that era's spec says
  (and, without metadata, uses /authorize, /token and /register there: the SDK does that).
  Such a server may delegate to an identity provider whose metadata names that provider as
  the issuer. The issuer check of later revisions (SEP-2468) compares the issuer with the
  server the well-known URL was built from; on this path that is the MCP server itself, whose
  origin is what the user chose to trust, so the metadata found there is accepted as that
  server's, whatever issuer it names. Only the no-PRM path is affected: metadata reached
  through protected-resource metadata is still checked strictly by the SDK.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import httpx2

logger = logging.getLogger("mcp_workbench.auth")
LEGACY_METADATA_PATH = "/.well-known/oauth-authorization-server"
SECRET_METHODS = ("client_secret_post", "client_secret_basic")


def pick_auth_method(supported: list[str] | None, usual: str) -> str:
    """How to send a client secret: ``usual`` when the server takes it, else the other secret
    method it lists; RFC 8414's default (basic) when it lists none."""
    if supported is None:
        return "client_secret_basic"
    for method in (usual, *SECRET_METHODS):
        if method in supported:
            return method
    return usual  # the server lists no secret method: let it say so


def is_legacy_metadata_request(request: httpx2.Request, server_url: str) -> bool:
    """Is this the 2025-03-26 lookup: the AS metadata at the MCP server's origin?"""
    origin = urlsplit(server_url)
    url = request.url
    return (request.method == "GET" and url.path == LEGACY_METADATA_PATH and url.scheme == origin.scheme
            and url.netloc.decode() == origin.netloc)  # fmt: skip


async def rebase(response: httpx2.Response, origin_issuer: str) -> tuple[httpx2.Response, str | None]:
    """The metadata response with its issuer set to the MCP server's origin (what the SDK checks
    on this path), and the issuer it really named (restored once the check is done); the
    response unchanged, and None, when there is nothing to rebase."""
    if response.status_code != 200:
        return response, None
    try:
        body = json.loads(await response.aread())
    except ValueError:
        return response, None
    issuer = body.get("issuer") if isinstance(body, dict) else None
    if not isinstance(issuer, str) or issuer.rstrip("/") == origin_issuer.rstrip("/"):
        return response, None
    logger.debug("2025-03-26 metadata at %s names issuer %s: accepted as the server's own", origin_issuer, issuer)
    rebased = httpx2.Response(200, json={**body, "issuer": origin_issuer}, request=response.request)
    return rebased, issuer
