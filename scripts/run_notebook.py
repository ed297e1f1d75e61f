"""Run a notebook top to bottom in a real kernel (nbclient), with papermill-style parameters.

    python scripts/run_notebook.py notebooks/01-tour.ipynb [--out PATH] [-p NAME=VALUE ...] [--summary]

Why not papermill: the one thing we need from it is "put these values after the cell tagged
``parameters``", which is ten lines here, and nbclient (which papermill itself uses) does the
rest. The executed copy goes to ``--out`` (default ``build/notebooks/<name>``, git-ignored),
never back into ``notebooks/``, whose committed copies have no outputs.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
_SHOWN = 220  # characters of each cell's output in the summary


def inject_parameters(nb: Any, parameters: dict[str, Any]) -> None:
    """Insert ``name = value`` lines after the ``parameters`` cell, as papermill does."""
    if not parameters:
        return
    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    source = "# Injected parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)


def execute(
    path: str | Path, out: str | Path | None = None, parameters: dict[str, Any] | None = None,
    *, timeout: int = 120, setup: str | None = None,
) -> Any:  # fmt: skip
    """Execute ``path`` in its own folder with the kernel its metadata names; write it to ``out``.

    ``setup``: code run in a first, hidden cell (tests use it; the notebook is not changed)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, parameters or {})
    if setup:
        nb.cells.insert(0, nbformat.v4.new_code_cell(setup, metadata={"tags": ["injected-setup"]}))
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    finally:
        if out is not None:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(out))
    return nb


def _output_text(output: Any) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data", {})
    if "text/plain" in data:
        return data["text/plain"]
    kinds = ", ".join(sorted(data))
    return f"[{kinds}]" if kinds else ""


def summary(nb: Any) -> str:
    """One entry per code cell: its first line, then the start of what it showed."""
    lines = []
    for number, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), 1):
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        shown = " | ".join(t.strip() for t in (_output_text(o) for o in cell.get("outputs", [])) if t.strip())
        shown = " ".join(shown.split())
        lines.append(f"[{number:2}] {first}")
        if shown:
            lines.append(f"     -> {shown[:_SHOWN]}{'…' if len(shown) > _SHOWN else ''}")
    return "\n".join(lines)


def _parameter(text: str) -> tuple[str, Any]:
    name, eq, raw = text.partition("=")
    if not eq or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return name, raw  # a plain string


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--out", type=Path, help="where the executed copy goes (default: build/notebooks/NAME)")
    parser.add_argument("-p", "--parameter", type=_parameter, action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--summary", action="store_true", help="print each cell's first line and its output")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / "notebooks" / args.notebook.name
    try:
        nb = execute(args.notebook, out, dict(args.parameter), timeout=args.timeout)
    except CellExecutionError as exc:
        print(f"{args.notebook}: a cell failed; the executed copy (up to the failure) is at {out}\n{exc}", file=sys.stderr)
        return 1
    if args.summary:
        print(summary(nb))
    print(f"\nexecuted {args.notebook} top to bottom; the executed copy is at {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
