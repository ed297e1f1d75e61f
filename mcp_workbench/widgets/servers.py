"""The Servers panel: who is connected (status colour, tools, latency), and a connect form.

The table is rebuilt from service events (a server added or removed, a status or listing
change); latency is a ping measured when a server becomes connected, or on demand.
"""

from __future__ import annotations

import html
import json
import shlex
from typing import Any

import ipywidgets as widgets

from ..core.logs import LEVELS
from ..core.transports import TRANSPORTS
from .base import ERROR, MUTED, OK, STATUS_COLORS, Panel, button, error_text, message

_EVENTS = ("connection_status_changed", "server_added", "server_removed", "tools_changed")
_NOWRAP = "white-space:nowrap"
_HEAD = ("status", "name", "transport", "tools", "prompts", "resources", "latency", "target", "last error")


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
    """Server table, connect / disconnect / reconnect / ping, connect form, load a config file."""

    title = "Servers"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.latency: dict[str, float] = {}
        self.table = widgets.HTML()
        self.selected = widgets.Dropdown(description="Server", options=[])
        self.disconnect_button = button("Disconnect", "warning", "unlink")
        self.reconnect_button = button("Reconnect", "", "refresh")
        self.ping_button = button("Ping", "", "exchange")
        self.log_level = widgets.Dropdown(description="Log level", options=[("—", None), *[(x, x) for x in LEVELS]],
                                          value=None, tooltip="the lowest level of log messages this server sends")  # fmt: skip
        self.log_level.add_class("mcp-log-level")
        self.status = widgets.HTML()
        # the connect form
        self.name = widgets.Text(description="Name", placeholder="demo")
        self.transport = widgets.ToggleButtons(
            options=[(k.label, k.name) for k in TRANSPORTS.values()], description="Transport",
            tooltips=[k.label + (" (deprecated)" if k.deprecated else "") for k in TRANSPORTS.values()],
        )
        self.command = widgets.Text(description="Command", placeholder="python")
        self.args = widgets.Text(description="Args", placeholder="-m mcp_workbench.demo")
        self.env = widgets.Textarea(description="Env", placeholder="KEY=VALUE per line", rows=2)
        self.url = widgets.Text(description="URL", placeholder="http://127.0.0.1:8000/mcp")
        self.headers = widgets.Textarea(description="Headers", placeholder="Authorization: Bearer ${env:TOKEN}", rows=2)
        self.connect_button = button("Connect", "primary", "plug")
        self.stdio_box = widgets.VBox([self.command, self.args, self.env])
        self.url_box = widgets.VBox([self.url, self.headers])
        self.config_path = widgets.Text(description="Config", placeholder="mcp.json (Claude Desktop / VS Code)")
        self.load_button = button("Load config", "", "folder-open")
        self.transport.observe(lambda _c: self._show_transport(), names="value")
        self.connect_button.on_click(lambda _b: self.connect())
        self.disconnect_button.on_click(lambda _b: self.disconnect())
        self.reconnect_button.on_click(lambda _b: self.reconnect())
        self.ping_button.on_click(lambda _b: self.ping())
        self.load_button.on_click(lambda _b: self.load_config())
        self.log_level.observe(self.unless_quiet(self.set_log_level), names="value")
        self.selected.observe(self.unless_quiet(self._show_level), names="value")
        self._show_transport()
        for control, css in ((self.name, "name"), (self.command, "command"), (self.args, "args"), (self.env, "env"),
                             (self.url, "url"), (self.connect_button, "button"), (self.status, "status"),
                             (self.table, "table")):  # fmt: skip
            control.add_class(f"mcp-connect-{css}")  # stable hooks for the browser test and user CSS
        actions = widgets.HBox([self.selected, self.disconnect_button, self.reconnect_button, self.ping_button,
                                self.log_level])  # fmt: skip
        form = widgets.VBox([self.name, self.transport, self.stdio_box, self.url_box, self.connect_button])
        config = widgets.HBox([self.config_path, self.load_button])
        self.children = [
            self.table, actions, widgets.HTML("<b>Connect a server</b>"), form, config, self.status,
        ]  # fmt: skip
        self.subscribe(_EVENTS, self._on_event)
        self.refresh()

    # ------------------------------------------------------------------ rendering
    def _on_event(self, payload: dict[str, Any]) -> None:
        if payload["event"] == "server_removed":
            self.latency.pop(payload["server"], None)
        if payload["event"] == "connection_status_changed" and payload.get("status") == "connected":
            self.ping(payload["server"])
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the table and the server chooser from the live connections."""
        conns = self.wb.server_views()
        self.table.value = self._table(conns)
        names = [c.name for c in conns]
        if list(self.selected.options) != names:
            self.replace_options(self.selected, names, names[0] if names else None)
        for action in (self.disconnect_button, self.reconnect_button, self.ping_button, self.log_level):
            action.disabled = not names
        self._show_level()

    def _show_level(self) -> None:
        """The selected server's log level (a server without the logging capability has none)."""
        view = self.server_view(self.selected.value) if self.selected.value else None
        caps = view.capabilities if view is not None else None
        level = view.log_level if view is not None and caps is not None and caps.logging is not None else None
        self.log_level.disabled = caps is None or caps.logging is None
        if self.log_level.value != level and level in LEVELS:
            self.replace_options(self.log_level, list(self.log_level.options), level)

    def set_log_level(self) -> None:
        name, level = self.selected.value, self.log_level.value
        if name and level:
            self._say(f"{name}: log level {level}…")
            self.run(self.wb.aset_log_level(name, level), self._report(f"{name} log level {level}"))

    def _table(self, conns: list[Any]) -> str:
        if not conns:
            return f"<p style='color:{MUTED}'>No server connected yet: use the form below.</p>"
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in _HEAD)
        rows = []
        for c in conns:
            color = STATUS_COLORS.get(c.status, MUTED)
            ms = self.latency.get(c.name)
            status = html.escape(c.status)
            error = html.escape((c.last_error or "")[:240])
            cells = [
                f"<span class='mcp-status mcp-status-{status}' style='color:{color}'>● {status}</span>",
                f"<b>{html.escape(c.name)}</b>", html.escape(c.spec.transport), str(len(c.tools)),
                str(len(c.prompts)), str(len(c.resources)), "" if ms is None else f"{ms:.1f} ms",
                f"<code style='white-space:normal;overflow-wrap:anywhere'>{html.escape(c.spec.describe()[:80])}</code>",
                f"<span style='color:{ERROR}'>{error}</span>",
            ]  # fmt: skip
            styles = [_NOWRAP] * 7 + ["min-width:10em;max-width:20em", "min-width:14em;max-width:36em"]
            rows.append("<tr>" + "".join(f"<td style='padding:2px 8px;{st}'>{x}</td>" for st, x in zip(styles, cells)) + "</tr>")
        table = f"<table class='mcp-servers'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        return f"<div style='overflow-x:auto'>{table}</div>"

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
            raise ValueError("give the server a name, e.g. demo")
        if TRANSPORTS[self.transport.value].target == "command":
            try:
                args = shlex.split(self.args.value)
            except ValueError as exc:
                raise ValueError(f"args: {exc}") from None
            options: dict[str, Any] = {"command": self.command.value.strip(), "args": args,
                                       "transport": self.transport.value}
            env = parse_pairs(self.env.value, "=", "env")
            if env:
                options["env"] = env
            return name, options
        options = {"url": self.url.value.strip(), "transport": self.transport.value}
        headers = parse_pairs(self.headers.value, ":", "headers")
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
            if error is not None:
                self._say(f"{name}: {error_text(error)}", ERROR)
            else:
                self._say(f"connected {name}: {info.tools} tools, {info.prompts} prompts, "
                          f"{info.resources} resources in {info.connect_ms:.0f} ms", OK)  # fmt: skip

        self.run(self.wb.aconnect(name, **options), done)

    def _target(self) -> str | None:
        name = self.selected.value
        if not name:
            self._say("no server selected", ERROR)
        return name

    def _report(self, what: str) -> Any:
        def done(_result: Any, error: BaseException | None) -> None:
            self._say(f"{what}: {error_text(error)}" if error else f"{what}: done", ERROR if error else OK)

        return done

    def disconnect(self) -> None:
        name = self._target()
        if name:
            self._say(f"disconnecting {name}…")
            self.run(self.wb.adisconnect(name), self._report(f"disconnect {name}"))

    def reconnect(self) -> None:
        name = self._target()
        if name:
            self._say(f"reconnecting {name}…")
            self.run(self.wb.areconnect(name), self._report(f"reconnect {name}"))

    def ping(self, name: str | None = None) -> None:
        name = name or self._target()
        if not name:
            return

        def done(frame: Any, error: BaseException | None) -> None:
            if error is None and len(frame) and frame["latency_ms"].iloc[0] is not None:
                self.latency[name] = float(frame["latency_ms"].iloc[0])
                self.refresh()

        self.run(self.wb.aping(name), done)

    def load_config(self) -> None:
        path = self.config_path.value.strip()
        if not path:
            self._say("give the path of an mcpServers JSON file", ERROR)
            return
        self._say(f"loading {path}…")

        def done(frame: Any, error: BaseException | None) -> None:
            if error is not None:
                self._say(f"{path}: {error_text(error)}", ERROR)
                return
            listed = ", ".join(f"{r.name} ({r.status})" for r in frame.itertuples())
            self._say(f"loaded {path}: {listed or 'no servers'}", OK)

        self.run(self.wb.aload_config(path), done)
