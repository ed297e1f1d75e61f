"""Bugs in the core that the fault and security suites found, one paragraph each.

A test that shows one is marked ``@known_bug("key")``: a strict xfail, so it fails (XPASS) as
soon as the bug is fixed, and its marker is then removed with the fix.
"""

from __future__ import annotations

from typing import Any

import pytest

# Fixed and removed: stdio-big-line (core/stdio.py reads lines in linear time).
_BUGS = """
"""

BUGS: dict[str, str] = {
    key: " ".join(text.split())
    for key, _, text in (paragraph.partition(":") for paragraph in _BUGS.strip().split("\n\n") if paragraph)
}


def known_bug(key: str, **options: Any) -> pytest.MarkDecorator:
    """A strict xfail naming the bug ``key`` of ``BUGS``."""
    return pytest.mark.xfail(strict=True, reason=f"bug {key}: {BUGS[key]}", **options)
