"""The demo's MCP App: a counter whose button calls a server tool and shows the new value.

Served with the SDK's ``mcp.server.apps.Apps`` extension: three tools share the ``ui://``
resource ``ui://demo/counter.html`` and differ in who may call them (``_meta.ui.visibility``):
``counter`` (model and app: shows the count), ``increment`` (app only: the button) and ``reset``
(model only: an app that tries it is refused by the host). The page speaks the MCP Apps
JSON-RPC by hand (no SDK bundle, no network): ``ui/initialize``, ``tools/call``,
``ui/update-model-context`` after every change, ``ui/message`` from its "Tell the chat" button,
and ``ui/notifications/size-changed``.
"""

from __future__ import annotations

from pydantic import BaseModel

from mcp.server.apps import Apps

COUNTER_URI = "ui://demo/counter.html"

COUNTER_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Counter</title>
<style>
  html, body { margin: 0; font-family: system-ui, sans-serif; }
  body { padding: 10px 14px; }
  body.dark { background: #222; color: #eee; }
  #count { font-size: 1.8em; font-weight: bold; margin: 0 6px; }
  button { font-size: 1em; padding: 4px 12px; margin: 6px 6px 0 0; cursor: pointer; }
  #status { color: #777; font-size: 0.9em; min-height: 1.2em; }
</style>
</head>
<body>
<div>Count: <span id="count">…</span></div>
<div><button id="increment">+1</button><button id="reset">Reset</button><button id="tell">Tell the chat</button></div>
<div id="status"></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const pending = new Map();
  let nextId = 1;
  const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const notify = (method, params) => post({ method, params });
  const request = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    post({ id, method, params });
  });
  const status = (text) => { $("status").textContent = text; };
  const theme = (context) => { if (context && context.theme) document.body.classList.toggle("dark", context.theme === "dark"); };
  const show = (result) => {
    const count = result && result.structuredContent ? result.structuredContent.count : undefined;
    if (typeof count !== "number") return;
    $("count").textContent = String(count);
    request("ui/update-model-context", { content: [{ type: "text", text: `The counter app shows ${count}.` }] })
      .catch(() => {});
  };
  const call = async (name) => {
    try {
      const result = await request("tools/call", { name, arguments: {} });
      if (result.isError) status(`${name} failed`); else { show(result); status(""); }
    } catch (error) { status(`${name} refused: ${error.message}`); }
  };
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message)); else waiting.resolve(message.result);
    } else if (message.method === "ui/notifications/tool-result") show(message.params);
    else if (message.method === "ui/notifications/host-context-changed") theme(message.params);
    else if (message.method === "ui/resource-teardown") post({ id: message.id, result: {} });
    else if (message.id !== undefined) post({ id: message.id, error: { code: -32601, message: "method not found" } });
  });
  $("increment").addEventListener("click", () => call("increment"));
  $("reset").addEventListener("click", () => call("reset"));
  $("tell").addEventListener("click", async () => {
    const text = `The counter is at ${$("count").textContent}.`;
    try {
      const result = await request("ui/message", { role: "user", content: [{ type: "text", text }] });
      status(result && result.isError ? "the host did not take the message" : "message sent");
    } catch (error) { status(`message refused: ${error.message}`); }
  });
  const size = () => {
    const root = document.documentElement, before = root.style.height;
    root.style.height = "max-content";
    const height = Math.ceil(root.getBoundingClientRect().height);
    root.style.height = before;
    notify("ui/notifications/size-changed", { width: Math.ceil(window.innerWidth), height });
  };
  request("ui/initialize", {
    protocolVersion: "2026-01-26", appInfo: { name: "demo-counter", version: "1.0.0" }, appCapabilities: {},
  }).then((init) => {
    theme(init.hostContext);
    notify("ui/notifications/initialized", {});
    new ResizeObserver(size).observe(document.body);
    size();
  }).catch((error) => status(`not connected: ${error.message}`));
})();
</script>
</body>
</html>
"""


class Count(BaseModel):
    """What every counter tool returns (``structuredContent``), so the app can show it."""

    count: int


def counter_app() -> Apps:
    """The ``Apps`` extension with the counter's tools and page; one count per server process."""
    apps = Apps()
    state = {"count": 0}

    @apps.tool(resource_uri=COUNTER_URI, title="Counter", description="Show the counter app and the current count.")
    def counter() -> Count:
        return Count(count=state["count"])

    @apps.tool(resource_uri=COUNTER_URI, visibility=["app"], title="Increment",
               description="Raise the counter by `by` (called by the counter app's button).")  # fmt: skip
    def increment(by: int = 1) -> Count:
        state["count"] += by
        return Count(count=state["count"])

    @apps.tool(resource_uri=COUNTER_URI, visibility=["model"], title="Reset",
               description="Set the counter back to 0 (the model may; the app may not).")  # fmt: skip
    def reset() -> Count:
        state["count"] = 0
        return Count(count=0)

    apps.add_html_resource(COUNTER_URI, COUNTER_HTML, name="counter", title="Counter app",
                           description="A counter whose button calls the server.", prefers_border=True)  # fmt: skip
    return apps
