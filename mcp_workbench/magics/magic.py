"""``%mcp`` / ``%%mcp``: parse the line, dispatch to a ``cmd`` module, turn mistakes into one line.

The magic class is also a traitlets ``Configurable`` (``%config McpWorkbench.timeout = 30``), as
in JupySQL; its traits are applied to the kernel's ``Workbench``. Parsing and dispatch only:
the subcommands live in ``magics.cmd``, the work in the ``Workbench``.

Loading the extension creates no workbench (that would import the MCP SDK and pandas and start
the engine and catalog threads): the kernel's one is made on first use, by a ``%mcp`` line that
needs it or by ``mcp_workbench.workbench()``, and the traits set by then are applied to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Float, Int, TraitError, Unicode, observe, validate
from traitlets.config import Configurable

from . import cmd
from .arguments import parse_document
from .cmd._parser import parse, tokenize
from .. import _kernel
from ..errors import WorkbenchError

if TYPE_CHECKING:
    from ..facade import Workbench

_HELP_FLAGS = ("-h", "--help")
_STORE_SCHEMES = ("postgresql://", "postgres://", "sqlite://")


@dataclass(frozen=True)
class Invocation:
    """A parsed ``%mcp`` line: the subcommand, its values by name, and the cell body (``%%mcp``)."""

    command: str
    values: dict[str, Any] = field(default_factory=dict)
    cell: str | None = None


def parse_line(line: str, cell: str | None = None) -> Invocation:
    """``%mcp`` line (and ``%%mcp`` body) → ``Invocation``; any mistake is a one-line ``UsageError``."""
    try:
        return _parse(line, cell)
    except UsageError as exc:  # a quoted newline in a value must not break the one-line rule
        raise UsageError(one_line(str(exc))) from None


def one_line(message: str) -> str:
    """IPython shows a UsageError as one line only if the message is one line."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def _parse(line: str, cell: str | None) -> Invocation:
    tokens = tokenize(line)
    if not tokens:
        if cell is not None and cell.strip():
            raise UsageError("%%mcp needs a subcommand on its first line, e.g. %%mcp call demo.add")
        return Invocation("help", {"COMMAND": None})
    name, rest = tokens[0], tokens[1:]
    command = cmd.find(name)
    own = rest[: rest.index("--")] if "--" in rest else rest
    if any(t in _HELP_FLAGS for t in own):
        return Invocation("help", {"COMMAND": name})
    values = parse(command.syntax, rest)
    if cell is not None:
        if command.syntax.cell == "text":
            pass  # the subcommand reads the cell as it is (a chat message)
        elif command.syntax.cell:
            try:
                values["body"] = parse_document(cell)
            except WorkbenchError as exc:
                raise UsageError(str(exc)) from None
        elif cell.strip():
            raise UsageError(f"%%mcp {name} takes no cell body; only %%mcp call, prompt and chat do")
    return Invocation(name, values, cell)


@magics_class
class McpWorkbench(Magics, Configurable):
    """The ``%mcp`` magics; settings via ``%config McpWorkbench.<trait> = value``."""

    timeout = Float(
        60.0, help="Default per-call timeout in seconds for every server without its own (--timeout overrides)."
    ).tag(config=True)
    idle_timeout = Float(
        1800.0, allow_none=True, help="Close a server idle this many seconds (it reconnects on next use); 0 or None: never."
    ).tag(config=True)
    store = Unicode(
        "", help="Where the catalog is kept: a SQLite file path or a postgresql:// DSN; empty: the default location."
    ).tag(config=True)
    autoconnect_config = Unicode(
        "", help="An mcpServers / servers JSON file whose servers are connected when the extension loads."
    ).tag(config=True)
    display_limit = Int(50, help="Rows shown of a listing (servers, tools, history...); 0: all.").tag(config=True)
    model = Unicode("gpt-4o-mini", help="The chat model (%mcp chat); any OpenAI-compatible endpoint's name.").tag(config=True)
    base_url = Unicode(
        "", help="The chat endpoint (OpenAI-compatible: Ollama, vLLM, OpenRouter...); empty: OPENAI_BASE_URL or OpenAI."
    ).tag(config=True)
    confirm_destructive = Bool(
        True, help="Ask before %mcp call or the dashboard runs a tool annotated destructive (destructiveHint: true); "
        "a headless run refuses it. False: run without asking. wb.call from code never asks."
    ).tag(config=True)

    registry_url = Unicode(
        "", help="The MCP Registry of %mcp registry (any registry with its /v0.1 API); empty: "
        "$MCP_WORKBENCH_REGISTRY_URL, else the official one."
    ).tag(config=True)

    def __init__(self, shell: Any = None, workbench: Workbench | None = None, **kwargs: Any) -> None:
        """``workbench``: the one to drive (default: the kernel's ``mcp_workbench.workbench()``,
        made on first use)."""
        self._wb: Workbench | None = None  # perf: set on first use (``wb``) or when the kernel's is made
        self._chat_changes: dict[str, str | None] = {}  # perf: %config model / base_url before that
        self.opened: set[str] = set()
        self._started = False
        super().__init__(shell=shell, **kwargs)  # Magics appends self to shell.configurables
        # perf: adopt the kernel's workbench when it is made, whoever makes it (now, if it exists)
        self._forget_kernel = _kernel.when_created(self._adopt) if workbench is None else None
        if workbench is not None:
            self._adopt(workbench)

    # perf: the workbench, made on first use
    @property
    def wb(self) -> Workbench:
        """The workbench the magics drive; the kernel's is created (and configured) on first use."""
        if self._wb is None:
            from ..facade import workbench as kernel_workbench

            self._adopt(kernel_workbench(self.store or None))  # its creation may have adopted it already
        assert self._wb is not None
        return self._wb

    def existing_workbench(self) -> Workbench | None:
        """The workbench if it exists; completion asks this, so a Tab never starts one."""
        return self._wb

    def _adopt(self, wb: Workbench) -> None:
        """Drive ``wb`` and apply the traits set so far (once)."""
        if self._wb is wb:
            return
        self._wb = wb
        self._apply_settings(wb)
        if self.store and self.store != wb.store:
            wb.set_store(self.store)
        if self.registry_url:
            wb.registry_url = self.registry_url
        if self._chat_changes:
            from ..chat import settings

            for name, value in self._chat_changes.items():
                setattr(settings, name, value)
            self._chat_changes.clear()

    # ------------------------------------------------------------------ traits
    @validate("timeout")
    def _valid_timeout(self, proposal: Any) -> float:
        if not proposal["value"] > 0:
            raise TraitError(f"McpWorkbench.timeout must be a positive number of seconds, got {proposal['value']!r}")
        return proposal["value"]

    @validate("idle_timeout")
    def _valid_idle(self, proposal: Any) -> float | None:
        value = proposal["value"]
        if value is not None and value < 0:
            raise TraitError(f"McpWorkbench.idle_timeout must be seconds >= 0 (0 or None: never), got {value!r}")
        return value

    @validate("display_limit")
    def _valid_limit(self, proposal: Any) -> int:
        if proposal["value"] < 0:
            raise TraitError(f"McpWorkbench.display_limit must be >= 0 (0: all rows), got {proposal['value']!r}")
        return proposal["value"]

    @validate("store")
    def _valid_store(self, proposal: Any) -> str:
        value = proposal["value"].strip()
        if not value or value == ":memory:" or value.startswith(_STORE_SCHEMES):
            return value
        if "://" in value:
            raise TraitError(f"McpWorkbench.store: use a file path or a postgresql:// DSN, got {value!r}")
        parent = Path(value).expanduser().parent
        if not parent.is_dir():
            raise TraitError(f"McpWorkbench.store: the folder {str(parent)!r} does not exist; create it first")
        return value

    @validate("autoconnect_config")
    def _valid_autoconnect(self, proposal: Any) -> str:
        value = proposal["value"].strip()
        if value and not Path(value).expanduser().is_file():
            raise TraitError(f"McpWorkbench.autoconnect_config: no file {value!r}; give the path of a JSON config")
        return value

    @validate("model")
    def _valid_model(self, proposal: Any) -> str:
        value = proposal["value"].strip()
        if not value:
            raise TraitError("McpWorkbench.model must name a model, e.g. 'gpt-4o-mini' or 'llama3.1'")
        return value

    @validate("base_url", "registry_url")
    def _valid_http_url(self, proposal: Any) -> str:
        value = proposal["value"].strip()
        if value and not value.startswith(("http://", "https://")):
            name = proposal["trait"].name
            raise TraitError(f"McpWorkbench.{name} must start with http:// or https://, got {value!r}")
        return value

    # perf: the observers below change a workbench that exists; one made later gets them in _adopt
    def _apply_settings(self, wb: Workbench) -> None:
        """The traits the workbench reads at call time: at adoption, and on every change."""
        wb.default_timeout = self.timeout
        wb.idle_timeout = self.idle_timeout or None
        wb.dashboards.confirm_destructive = self.confirm_destructive

    @observe("timeout", "idle_timeout", "confirm_destructive")
    def _apply_setting(self, change: Any) -> None:
        if self._wb is not None:
            self._apply_settings(self._wb)

    @observe("registry_url")
    def _apply_registry_url(self, change: Any) -> None:
        if self._wb is not None:
            self._wb.registry_url = change["new"] or None

    @observe("model", "base_url")
    def _apply_chat(self, change: Any) -> None:
        if self._wb is None:  # the chat settings load with the workbench: keep the change until then
            self._chat_changes[change["name"]] = change["new"] or None
            return
        from ..chat import settings

        setattr(settings, change["name"], change["new"] or None)

    @observe("store")
    def _apply_store(self, change: Any) -> None:
        if self._wb is not None:
            self._wb.set_store(change["new"] or None)  # only on a change: "" keeps the workbench's own

    @observe("autoconnect_config")
    def _autoconnect_now(self, change: Any) -> None:
        if self._started:  # set later with %config: connect now; from config files: at start()
            self.autoconnect()

    def start(self) -> None:
        """The extension is loaded: connect ``autoconnect_config`` once."""
        self._started = True
        self.autoconnect()

    def autoconnect(self) -> None:
        """Connect the servers of ``autoconnect_config``; a failure is reported, never raised."""
        if not self.autoconnect_config:
            return
        try:
            frame = self.wb.load_config(os.path.expanduser(self.autoconnect_config))
            self.opened.update(frame["name"])
        except WorkbenchError as exc:
            print(f"mcp_workbench: autoconnect_config {self.autoconnect_config!r} failed: {exc}")

    # ------------------------------------------------------------------ the magic
    @no_var_expand  # JSON braces in k=v values must reach us untouched
    @line_cell_magic
    def mcp(self, line: str, cell: str | None = None) -> Any:
        """Work with MCP servers: %mcp help lists every subcommand with examples."""
        invocation = parse_line(line, cell)
        return self.dispatch(invocation)

    def dispatch(self, invocation: Invocation) -> Any:
        """Run a parsed invocation; workbench errors become one-line usage errors."""
        command = cmd.COMMANDS[invocation.command]  # parse_line found it (with suggestions); a lookup now
        try:
            return command.run(self, invocation.values, invocation.cell)
        except WorkbenchError as exc:
            raise UsageError(one_line(str(exc) or type(exc).__name__)) from None

    def close(self) -> None:
        """Close every server this extension connected (unload)."""
        if self._forget_kernel is not None:  # perf: an unloaded extension adopts nothing
            self._forget_kernel()
            self._forget_kernel = None
        for name in sorted(self.opened):
            if name in self.wb.server_names():
                try:
                    self.wb.disconnect(name)
                except WorkbenchError:
                    pass
        self.opened.clear()
