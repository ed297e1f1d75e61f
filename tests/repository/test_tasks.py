"""Tasks kept for re-attach, on both backends: upserted by (server, task id), secrets masked,
fields a later write does not know left as they were, newest first, and still there after a
restart (the point of keeping them)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mcp_workbench.core.secrets import register_secret
from mcp_workbench.errors import WorkbenchError


def test_tasks_are_upserted_masked_and_kept(store: Any) -> None:
    repo = store.open()
    first = repo.save_task({"server": "ev", "task_id": "t-1", "tool": "research", "status": "working",
                            "arguments": {"topic": "tides", "api_key": "sk-live-123456"}, "ttl_ms": 300_000,
                            "created": "2026-11-30T10:00:00.000Z", "status_message": "Gathering sources..."})  # fmt: skip
    assert first.arguments == {"topic": "tides", "api_key": "***"} and first.ttl_ms == 300_000
    assert first.first_seen is not None and first.first_seen == first.last_seen
    time.sleep(0.01)
    later = repo.save_task({"server": "ev", "task_id": "t-1", "status": "completed", "tool": None,
                            "updated": "2026-11-30T10:00:04.000Z"})  # a re-attach that does not know the tool
    assert (later.tool, later.status, later.status_message) == ("research", "completed", "Gathering sources...")
    assert later.arguments == first.arguments and later.last_seen > first.last_seen
    register_secret("abc.def.ghi-token")  # a secret the user passed (a header, an env value)
    repo.save_task({"server": "demo", "task_id": "t-1", "tool": "countdown", "status": "failed",
                    "error": "Authorization: Bearer abc.def.ghi-token refused"})  # the same id on another server
    reopened = store.open()
    assert [(t.server, t.task_id) for t in reopened.list_tasks()] == [("demo", "t-1"), ("ev", "t-1")]
    assert [t.tool for t in reopened.list_tasks("ev")] == ["research"]
    assert reopened.get_task("demo", "t-1").error == "Authorization: Bearer *** refused"
    assert reopened.get_task("ev", "nope") is None
    with pytest.raises(WorkbenchError, match="needs its server and task_id"):
        reopened.save_task({"server": "ev"})
