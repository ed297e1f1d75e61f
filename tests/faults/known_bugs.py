"""Bugs in the core that the fault and security suites found, one paragraph each.

A test that shows one is marked ``@known_bug("key")``: a strict xfail, so it fails (XPASS) as
soon as the bug is fixed, and its marker is then removed with the fix.
"""

from __future__ import annotations

from typing import Any

import pytest

_BUGS = """
stdio-big-line: the SDK's stdio reader (mcp/client/stdio.py, stdout_reader) rebuilds `buffer + chunk`
for every 64 KiB chunk of a line, so one 50 MB line costs ~20 s of engine-loop CPU (16 MB: 1.8 s); the
call times out and the connection stays wedged. Fix in mcp_workbench/transports.py: a stdio transport
with a linear line reader (or an SDK fix).
"""

BUGS: dict[str, str] = {
    key: " ".join(text.split())
    for key, _, text in (paragraph.partition(":") for paragraph in _BUGS.strip().split("\n\n"))
}


def known_bug(key: str, **options: Any) -> pytest.MarkDecorator:
    """A strict xfail naming the bug ``key`` of ``BUGS``."""
    return pytest.mark.xfail(strict=True, reason=f"bug {key}: {BUGS[key]}", **options)
