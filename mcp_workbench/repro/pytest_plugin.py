"""The pytest plugin (entry point ``pytest11``): a ``mcp`` fixture, and cassettes verified as tests.

A server project writes ``def test_add(mcp): mcp.connect(...)`` and gets a Workbench on a
temporary catalog, closed after the test (its server processes ended). ``pytest --mcp-cassette
session.jsonl`` adds one test item per recorded request: the cassette is verified once against
the live server (``--mcp-command "python -m myserver"``, or as recorded), and each item passes
when its request still gets the same answer; a failure shows the diff.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..errors import WorkbenchError


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mcp", "MCP servers (mcp-workbench)")
    group.addoption("--mcp-cassette", action="append", default=[], metavar="PATH",
                    help="verify this cassette against the live server: one test per recorded request")  # fmt: skip
    group.addoption("--mcp-command", default=None, metavar="CMD",
                    help='start the server under test with this command line (default: as recorded)')  # fmt: skip
    group.addoption("--mcp-ignore", action="append", default=[], metavar="JSONPATH",
                    help="a volatile field to ignore when comparing, e.g. '$..time' (repeatable)")  # fmt: skip


def _workbench(**options: Any) -> Any:
    import mcp_workbench  # a plugin is a client of the public API, like any test; loaded on first use

    return mcp_workbench.Workbench(idle_timeout=None, **options)


@pytest.fixture
def mcp(tmp_path: Path) -> Iterator[Any]:
    """A Workbench on a temporary catalog; closed after the test (server processes ended)."""
    wb = _workbench(store=tmp_path / "mcp-catalog.sqlite")
    try:
        yield wb
    finally:
        wb.close()
        wb.set_store(False)  # close the catalog too


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so they apply to cassette items too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for path in config.getoption("mcp_cassette"):
        try:
            cassette = CassetteFile.from_parent(session, path=Path(path).resolve())
            items.extend(cassette.collect())
        except WorkbenchError as exc:
            raise pytest.UsageError(f"--mcp-cassette {path}: {exc}") from None


class CassetteFile(pytest.File):
    """One cassette: its recorded requests as items, verified together on first use."""

    def collect(self) -> list[pytest.Item]:
        from .verify import plan
        from .cassette import read_entries

        steps = plan(read_entries(self.path))
        if not steps:
            raise WorkbenchError("the cassette holds no requests to verify")
        names: dict[str, int] = {}
        items: list[pytest.Item] = []
        for index, step in enumerate(steps):
            name = f"{step.server} {step.method} {step.target}".strip()
            names[name] = names.get(name, 0) + 1
            label = name if names[name] == 1 else f"{name} #{names[name]}"
            items.append(RecordedRequest.from_parent(self, name=label, index=index))
        return items

    def rows(self, index: int) -> list[dict[str, Any]]:
        """The verify rows of step ``index`` (the whole cassette is verified on the first call)."""
        if not hasattr(self, "_rows"):
            self._rows = self._verify()
        return self._rows[index]

    def _verify(self) -> list[list[dict[str, Any]]]:
        from .cli import live_servers
        from .verify import Verifier

        config = self.config
        command = config.getoption("mcp_command")
        args = argparse.Namespace(cassette=str(self.path), command=command, url=None, server=None)
        wb = _workbench(store=False)
        config.add_cleanup(wb.close)
        servers = live_servers(args)
        verifier = Verifier(wb, self.path, servers=servers, connect=servers is None,
                            ignore=config.getoption("mcp_ignore"))  # fmt: skip
        verifier.run()
        return verifier.rows_by_step


class RecordedRequest(pytest.Item):
    """Passes when the live server still answers this recorded request the same way."""

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        assert isinstance(self.parent, CassetteFile)
        failing = [row for row in self.parent.rows(self.index) if row["status"] != "same"]
        if failing:
            raise ChangedAnswer(failing)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ChangedAnswer):
            return excinfo.value.text()
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"mcp cassette: {self.name}"


class ChangedAnswer(Exception):
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(rows)} row(s) changed")
        self.rows = rows

    def text(self) -> str:
        from .verify import describe_rows

        return "\n".join(describe_rows(self.rows))
