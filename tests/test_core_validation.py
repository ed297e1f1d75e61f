"""Argument checks: flat schemas need no jsonschema while calls are valid; the import is preloaded
off the call path; a refreshed but unchanged listing keeps its compiled checks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from mcp_workbench.core import validation
from mcp_workbench.errors import ArgumentError

from .servers import ROOT, SUB_ENV

FLAT = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}


def _fresh(code: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet); its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env={**os.environ, **SUB_ENV}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_valid_call_on_a_flat_schema_does_not_import_jsonschema() -> None:
    out = _fresh(f"""
        import sys
        from mcp_workbench.core.validation import validate_arguments
        validate_arguments("demo.add", {FLAT!r}, {{"a": 1, "b": 2}})
        print("jsonschema" in sys.modules)
        try:
            validate_arguments("demo.add", {FLAT!r}, {{"a": "x", "b": 2}})
        except Exception as exc:
            print(exc)
        print("jsonschema" in sys.modules)
    """)
    assert out.splitlines() == ["False", "demo.add: argument 'a' must be an integer, got str 'x'", "True"]


def test_preload_imports_jsonschema_on_a_worker_thread_once() -> None:
    out = _fresh("""
        import sys, threading
        from mcp_workbench.core import validation
        validation.preload()
        validation.preload()  # a second connect starts no second import
        workers = [t for t in threading.enumerate() if t.name == "mcp-preload-jsonschema"]
        print(len(workers))
        workers[0].join(120)
        print("jsonschema" in sys.modules, "referencing.exceptions" in sys.modules)
    """)
    assert out.splitlines() == ["1", "True True"]


def test_rich_schemas_still_go_through_jsonschema() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}, "required": ["n"]}
    validation.validate_arguments("t.x", schema, {"n": 3})
    with pytest.raises(ArgumentError, match=r"t\.x: argument 'n': 0 is less than the minimum of 1"):
        validation.validate_arguments("t.x", schema, {"n": 0})


def test_a_schema_jsonschema_cannot_compile_does_not_block_the_call() -> None:
    broken = {"type": "object", "properties": {"n": {"type": 12}}}  # not a valid type name
    validation.validate_arguments("t.x", broken, {"n": "anything"})  # no error: the server decides


def test_an_unchanged_refresh_keeps_the_listing_and_its_compiled_checks(demo) -> None:  # type: ignore[no-untyped-def]
    changes: list[dict] = []
    demo.on("tools_changed", changes.append)
    view = demo.server("demo")
    before = dict(view.tools)
    demo.call("demo.add", a=1, b=2)  # compiles demo.add's check
    check = validation._cache[id(before["add"].input_schema)]
    demo.refresh("demo")
    assert changes == []  # nothing changed: no event, no catalog sync
    assert all(view.tools[name] is tool for name, tool in before.items())  # the same objects
    demo.call("demo.add", a=1, b=2)
    assert validation._cache[id(view.tools["add"].input_schema)] is check

    demo.call("demo.add_tool", name="later")  # a real change: the new tool appears, the rest is kept
    from tests.servers import wait_until

    assert wait_until(lambda: "later" in view.tools and len(changes) == 1, timeout=10)
    assert all(view.tools[name] is tool for name, tool in before.items())
