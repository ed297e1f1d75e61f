"""How the tests launch the real third-party MCP servers.

`.ci/install.sh` installs all three; nothing here fetches from the network
except the last-resort `npx` fallback for server-everything when `.ci/node`
is missing (a developer who has not run the install script yet).

- server-everything (npm `@modelcontextprotocol/server-everything`, TS SDK 1.x):
  `.ci/node/node_modules/.bin/mcp-server-everything stdio`; it also serves
  `streamableHttp` (POST/GET/DELETE `/mcp`) and `sse` (`/sse` + `/message`)
  on the port in `$PORT`, see `everything_http`.
- server-basic-vanillajs (npm `@modelcontextprotocol/server-basic-vanillajs`, an
  MCP Apps example): `.ci/node/node_modules/.bin/mcp-server-basic-vanillajs
  --stdio`; its `get-time` tool carries the app `ui://get-time/mcp-app.html`.
- mcp-server-time: `python -m mcp_server_time --local-timezone UTC`.
- mcp-server-git: `python -m mcp_server_git --repository PATH`.

The Python servers run under `sys.executable`, the interpreter running the
tests, so they always come from the same environment as the package.

Every helper raises `ThirdPartyServerUnavailable` (a plain `RuntimeError`)
when its server is not installed; whether that skips or fails is up to the
test.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from mcp import StdioServerParameters

__all__ = [
    "NODE_PREFIX",
    "REPO_ROOT",
    "SERVER_EVERYTHING_PACKAGE",
    "ThirdPartyServerUnavailable",
    "basic_apps_command",
    "everything_command",
    "everything_http",
    "everything_stdio",
    "git_stdio",
    "live_descendants",
    "time_stdio",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_PREFIX = REPO_ROOT / ".ci" / "node"
SERVER_EVERYTHING_PACKAGE = "@modelcontextprotocol/server-everything"
_EVERYTHING_BIN = NODE_PREFIX / "node_modules" / ".bin" / "mcp-server-everything"

_BASIC_APPS_BIN = NODE_PREFIX / "node_modules" / ".bin" / "mcp-server-basic-vanillajs"

EverythingTransport = Literal["stdio", "streamableHttp", "sse"]


class ThirdPartyServerUnavailable(RuntimeError):
    """A third-party server (or the runtime it needs) is not installed."""


# --------------------------------------------------------------------------
# server-everything
# --------------------------------------------------------------------------


def _installed_everything_version() -> str | None:
    pkg = NODE_PREFIX / "node_modules" / "@modelcontextprotocol" / "server-everything" / "package.json"
    try:
        return json.loads(pkg.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def everything_command(transport: EverythingTransport = "stdio", *, allow_npx: bool = True) -> list[str]:
    """argv that starts server-everything with `transport`.

    The local install's bin is `#!/usr/bin/env node` (a symlink to
    `dist/index.js`), so it execs node directly: no `sh` wrapper in between.
    Without the local install, falls back to `npx -y` (network at run time;
    npx runs the server as a grandchild, which a process-group kill still
    reaches), unless `allow_npx` is false: then it raises, telling the
    developer to run `.ci/install.sh` (what CI does).
    """
    if transport not in ("stdio", "streamableHttp", "sse"):
        raise ValueError(f"unknown server-everything transport {transport!r}")
    if shutil.which("node") is None:
        raise ThirdPartyServerUnavailable(
            "node is not on PATH (server-everything needs Node >= 20); install Node, then run `bash .ci/install.sh`"
        )
    if os.access(_EVERYTHING_BIN, os.X_OK):
        return [str(_EVERYTHING_BIN), transport]
    if not allow_npx:
        raise ThirdPartyServerUnavailable(
            f"{SERVER_EVERYTHING_PACKAGE} is not installed in {NODE_PREFIX} "
            f"({_EVERYTHING_BIN} is missing): run `bash .ci/install.sh` "
            "to install it (CI runs it before the tests)"
        )
    npx = shutil.which("npx")
    if npx is None:
        raise ThirdPartyServerUnavailable(
            f"server-everything is not installed in {NODE_PREFIX} (run .ci/install.sh) and npx is not on PATH"
        )
    return [npx, "-y", SERVER_EVERYTHING_PACKAGE, transport]


def basic_apps_command() -> list[str]:
    """argv of the MCP Apps example server over stdio (installed by `.ci/install.sh`, no npx)."""
    if shutil.which("node") is None:
        raise ThirdPartyServerUnavailable("node is not on PATH (server-basic-vanillajs needs Node >= 20)")
    if not os.access(_BASIC_APPS_BIN, os.X_OK):
        raise ThirdPartyServerUnavailable(
            f"@modelcontextprotocol/server-basic-vanillajs is not installed in {NODE_PREFIX}: run `bash .ci/install.sh`"
        )
    return [str(_BASIC_APPS_BIN), "--stdio"]


def everything_stdio(*, env: dict[str, str] | None = None) -> StdioServerParameters:
    """server-everything over stdio.

    It logs one "Starting default (STDIO) server..." line to stderr. Protocol:
    it does not know `server/discover` (-32601), so `mcp.Client` in "auto"
    mode falls back to the initialize handshake and negotiates 2025-11-25.
    """
    command, *args = everything_command("stdio")
    return StdioServerParameters(command=command, args=args, env=env, cwd=str(REPO_ROOT))


# Loaded into the HTTP server's node with --import: binds its listener to
# 127.0.0.1 (the server itself calls `app.listen(PORT)`, i.e. all
# interfaces) and reports the port it really got, so PORT=0 can be used
# and there is no pick-a-free-port race.
_LOOPBACK_PRELOAD = r"""
import net from "node:net";
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  const isPort = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  if (isPort && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  this.once("listening", () => {
    const a = this.address();
    if (a && typeof a === "object") process.stderr.write(`MCP_WORKBENCH_LISTENING ${a.address} ${a.port}\n`);
  });
  return listen.apply(this, args);
};
"""
_LISTENING_MARK = "MCP_WORKBENCH_LISTENING "


@contextmanager
def everything_http(
    transport: Literal["streamableHttp", "sse"] = "streamableHttp",
    *,
    startup_timeout: float = 30.0,
    env: dict[str, str] | None = None,
    allow_npx: bool = True,
) -> Iterator[str]:
    """Run server-everything over HTTP on a free 127.0.0.1 port; yield its URL.

    The URL is `http://127.0.0.1:PORT/mcp` for Streamable HTTP and
    `http://127.0.0.1:PORT/sse` for the legacy SSE transport. The server runs
    in its own session/process group, which is killed (SIGTERM, then
    SIGKILL) on exit. Its stdout (one line per request) is discarded; its
    stderr is kept (last 200 lines) for the error raised when it fails to
    start. `allow_npx` as for `everything_command`.
    """
    argv = everything_command(transport, allow_npx=allow_npx)
    child_env = dict(os.environ)
    child_env.update(env or {})
    child_env["PORT"] = "0"
    preload = "--import=data:text/javascript," + urllib.parse.quote(_LOOPBACK_PRELOAD, safe="")
    child_env["NODE_OPTIONS"] = (child_env.get("NODE_OPTIONS", "") + " " + preload).strip()

    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_env,
        cwd=str(REPO_ROOT),
        start_new_session=True,
    )
    stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
    found: list[int] = []
    ready = threading.Event()

    def drain() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(_LISTENING_MARK) and not found:
                found.append(int(line.split()[-1]))
                ready.set()
            else:
                stderr_tail.append(line)
        ready.set()  # EOF: the server is gone

    drainer = threading.Thread(target=drain, name="everything-http-stderr", daemon=True)
    drainer.start()
    try:
        if not ready.wait(startup_timeout) or not found:
            raise ThirdPartyServerUnavailable(
                f"server-everything {transport} did not start within {startup_timeout}s "
                f"(exit code {proc.poll()}); stderr:\n" + "\n".join(stderr_tail)
            )
        port = found[0]
        _wait_for_tcp("127.0.0.1", port, deadline=time.monotonic() + startup_timeout)
        path = "/mcp" if transport == "streamableHttp" else "/sse"
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        _kill_group(proc)
        drainer.join(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()


def _wait_for_tcp(host: str, port: int, *, deadline: float) -> None:
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise ThirdPartyServerUnavailable(f"nothing accepts connections on {host}:{port}") from None
            time.sleep(0.05)


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group `proc` leads, SIGKILL it after `grace`, reap `proc`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; a straggler left in the group still gets SIGKILL.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return


# --------------------------------------------------------------------------
# Python reference servers
# --------------------------------------------------------------------------


def _require_module(module: str, dist: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ThirdPartyServerUnavailable(
            f"{dist} is not installed for {sys.executable} (pip install -e '.[test]', or run .ci/install.sh)"
        )


def time_stdio(local_timezone: str | None = "UTC") -> StdioServerParameters:
    """mcp-server-time over stdio.

    Tools: `get_current_time(timezone)` and
    `convert_time(source_timezone, time "HH:MM", target_timezone)`, both with
    an output schema (structured content + JSON text). `--local-timezone`
    pins the zone its tool descriptions name as local (otherwise tzlocal
    guesses from the machine); None leaves it to tzlocal.
    """
    _require_module("mcp_server_time", "mcp-server-time")
    args = ["-m", "mcp_server_time"]
    if local_timezone is not None:
        args += ["--local-timezone", local_timezone]
    return StdioServerParameters(command=sys.executable, args=args)


def git_stdio(repository: str | os.PathLike[str]) -> StdioServerParameters:
    """mcp-server-git over stdio, confined to `repository`.

    Every tool takes `repo_path`, which must lie inside `repository`. The
    server resolves `repository` to its work-tree root and silently exits 0
    if it is not a git repository, so this checks that it is a directory.
    Needs the `git` executable on PATH (GitPython).
    """
    _require_module("mcp_server_git", "mcp-server-git")
    if shutil.which("git") is None:
        raise ThirdPartyServerUnavailable("git is not on PATH (mcp-server-git needs it)")
    repo = Path(repository).resolve()
    if not repo.is_dir():
        raise ValueError(f"not a directory: {repo}")
    return StdioServerParameters(command=sys.executable, args=["-m", "mcp_server_git", "--repository", str(repo)])


# --------------------------------------------------------------------------
# Leak checks
# --------------------------------------------------------------------------


def live_descendants(root: int | None = None) -> set[tuple[int, str]] | None:
    """(pid, command) of every live (non-zombie) descendant of `root` (default: this process).

    Reads /proc, so it is Linux only; returns None where /proc is missing.
    A server started in its own session is still this process's descendant,
    so this sees them all.
    """
    proc_dir = Path("/proc")
    if not (proc_dir / "self" / "stat").exists():
        return None
    root = os.getpid() if root is None else root
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        head, _, tail = stat.rpartition(")")
        fields = tail.split()
        if len(fields) < 2 or fields[0] in ("Z", "X"):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            cmdline = ""
        names[pid] = cmdline or head.partition("(")[2]
    children: dict[int, list[int]] = collections.defaultdict(list)
    for pid, ppid in parents.items():
        children[ppid].append(pid)
    found: set[tuple[int, str]] = set()
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        found.add((pid, names.get(pid, "")))
        stack.extend(children.get(pid, ()))
    return found
