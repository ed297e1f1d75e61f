"""%mcp verify / lint / doctor in a real IPython shell (the kernel's workbench)."""

from __future__ import annotations

from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench.repro.verify import VerifyReport
from tests.servers import free_port
from tests.test_magics_shell import demo_fixture, fails, ip_fixture, run  # noqa: F401 (fixtures)


def test_verify_lint_and_doctor_magics(demo: InteractiveShell, session: Path, demo_http_url: str) -> None:
    with capture_output() as cap:
        report = run(demo, f"%mcp verify {session} -o checked")
    assert isinstance(report, VerifyReport) and report.ok and "-> OK" in cap.stdout
    assert demo.user_ns["checked"] is report
    with capture_output() as cap:
        quiet = run(demo, f"%mcp verify {session} --ignore $..text $..score --server demo=demo")
    assert quiet.ok and "same" in cap.stdout

    with capture_output() as cap:
        frame = run(demo, "%mcp lint demo")
    assert frame.empty and "lint demo: clean" in cap.stdout
    strict = run(demo, "%mcp lint demo --max-tokens 60")
    assert set(strict["rule"]) == {"too-many-tokens"}

    with capture_output() as cap:
        fine = run(demo, f"%mcp doctor {demo_http_url} --timeout 5")
    assert fine.ok and "every stage of" in cap.stdout
    port = free_port()
    with capture_output() as cap:
        closed = run(demo, f"%mcp doctor http://127.0.0.1:{port}/mcp -H X-Trace=1")
    assert not closed.ok and cap.stdout.startswith("doctor: tcp failed: connection refused")

    assert "missing CASSETTE" in fails(demo, "%mcp verify")
    assert "no cassette at" in fails(demo, "%mcp verify nowhere.jsonl")
    assert "must start with $" in fails(demo, f"%mcp verify {session} --ignore time")
    assert "needs KEY=VALUE" in fails(demo, f"%mcp verify {session} --server demo")
    assert "did you mean 'demo'" in fails(demo, "%mcp lint dmo")
    assert "--max-tokens needs a positive whole number" in fails(demo, "%mcp lint demo --max-tokens 0")
    assert "missing URL" in fails(demo, "%mcp doctor")
    with capture_output() as cap:
        run(demo, "%mcp help doctor")
    assert "protected-resource metadata" in cap.stdout and "%mcp doctor http://127.0.0.1:8000/mcp" in cap.stdout
