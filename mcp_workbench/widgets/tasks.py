"""The Tasks panel: every task with its live status (redrawn from ``task_created`` /
``task_status`` events, never by polling), and Cancel / Result for the selected one."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .base import ERROR, MUTED, OK, WARN, Panel, button, error_text, message, result_area, show

_COLORS = {"working": WARN, "input_required": "#1f6feb", "completed": OK, "failed": ERROR, "cancelled": MUTED}
_HEAD = ("status", "server", "tool", "task", "message")
_FIELDS = ("server", "task_id", "tool", "status", "status_message")  # a row, in a task event's terms


class TasksPanel(Panel):
    title = "Tasks"

    def __init__(self, wb: Any) -> None:
        super().__init__(wb)
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        for row in wb.tasks().to_dict("records"):  # earlier kernels' tasks too (from the catalog)
            self._keep({**row, "task_id": row["id"]})
        self.table = widgets.HTML()
        self.selected = widgets.Dropdown(description="Task", options=[])
        self.cancel_button = button("Cancel", "warning", "stop")
        self.result_button = button("Result", "success", "download")
        self.status = widgets.HTML()
        self.result = result_area()
        for control, css in ((self.table, "table"), (self.cancel_button, "cancel"), (self.result_button, "result"),
                             (self.status, "status")):  # fmt: skip
            control.add_class(f"mcp-tasks-{css}")
        self.cancel_button.on_click(lambda _b: self.act("cancel"))
        self.result_button.on_click(lambda _b: self.act("result"))
        actions = widgets.HBox([self.selected, self.cancel_button, self.result_button])
        self.children = [self.table, actions, self.status, self.result]
        self.subscribe(("task_created", "task_status"), self._on_task)
        self.refresh()

    def _keep(self, task: dict[str, Any]) -> None:
        """A task's row from a ``wb.tasks()`` record or a ``task_created`` / ``task_status`` event."""
        self.rows[(task["server"], task["task_id"])] = {k: task.get(k) for k in _FIELDS}

    def _on_task(self, event: dict[str, Any]) -> None:
        self._keep(event)
        self.refresh()

    def refresh(self) -> None:
        rows = list(self.rows.values())[::-1]  # newest first
        if not rows:
            self.table.value = message("No tasks yet: start one with wb.call(..., task=True) or %mcp call ... --task.")
        else:
            head = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in _HEAD)
            body = "".join(
                f"<tr><td style='padding:2px 8px;color:{_COLORS.get(r['status'], MUTED)}'>● {html.escape(str(r['status']))}"
                f"</td><td style='padding:2px 8px'>{html.escape(r['server'])}</td><td style='padding:2px 8px'>"
                f"{html.escape(str(r['tool'] or ''))}</td><td style='padding:2px 8px'><code>{html.escape(r['task_id'])}"
                f"</code></td><td style='padding:2px 8px'>{html.escape(str(r['status_message'] or ''))[:200]}</td></tr>"
                for r in rows
            )  # fmt: skip
            self.table.value = f"<table class='mcp-tasks'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        options = [(f"{r['server']} {r['task_id'][:12]} ({r['status']})", (r["server"], r["task_id"])) for r in rows]
        if list(self.selected.options) != options:
            self.replace_options(self.selected, options, options[0][1] if options else None)
        for control in (self.cancel_button, self.result_button):
            control.disabled = not options

    def act(self, what: str) -> None:
        """Cancel the selected task, or wait for its result (off the kernel thread)."""
        if self.selected.value is None:
            self.status.value = message("no task selected", ERROR)
            return
        server, task_id = self.selected.value

        async def work() -> Any:
            task = await self.wb.atask(server, task_id)
            return await (task.acancel() if what == "cancel" else task.aresult())

        def done(result: Any, error: BaseException | None) -> None:
            if error is not None:
                self.status.value = message(f"{task_id}: {error_text(error)}", ERROR)
            elif what == "cancel":
                self.status.value = message(f"asked {server} to cancel {task_id}", OK)
            else:
                self.status.value = message(f"{task_id}: result", OK)
                show(self.result, result)

        self.status.value = message("cancelling…" if what == "cancel" else "waiting for the result…", WARN)
        self.run(work(), done)
