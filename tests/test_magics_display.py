"""What ``%mcp`` shows: rich mimebundles, listings cut to ``display_limit``, the progress line of a
long call, and tab completion through IPython's own completer."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from mcp_workbench.magics.cmd import COMMANDS
from mcp_workbench.magics.cmd.complete import make_completer
from tests.test_magics_shell import demo_fixture, ip_fixture, run, wb  # noqa: F401


def _shown(ip: InteractiveShell, variable: str) -> list[dict]:
    """The mimebundles IPython publishes for ``display(variable)``."""
    with capture_output() as cap:
        run(ip, f"display({variable})")
    return [o.data for o in cap.outputs]


def test_results_display_richly(demo: InteractiveShell) -> None:
    run(demo, "%mcp call demo.table rows=3 -o t")
    [bundle] = _shown(demo, "t")
    assert "<table" in bundle["text/html"] and demo.user_ns["t"].structured and "application/json" not in bundle
    run(demo, "%mcp call demo.image width=4 height=4 -o img")
    assert 'src="data:image/png;base64,' in _shown(demo, "img")[0]["text/html"]
    run(demo, "%mcp call demo.fail message='bad <b>input</b>' -o err")
    html = _shown(demo, "err")[0]["text/html"]
    assert "#b00020" in html and "&lt;b&gt;input" in html  # red, and server text escaped
    run(demo, "%mcp describe demo.add")
    run(demo, "d = _")
    html = _shown(demo, "d")[0]["text/html"]
    assert "<table" in html and "%mcp call demo.add a=1 b=2" in html
    run(demo, "%mcp read demo demo://readme -o doc")
    assert "mcp-workbench-demo" in _shown(demo, "doc")[0]["text/html"]
    run(demo, "%mcp prompt demo.summarize text=hi -o pr")
    assert "Summarize" in _shown(demo, "pr")[0]["text/html"]


def test_listing_shows_display_limit_rows_but_holds_all(demo: InteractiveShell) -> None:
    try:
        run(demo, "%config McpWorkbench.display_limit = 4")
        resources = run(demo, "%mcp resources demo")
        assert isinstance(resources, pd.DataFrame) and len(resources) == 29
        html = _shown(demo, "_")[0]["text/html"]
        assert html.count("<tr>") <= 6 and "29 rows" in html  # header + 4 rows + the "..." row
        assert type(resources.head()) is pd.DataFrame  # operations give plain DataFrames
    finally:
        run(demo, "%config McpWorkbench.display_limit = 50")
    assert run(demo, "%mcp resources demo")._repr_html_().count("<tr>") == 29  # 50 rows allowed: all shown


def test_progress_bar_follows_progress_then_disappears(demo: InteractiveShell) -> None:
    with capture_output() as cap:
        result = run(demo, "%mcp call demo.slow seconds=0.8 steps=4")
    assert result.text.startswith("done")
    html = [o.data.get("text/html", "") for o in cap.outputs]
    assert any('<progress value="0.500"' in h and "step 2/4" in h for h in html), html
    assert html[-1] == "" and cap.outputs[-1].data["text/plain"] == ""  # cleared when the call ends


def test_spinner_with_elapsed_time_when_no_progress_arrives(demo: InteractiveShell) -> None:
    with capture_output() as cap:
        result = demo.run_cell("%mcp call demo.sleep_forever --timeout 0.8")
    assert "did not answer within 0.8 s" in str(result.error_in_exec) and "--timeout" in str(result.error_in_exec)
    html = [o.data.get("text/html", "") for o in cap.outputs]
    assert any("<progress style=" in h and "demo.sleep_forever" in h and " s</div>" in h for h in html), html
    assert html[-1] == ""
    assert run(demo, "%mcp call demo.add a=1 b=1").value == 2  # the connection survived the cancel


def test_fast_call_shows_no_progress(demo: InteractiveShell) -> None:
    with capture_output() as cap:
        run(demo, "%mcp call demo.add a=1 b=2")
    assert all(not o.data.get("text/html") for o in cap.outputs)


def _complete(ip: InteractiveShell, line: str) -> list[str]:
    """IPython's completer, as the front end calls it: the words offered for ``line``."""
    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(line, len(line))]


def test_completion_through_ipython(demo: InteractiveShell) -> None:
    assert _complete(demo, "%mcp ca") == ["call"]
    assert "help" not in _complete(demo, "%mcp")  # the cursor is still on the magic's own name
    assert _complete(demo, "%mcp ") == list(COMMANDS)  # no Python keywords from Jedi on a %mcp line
    assert "demo.add" in _complete(demo, "%mcp call demo.a") and "demo.add_tool" in _complete(demo, "%mcp call demo.a")
    assert _complete(demo, "%mcp call demo.add ") == ["a=", "b="]
    assert _complete(demo, "%mcp call demo.add a=1 ") == ["b="]
    assert _complete(demo, "%mcp call demo.image w") == ["width="]
    assert "demo" in _complete(demo, "%mcp tools ")
    assert _complete(demo, "%mcp tools --sea") == ["--search"]
    assert _complete(demo, "%mcp help conn") == ["connect"]
    assert _complete(demo, "%%mcp call demo.ec") == ["demo.echo"]
    assert _complete(demo, "%mcp prompt demo.review ") == ["code=", "language="]
    assert "demo" in _complete(demo, "%mcp history --server ")
    assert "//readme" in _complete(demo, "%mcp read demo demo:/")


def test_completer_hook_cuts_answers_to_the_symbol(demo: InteractiveShell) -> None:
    complete = make_completer(wb)  # the workbench if it exists: here it does
    event = SimpleNamespace(text_until_cursor="%mcp read demo demo://re", symbol="//re", line="", command="%mcp")
    assert complete(demo, event) == ["//readme"]
    event = SimpleNamespace(text_until_cursor="%mcp describe dem", symbol="dem", line="", command="%mcp")
    assert "demo.add" in complete(demo, event)
    event = SimpleNamespace(text_until_cursor="%mcp call nope.x ", symbol="", line="", command="%mcp")
    assert complete(demo, event) == []  # unknown tool: nothing to offer, no error
    event = SimpleNamespace(text_until_cursor="%mcp call demo.echo text='open", symbol="open", line="", command="%mcp")
    assert complete(demo, event) == []  # an open quote while typing is not an error
