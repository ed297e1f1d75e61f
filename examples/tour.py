"""The main job, as a script: connect the bundled demo server, browse it, call tools.

Run with ``bash scripts/tour.sh`` (which installs the package first) or ``python examples/tour.py``.
"""

from __future__ import annotations

import pandas as pd

import mcp_workbench

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 48)


def main() -> None:
    wb = mcp_workbench.workbench()
    print(wb.connect("demo", command="python", args=["-m", "mcp_workbench.demo"]))
    print("\n== servers\n", wb.servers()[["name", "transport", "status", "tools", "prompts", "resources",
                                          "server_name", "protocol_version"]].to_string(index=False))  # fmt: skip
    print("\n== tools\n", wb.tools()[["name", "title", "params", "read_only", "destructive"]].to_string(index=False))
    print("\n== prompts\n", wb.prompts()[["name", "arguments"]].to_string(index=False))
    print(f"\n== resources: {len(wb.resources())} (read over several pages), templates:",
          list(wb.resource_templates()["uri_template"]))  # fmt: skip

    print("\n== demo.add a=1 b=2 ->", wb.call("demo.add", a=1, b=2).value)
    steps: list[str] = []
    slow = wb.call("demo.slow", seconds=0.5, steps=5, on_progress=lambda p, t, m: steps.append(f"{p:g}/{t:g}"))
    print("== demo.slow ->", slow.text, "progress:", " ".join(steps))
    print("== demo.table ->\n", wb.call("demo.table", rows=3).df.to_string(index=False))
    image = wb.call("demo.image", width=16, height=8)
    print("== demo.image ->", image.images)
    print("== demo.fail -> is_error:", wb.call("demo.fail").is_error)
    print("== prompt demo.review ->", wb.get_prompt("demo.review", code="x = 1").messages[0]["text"][:60], "...")
    print("== read demo://readme ->", wb.read("demo", "demo://readme").text.splitlines()[0])
    print("\n== history\n", wb.history()[["server", "tool", "arguments", "status", "duration_ms"]].to_string(index=False))
    print("\n== stats", wb.stats())
    wb.close()


if __name__ == "__main__":
    main()
