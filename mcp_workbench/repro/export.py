"""History as a runnable script: ``wb.export_history("calls.py")`` / ``%mcp history --export calls.py``.

Why a script: someone without the notebook (or without Jupyter) can re-make the same calls with
``python calls.py``. Secrets are not written: env and header values become ``${env:NAME}``
references, read from the environment when the script connects, and masked arguments stay ``***``
with a comment saying so.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.config import ServerSpec
from ..core.transports import transport_kind
from ..core.secrets import MASK, is_reference, mask_text

if TYPE_CHECKING:
    from ..facade import Workbench

_PRELUDE = '''

import mcp_workbench

wb = mcp_workbench.workbench()


def run(label, call):
    """Make one call and print what came back; an error is printed, not raised."""
    try:
        result = call()
    except mcp_workbench.WorkbenchError as exc:
        print(f"{label} -> error: {exc}")
        return None
    flag = " [isError]" if getattr(result, "is_error", False) else ""
    print(f"{label} -> {getattr(result, 'text', result)}{flag}")
    return result

'''


def _env_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").upper()


def _references(mapping: dict[str, str], *prefix: str) -> dict[str, str]:
    """Every value becomes a reference to an environment variable (kept as is if it is one)."""
    return {k: v if is_reference(v) else f"${{env:{_env_name(*prefix, k)}}}" for k, v in mapping.items()}


def connect_options(spec: ServerSpec) -> dict[str, Any]:
    """``wb.connect`` keyword arguments that re-create ``spec`` without any secret in them."""
    options: dict[str, Any] = {}
    if spec.runs_command:
        options.update(command=spec.command, args=list(spec.args))
        if spec.transport != transport_kind(None, url=None, command=spec.command).name:
            options["transport"] = spec.transport
        if spec.env:
            options["env"] = _references(spec.env)
        if spec.cwd:
            options["cwd"] = spec.cwd
        if spec.inherit_env:
            options["inherit_env"] = True
    else:
        url = spec.url or ""
        options["url"] = url if mask_text(url) == url else f"${{env:{_env_name('MCP', spec.name, 'URL')}}}"
        if spec.transport != transport_kind(None, url=url, command=None).name:
            options["transport"] = spec.transport  # not what the URL alone would choose
        if spec.headers:
            options["headers"] = _references(spec.headers, "MCP", spec.name)
    if spec.timeout is not None:
        options["timeout"] = spec.timeout
    return options


def _call_line(row: Any) -> str | None:
    args = row.arguments if isinstance(row.arguments, dict) else {}
    if row.kind == "tool":
        target = f"{row.server}.{row.tool}"
        return f"run({target!r}, lambda: wb.call({target!r}, {args!r}))"
    if row.kind == "prompt":
        target = f"{row.server}.{row.tool}"
        return f"run({target!r}, lambda: wb.get_prompt({target!r}, {args!r}))"
    if row.kind == "resource":
        return f"run({f'{row.server} {row.tool}'!r}, lambda: wb.read({row.server!r}, {row.tool!r}))"
    return None


def history_script(wb: Workbench, history: pd.DataFrame) -> str:
    """The text of the script making the calls of ``history`` (a ``wb.history()`` frame)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "#!/usr/bin/env python",
        f'"""{len(history)} MCP calls exported from mcp-workbench history on {now}; run: python <this file>.',
        "",
        "Secrets were not exported: env and header values are read from the environment (${env:NAME}).",
        '"""',
    ]
    body = [_PRELUDE.rstrip("\n"), ""]
    for server in dict.fromkeys(history["server"]):
        spec = wb.server(server).spec if server in wb.server_names() else None
        if spec is None:
            body.append(f"# {server!r} was not connected when this was exported: connect it here")
            body.append(f"# wb.connect({server!r}, command=..., args=[...])  # or url=...")
        else:
            options = ", ".join(f"{k}={v!r}" for k, v in connect_options(spec).items())
            body.append(f"wb.connect({server!r}, {options})")
    body.append("")
    for row in history.itertuples(index=False):
        line = _call_line(row)
        when = row.time.strftime("%H:%M:%S") if isinstance(row.time, pd.Timestamp) and not pd.isna(row.time) else ""
        note = f"# {when} {row.status} {row.duration_ms:.0f} ms".replace("  ", " ")
        if line is None:
            body.append(f"# skipped: {row.kind} {row.server}.{row.tool} (not a call this script can make)")
            continue
        if MASK in repr(row.arguments):
            note += f" - {MASK} is a masked secret: put the real value back"
        body.extend([note, line])
    body.extend(["", "wb.close()", ""])
    return "\n".join(lines + body)


def export_history(wb: Workbench, path: str | Path, *, server: str | None = None, last: int | None = None) -> Path:
    """Write ``wb.history(server=, last=)`` as a runnable Python script; returns its path."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(history_script(wb, wb.history(server=server, last=last)), encoding="utf-8")
    return target
