"""``python -m mcp_workbench verify CASSETTE [--command CMD | --url URL] [--ignore PATH ...]`` (see ``repro/cli.py``)."""

from __future__ import annotations


def _workbench():  # type: ignore[no-untyped-def]
    from .facade import Workbench

    return Workbench(store=False, idle_timeout=None)


if __name__ == "__main__":
    from .repro.cli import main

    raise SystemExit(main(None, _workbench))
