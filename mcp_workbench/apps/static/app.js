// The MCP App view (anywidget ESM). It only relays: the app's postMessage JSON-RPC goes to the
// kernel over the widget comm (model.send), and the kernel's answers and commands come back
// (msg:custom). The kernel decides everything; this file draws the iframe and the link prompt.
// Each rendered view has its own id, so two views of one widget never read each other's replies.

const THEME_ATTRIBUTE = "data-jp-theme-light";

function theme() {
  const light = document.body.getAttribute(THEME_ATTRIBUTE);
  if (light === "true") return "light";
  if (light === "false") return "dark";
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  return dark ? "dark" : "light";
}

function newId() {
  return window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID() : String(Math.random()).slice(2);
}

function part(parent, className, tag = "div") {
  const node = document.createElement(tag);
  node.className = className;
  parent.appendChild(node);
  return node;
}

function render({ model, el }) {
  const view = newId();
  el.classList.add("mcp-app");
  const header = part(el, "mcp-app-header");
  const policy = part(el, "mcp-app-policy");
  const box = part(el, "mcp-app-frame");
  const links = part(el, "mcp-app-links");
  const status = part(el, "mcp-app-status");
  const result = part(el, "mcp-app-result");
  const chat = part(el, "mcp-app-chat");
  let iframe = null;
  let loads = 0;
  let width = 0;

  const send = (content) => model.send({ view, ...content });
  const context = () => ({
    type: "context", theme: theme(), width: Math.round(el.clientWidth || 0),
    locale: navigator.language, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const note = (text) => {
    status.textContent = text || "";
    status.style.display = text ? "" : "none";
  };
  const paint = () => {
    header.textContent = model.get("header");
    policy.textContent = model.get("policy");
    note(model.get("status"));
    // HTML the kernel built from the tool's result, every server string escaped there.
    result.innerHTML = model.get("show_result") ? model.get("result_html") : "";
    chat.innerHTML = model.get("chat_html");
    box.classList.toggle("mcp-app-border", Boolean(model.get("border")));
  };
  const unmount = (why) => {
    if (iframe) iframe.remove();
    iframe = null;
    if (why) note(why);
  };
  const mount = () => {
    const page = model.get("srcdoc");
    if (iframe || !page) return;
    iframe = document.createElement("iframe");
    iframe.setAttribute("sandbox", model.get("sandbox")); // allow-scripts only: an opaque origin
    if (model.get("allow")) iframe.setAttribute("allow", model.get("allow"));
    iframe.setAttribute("referrerpolicy", "no-referrer");
    iframe.setAttribute("title", model.get("header"));
    iframe.style.height = `${model.get("height")}px`;
    iframe.addEventListener("load", () => {
      loads += 1; // a second load means the page navigated somewhere its CSP no longer covers
      if (loads > 1) unmount("The app navigated away from its page, so it was removed.");
    });
    iframe.srcdoc = page; // the CSP <meta> is already first in it (put there by the kernel)
    box.appendChild(iframe);
  };
  const offerLink = (url) => {
    if (!/^https?:\/\//i.test(url)) return;
    const row = part(links, "mcp-app-link");
    row.append("The app wants to open ");
    part(row, "mcp-app-url", "code").textContent = url;
    const open = part(row, "mcp-app-open", "button");
    open.textContent = "Open";
    open.addEventListener("click", () => {
      window.open(url, "_blank", "noopener,noreferrer");
      row.remove();
    });
    const dismiss = part(row, "mcp-app-dismiss", "button");
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", () => row.remove());
  };

  const onWindowMessage = (event) => {
    if (!iframe || event.source !== iframe.contentWindow) return;
    let message = null;
    try {
      message = JSON.parse(JSON.stringify(event.data)); // plain JSON only; the kernel checks the rest
    } catch (error) {
      message = null;
    }
    send({ type: "rpc", message: message === undefined ? null : message });
  };
  const onKernel = (msg) => {
    if (!msg || msg.view !== view) return;
    if (msg.type === "rpc") {
      if (iframe && iframe.contentWindow) iframe.contentWindow.postMessage(msg.message, "*"); // opaque origin: "*"
    } else if (msg.type === "size") {
      if (iframe) iframe.style.height = `${msg.height}px`;
    } else if (msg.type === "link") {
      offerLink(msg.url);
    } else if (msg.type === "unmount") {
      unmount(msg.reason);
    }
  };

  const themeWatch = new MutationObserver(() => send(context()));
  themeWatch.observe(document.body, { attributes: true, attributeFilter: [THEME_ATTRIBUTE] });
  const sizeWatch = new ResizeObserver(() => {
    const now = Math.round(el.clientWidth || 0);
    if (now && now !== width) {
      width = now;
      send(context());
    }
  });
  sizeWatch.observe(el);
  window.addEventListener("message", onWindowMessage);
  model.on("msg:custom", onKernel);
  model.on("change:srcdoc", mount);
  for (const name of ["header", "policy", "status", "result_html", "show_result", "chat_html", "border"]) {
    model.on(`change:${name}`, paint);
  }
  paint();
  send(context()); // before the iframe exists, so ui/initialize already knows theme and width
  mount();

  return () => {
    window.removeEventListener("message", onWindowMessage);
    themeWatch.disconnect();
    sizeWatch.disconnect();
    model.off("msg:custom", onKernel);
    model.off("change:srcdoc", mount);
    send({ type: "gone" });
  };
}

export default { render };
