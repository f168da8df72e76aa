/* Small DOM and date helpers shared by the page scripts. */

export function byId(id) {
  return document.getElementById(id);
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** The JSON a template handed over with Django's json_script. */
export function pageData(id) {
  const node = byId(id);
  return node ? JSON.parse(node.textContent) : null;
}

/** Controls marked data-needs-js are disabled in the HTML so the no-JS page never offers dead ones. */
export function enableScriptedControls(root = document) {
  root.querySelectorAll("[data-needs-js]").forEach((node) => { node.disabled = false; });
}

/** A polite live region: screen readers hear what changed without the focus moving. */
export function createAnnouncer() {
  const region = el("div", "visually-hidden");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("role", "status");
  document.body.appendChild(region);
  return (text) => {
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 50);
  };
}

export function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; plain-HTTP LAN hosts get this fallback.
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => (x + 0x100).toString(16).slice(1)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function browserTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (e) {
    return null;
  }
}

const relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;

export function ago(iso) {
  const t = Date.parse(iso);
  if (isNaN(t) || !relative) return "";
  const s = Math.round((t - Date.now()) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(s / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(s / 3600), "hour");
  if (abs < 7 * 86400) return relative.format(Math.round(s / 86400), "day");
  return new Date(t).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

export function localDateString(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** "Today", "Tomorrow", "Yesterday", else the browser's own short date ("Mon, 7 Dec"). */
export function dueLabel(due) {
  const today = new Date();
  const offset = (days) => localDateString(new Date(today.getFullYear(), today.getMonth(), today.getDate() + days));
  if (due === offset(0)) return "Today";
  if (due === offset(1)) return "Tomorrow";
  if (due === offset(-1)) return "Yesterday";
  const [y, m, d] = due.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

export function isOverdue(task) {
  return !task.completed && !!task.due_date && task.due_date < localDateString(new Date());
}
