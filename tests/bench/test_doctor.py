"""wb.doctor against real loopback servers: a closed port, a web server that is not MCP, a TLS
server with a self-signed certificate, the OAuth-protected server of tests/auth, and the demo."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mcp_workbench import ConfigError, ConnectionFailedError, Workbench
from mcp_workbench.repro.doctor import COLUMNS, STAGES
from tests.auth.conftest import Scenario, _file_token_store, oauth  # noqa: F401 (fixtures)
from tests.servers import free_port, DEMO_TOOLS

Bench = Callable[..., Workbench]


class _Page(BaseHTTPRequestHandler):
    """A web server that is not MCP: every POST gets an HTML page."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b"<html><body>Welcome to a web site</body></html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def web_server(context: ssl.SSLContext | None = None) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    """A TLS server context with a certificate for 127.0.0.1 that signs itself."""
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def statuses(report: Any) -> dict[str, str]:
    assert list(report.columns) == COLUMNS and tuple(report["stage"]) == STAGES
    return dict(zip(report["stage"], report["status"]))


def failure(report: Any) -> dict[str, Any]:
    failed = report[report["status"] == "fail"]
    assert len(failed) == 1, report
    after = report.iloc[failed.index[0] + 1:]
    assert set(after["status"]) <= {"skipped"} and after["detail"].str.startswith("not tried").all()
    return failed.iloc[0].to_dict()


def test_a_closed_port(bench: Bench) -> None:
    port = free_port()
    report = bench().doctor(f"http://127.0.0.1:{port}/mcp")
    row = failure(report)
    assert row["stage"] == "tcp" and row["detail"] == f"connection refused at 127.0.0.1:{port}: nothing listens there"
    assert row["advice"] == "start the server, or check the port" and not report.ok
    assert report.summary.startswith("doctor: tcp failed: connection refused")
    assert statuses(report)["dns"] == "ok"


def test_a_web_server_that_is_not_mcp(bench: Bench) -> None:
    with web_server() as port:
        row = failure(bench().doctor(f"http://127.0.0.1:{port}/mcp"))
    assert row["stage"] == "http" and row["detail"].startswith("200 text/html: answers HTTP but not MCP (<html>")
    assert "check the host, port and path" in row["advice"]


def test_a_self_signed_certificate(bench: Bench, tmp_path: Path) -> None:
    with web_server(self_signed(tmp_path)) as port:
        report = bench().doctor(f"https://127.0.0.1:{port}/mcp")
    row = failure(report)
    assert row["stage"] == "tls" and row["detail"] == "certificate not trusted: self-signed certificate"
    assert "trusted CA" in row["advice"] and statuses(report)["tcp"] == "ok"


def test_the_oauth_protected_server(bench: Bench, oauth: Callable[..., Scenario]) -> None:  # noqa: F811
    s = oauth()
    report = bench().doctor(s.url)
    assert report.ok, report
    assert statuses(report) == {
        "url": "ok", "dns": "ok", "tcp": "ok", "tls": "skipped", "http": "ok", "protected-resource metadata": "ok",
        "authorization-server metadata": "ok", "initialize/discover": "skipped", "protocol version": "skipped",
        "listings": "skipped",
    }  # fmt: skip
    detail = dict(zip(report["stage"], report["detail"]))
    assert detail["http"].startswith("401 ") and "sign-in required" in detail["http"]
    assert detail["protected-resource metadata"] == f"authorization servers {s.issuer}"
    assert "PKCE S256; dynamic client registration" in detail["authorization-server metadata"]

    hidden = oauth(discovery="none")  # no metadata anywhere: sign-in cannot work
    row = failure(bench().doctor(hidden.url))
    assert row["stage"] == "protected-resource metadata" and "RFC 9728" in row["detail"]


def test_the_demo_over_http_is_fine(bench: Bench, demo_http_url: str) -> None:
    report = bench().doctor(demo_http_url)
    assert report.ok and report.summary is None
    assert statuses(report) == {stage: "skipped" if stage in ("tls", "protected-resource metadata",
                                                              "authorization-server metadata") else "ok"
                                for stage in STAGES}  # fmt: skip
    detail = dict(zip(report["stage"], report["detail"]))
    assert detail["initialize/discover"] == "server/discover: mcp-workbench-demo 1.0.0"
    assert detail["protocol version"].startswith("2026-07-28") and detail["listings"] == f"{DEMO_TOOLS} tools, 3 prompts, 10+ resources"
    assert report["ms"][report["status"] == "ok"].notna().all()


def test_a_failed_url_connect_says_which_stage_failed(bench: Bench) -> None:
    wb = bench()
    port = free_port()
    with pytest.raises(ConnectionFailedError) as caught:
        wb.connect("gone", url=f"http://127.0.0.1:{port}/mcp")
    message = str(caught.value)
    assert message.startswith("could not connect to 'gone'") and "\n" not in message
    assert f"; doctor: tcp failed: connection refused at 127.0.0.1:{port}" in message
    with pytest.raises(ValueError, match="doctor needs a URL"):
        wb.doctor("")
    assert failure(wb.doctor("ftp://example.test/mcp"))["stage"] == "url"
    with pytest.raises(ConfigError, match="environment variable MCPWB_DOCTOR_UNSET is not set"):
        wb.doctor(f"http://127.0.0.1:{port}/mcp", headers={"Authorization": "Bearer ${env:MCPWB_DOCTOR_UNSET}"})
