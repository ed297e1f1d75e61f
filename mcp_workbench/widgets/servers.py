"""The Servers panel: who is connected (status colour, tools, latency, each row with its own
Reconnect / Disconnect / Ping), and a connect form.

The table is refreshed from service events (a server added or removed, a status or listing
change); latency is a ping measured when a server becomes connected, or on demand. Errors are
said in the form's terms (the Env box, not ``env={...}``) and once: a failed connect's reason is
in its row, the status line points there.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import ipywidgets as widgets

from ..core.logs import LEVELS
from ..core.transports import TRANSPORTS
from .base import ERROR, MUTED, OK, Panel, button, error_text, message
from .server_rows import ServerTable, in_form_terms

_EVENTS = ("connection_status_changed", "server_added", "server_removed", "tools_changed")


def parse_pairs(text: str, sep: str, what: str) -> dict[str, str]:
    """``KEY=VALUE`` (env) or ``Name: value`` (headers) lines, or a JSON object, into a dict."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what}: invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{what}: expected a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    pairs: dict[str, str] = {}
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        key, found, value = line.partition(sep)
        if not found or not key.strip():
            raise ValueError(f"{what}: write one {'KEY=VALUE' if sep == '=' else 'Name: value'} per line, got {line!r}")
        pairs[key.strip()] = value.strip()
    return pairs


class ServersPanel(Panel):
    """Server table with per-row actions, the connect form, and loading a config file."""

    title = "Servers"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.latency: dict[str, float] = {}
        self.table = ServerTable(self.act, self.row_controls)
        self.levels: dict[str, widgets.Dropdown] = {}  # each row's log-level selector
        self.status = widgets.HTML()
        # the connect form; placeholders start with "e.g." so they never pass for values
        self.name = widgets.Text(description="Name", placeholder="e.g. demo")
        self.transport = widgets.ToggleButtons(
            options=[(k.label, k.name) for k in TRANSPORTS.values()], description="Transport",
            tooltips=[k.label + (" (deprecated)" if k.deprecated else "") for k in TRANSPORTS.values()],
        )
        self.command = widgets.Text(description="Command", placeholder="e.g. python")
        self.args = widgets.Text(description="Args", placeholder="e.g. -m mcp_workbench.demo")
        self.env = widgets.Textarea(description="Env", placeholder="e.g. API_KEY=${env:API_KEY} (one KEY=VALUE per line)",
                                    rows=2)  # fmt: skip
        self.inherit_env = widgets.Checkbox(description="Inherit env (give the server the kernel's whole environment)",
                                            indent=True, layout=widgets.Layout(width="auto"))  # fmt: skip
        self.url = widgets.Text(description="URL", placeholder="e.g. http://127.0.0.1:8000/mcp")
        self.headers = widgets.Textarea(description="Headers", placeholder="e.g. Authorization: Bearer ${env:TOKEN}",
                                        rows=2)  # fmt: skip
        self.connect_button = button("Connect", "primary", "plug")
        self.stdio_box = widgets.VBox([self.command, self.args, self.env, self.inherit_env])
        self.url_box = widgets.VBox([self.url, self.headers])
        self.config_path = widgets.Text(description="Config", placeholder="e.g. mcp.json (Claude Desktop / VS Code)")
        self.load_button = button("Load config", "", "folder-open")
        self.transport.observe(lambda _c: self._show_transport(), names="value")
        self.connect_button.on_click(lambda _b: self.connect())
        self.load_button.on_click(lambda _b: self.load_config())
        self._show_transport()
        for control, css in ((self.name, "name"), (self.command, "command"), (self.args, "args"), (self.env, "env"),
                             (self.url, "url"), (self.connect_button, "button"), (self.status, "status"),
                             (self.table, "table")):  # fmt: skip
            control.add_class(f"mcp-connect-{css}")  # stable hooks for the browser test and user CSS
        form = widgets.VBox([self.name, self.transport, self.stdio_box, self.url_box, self.connect_button])
        config = widgets.HBox([self.config_path, self.load_button])
        self.children = [self.table, widgets.HTML("<b>Connect a server</b>"), form, config, self.status]
        self.subscribe(_EVENTS, self._on_event)
        self.refresh()

    # ------------------------------------------------------------------ rendering
    def _on_event(self, payload: dict[str, Any]) -> None:
        if payload["event"] == "server_removed":
            self.latency.pop(payload["server"], None)
        if payload["event"] == "connection_status_changed" and payload.get("status") == "connected":
            self.ping(payload["server"], quiet=True)
        self.refresh()

    def refresh(self) -> None:
        """Rows for the live connections, each showing its status, counts, latency, last error and log level."""
        with self.lock:
            views = self.wb.server_views()
            self.table.update(views, self.latency)
            for gone in set(self.levels) - set(self.table.rows):
                del self.levels[gone]
            for view in views:
                self._show_level(view)

    def _show_level(self, view: Any) -> None:
        """A row's log level (a server without the logging capability has none to set)."""
        control = self.levels.get(view.name)
        if control is None:
            return
        logging = view.offers("logging")
        level = view.log_level if logging else None
        control.disabled = not logging
        if control.value != level and level in LEVELS:
            self.replace_options(control, list(control.options), level)

    def set_log_level(self, name: str, level: str | None) -> None:
        if level:
            self._say(f"{name}: log level {level}…")
            self.run(self.wb.aset_log_level(name, level), self._report(f"{name} log level {level}"))

    def _report(self, what: str) -> Any:
        def done(_result: Any, error: BaseException | None) -> None:
            self._say(f"{what}: {in_form_terms(error_text(error))}" if error else f"{what}: done", ERROR if error else OK)

        return done

    def row_controls(self, name: str) -> list[widgets.Widget]:
        """Controls for server ``name``'s row after Reconnect / Disconnect / Ping: its log level."""
        level = widgets.Dropdown(options=[("log level", None), *[(x, x) for x in LEVELS]], value=None,
                                 tooltip=f"the lowest level of log messages {name} sends",
                                 layout=widgets.Layout(width="9em"))  # fmt: skip
        level.add_class("mcp-log-level")
        level.observe(self.unless_quiet(lambda: self.set_log_level(name, level.value)), names="value")
        self.levels[name] = level
        return [level]

    def _show_transport(self) -> None:
        stdio = TRANSPORTS[self.transport.value].target == "command"
        self.stdio_box.layout.display = None if stdio else "none"
        self.url_box.layout.display = "none" if stdio else None

    def _say(self, text: str, color: str = MUTED) -> None:
        self.status.value = message(text, color)

    # ------------------------------------------------------------------ actions
    def form_options(self) -> tuple[str, dict[str, Any]]:
        """The connect form as ``wb.connect`` arguments; ValueError says what to fix."""
        name = self.name.value.strip()
        if not name:
            raise ValueError("give the server a name in the Name box, e.g. demo")
        if TRANSPORTS[self.transport.value].target == "command":
            command = self.command.value.strip()
            if not command:
                raise ValueError("give the command that starts the server in the Command box, e.g. python")
            try:
                args = shlex.split(self.args.value)
            except ValueError as exc:
                raise ValueError(f"Args: {exc}") from None
            options: dict[str, Any] = {"command": command, "args": args, "transport": self.transport.value}
            env = parse_pairs(self.env.value, "=", "Env")
            if env:
                options["env"] = env
            if self.inherit_env.value:
                options["inherit_env"] = True
            return name, options
        url = self.url.value.strip()
        if not url:
            raise ValueError("give the server's address in the URL box, e.g. http://127.0.0.1:8000/mcp")
        options = {"url": url, "transport": self.transport.value}
        headers = parse_pairs(self.headers.value, ":", "Headers")
        if headers:
            options["headers"] = headers
        return name, options

    def connect(self) -> None:
        try:
            name, options = self.form_options()
        except ValueError as exc:
            self._say(str(exc), ERROR)
            return
        self._say(f"connecting {name}…")
        self.connect_button.disabled = True

        def done(info: Any, error: BaseException | None) -> None:
            self.connect_button.disabled = False
            if error is None:
                self._say(f"connected {name}: {info.tools} tools, {info.prompts} prompts, "
                          f"{info.resources} resources in {info.connect_ms:.0f} ms", OK)  # fmt: skip
            elif name in self.table.rows and self.table.rows[name].cells[-1].value:
                self._say(f"{name} did not connect: the reason is in its row above", ERROR)  # said once, there
            else:
                self._say(f"{name}: {in_form_terms(error_text(error))}", ERROR)

        self.run(self.wb.aconnect(name, **options), done)

    def act(self, action: str, name: str) -> None:
        """A row's button: reconnect, disconnect or ping that row's server."""
        if action == "ping":
            self.ping(name)
            return
        row = self.table.rows.get(name)
        if row is not None:
            row.busy(True)
        self._say(f"{action}ing {name}…")
        coro = self.wb.areconnect(name) if action == "reconnect" else self.wb.adisconnect(name)

        def done(_result: Any, error: BaseException | None) -> None:
            if row is not None:
                row.busy(False)
            if error is None:
                self._say(f"{action} {name}: done", OK)
            elif name in self.table.rows:  # the reason is in its row
                self._say(f"{action} {name} failed: the reason is in its row above", ERROR)
            else:
                self._say(f"{action} {name}: {in_form_terms(error_text(error))}", ERROR)

        self.run(coro, done)

    def ping(self, name: str, quiet: bool = False) -> None:
        """Measure ``name``'s round trip into its row's latency (``quiet``: no status line)."""

        def done(frame: Any, error: BaseException | None) -> None:
            if error is None and len(frame) and frame["latency_ms"].iloc[0] is not None:
                self.latency[name] = float(frame["latency_ms"].iloc[0])
                self.refresh()
                if not quiet:
                    self._say(f"ping {name}: {self.latency[name]:.0f} ms", OK)
            elif not quiet:
                reason = frame["error"].iloc[0] if error is None and len(frame) else error_text(error or Exception())
                self._say(f"ping {name} failed: {in_form_terms(str(reason))}", ERROR)

        self.run(self.wb.aping(name), done)

    def load_config(self) -> None:
        path = self.config_path.value.strip()
        if not path:
            self._say("give the path of an mcpServers JSON file in the Config box", ERROR)
            return
        self._say(f"loading {path}…")

        def done(frame: Any, error: BaseException | None) -> None:
            if error is not None:
                self._say(f"{path}: {error_text(error)}", ERROR)
                return
            listed = ", ".join(f"{r.name} ({r.status})" for r in frame.itertuples())
            self._say(f"loaded {path}: {listed or 'no servers'}", OK)

        self.run(self.wb.aload_config(path), done)
