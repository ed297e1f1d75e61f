"""Chat rooms, sessions and messages on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_workbench.errors import WorkbenchError


def test_rooms_sessions_messages(store: Any) -> None:
    repo = store.open()
    room = repo.create_room("research")
    assert [r.name for r in repo.list_rooms()] == ["research"]
    with pytest.raises(WorkbenchError, match="exists"):
        repo.create_room("research")
    s1 = repo.create_session(room.id, model="gpt-test", servers=["demo", "git"], title="first")
    s2 = repo.create_session(room.id, model="other")
    other = repo.create_session(repo.create_room("misc").id)
    with pytest.raises(WorkbenchError, match="no chat room"):
        repo.create_session("missing")
    assert [s.id for s in repo.list_sessions(room.id)] == [s1.id, s2.id]
    assert len(repo.list_sessions()) == 3 and repo.get_session(s1.id) == s1
    assert repo.get_session(s1.id).servers == ["demo", "git"]

    repo.add_message(s1.id, "system", "be brief")
    m2 = repo.add_message(s1.id, "assistant", None, tokens=12,
                          tool_calls=[{"id": "c1", "name": "demo.add", "arguments": {"a": 1}}])
    m3 = repo.add_message(s1.id, "tool", "3", tool_results=[{"id": "c1", "content": "3"}])
    repo.add_message(other.id, "user", "elsewhere")
    with pytest.raises(WorkbenchError, match="no chat session"):
        repo.add_message("missing", "user", "x")
    with pytest.raises(WorkbenchError, match="unknown chat role"):
        repo.add_message(s1.id, "robot", "x")

    reopened = store.open()  # survives a restart
    msgs = reopened.messages(s1.id)
    assert [m.role for m in msgs] == ["system", "assistant", "tool"]
    assert msgs[1] == m2 and msgs[1].tool_calls[0]["arguments"] == {"a": 1} and msgs[1].tokens == 12
    assert msgs[2].tool_results == [{"id": "c1", "content": "3"}] and msgs[2].id == m3.id
    assert reopened.get_session(s1.id).updated_at >= s1.updated_at
