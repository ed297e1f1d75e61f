"""Fixtures: an authorization server and a protected MCP server on loopback, and a headless user.

Each ``oauth`` scenario runs both under uvicorn in threads of this process (so a test can
flip the provider's switches and read its log) and stops them when the test ends. Tokens go
to the file store under the session's temporary ``MCP_WORKBENCH_HOME``, never a real keyring.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from tests.servers import free_port

from .as_server import MemoryProvider, auth_server_app
from .rs_server import ResourceGate, resource_server_app


@contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="auto"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Scenario:
    provider: MemoryProvider
    gate: ResourceGate
    url: str  # the MCP endpoint
    issuer: str


@dataclass
class User:
    """The headless user: opens the sign-in URL with an HTTP client, which follows the
    authorization server's redirect to the workbench's loopback callback."""

    follow: bool = True
    urls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        if self.follow:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()


@pytest.fixture(autouse=True, scope="session")
def _file_token_store() -> Iterator[None]:
    old = os.environ.get("MCP_WORKBENCH_TOKEN_STORE")
    os.environ["MCP_WORKBENCH_TOKEN_STORE"] = "file"
    yield
    if old is None:
        os.environ.pop("MCP_WORKBENCH_TOKEN_STORE", None)
    else:
        os.environ["MCP_WORKBENCH_TOKEN_STORE"] = old


@pytest.fixture
def oauth() -> Iterator[Callable[..., Scenario]]:
    """``oauth(tenant="", access_ttl=3600, token_prefix="", auth_methods=None, **gate_options)`` starts a
    scenario (``auth_methods``: the AS metadata's token_endpoint_auth_methods_supported)."""
    with ExitStack() as stack:

        def start(*, tenant: str = "", access_ttl: int = 3600, token_prefix: str = "",
                  auth_methods: list[str] | None = None, **gate: Any) -> Scenario:  # fmt: skip
            as_port, rs_port = free_port(), free_port()
            issuer = f"http://127.0.0.1:{as_port}{tenant}"
            provider = MemoryProvider(issuer, access_ttl=access_ttl, token_prefix=token_prefix)
            url = f"http://127.0.0.1:{rs_port}/mcp"
            gate.setdefault("tool_scopes", {"admin_op": ["admin"]})
            rs = resource_server_app(provider, url, **gate)
            stack.enter_context(serving(auth_server_app(provider, tenant=tenant, auth_methods=auth_methods), as_port))
            stack.enter_context(serving(rs, rs_port))
            return Scenario(provider, rs, url, issuer)

        yield start


@pytest.fixture
def user() -> User:
    return User()
