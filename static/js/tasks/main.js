/* The task list page: follows tasks.changed over the websocket (a change made in chat, in
 * another tab or by another door shows without a reload), renames a task in place, and deletes
 * in place with an "Undo" toast (the journal's undo of that one change).
 * The page works without it: every control is also a plain form or link. */

import { api, urlFor } from "../api.js";
import { byId, createAnnouncer, el, pageData } from "../dom.js";
import { editInPlace, saveError } from "../inline_edit.js";
import { LiveSocket } from "../socket.js";
import { setUpQuickAdd } from "./quick_add.js";

const config = pageData("tasks-config");
const results = byId("task-results");
const views = byId("task-views");
const announce = createAnnouncer();

// ---------- live list ---------------------------------------------------------------------------

let editing = null; // the title being renamed; the list is not replaced under it
let refreshing = false;
let refreshAgain = false;

/** The same page again from the server, swapped in for the list and the view counts. */
async function refresh() {
  if (editing || refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  refreshAgain = false;
  try {
    const res = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (res.ok) {
      const fresh = new DOMParser().parseFromString(await res.text(), "text/html");
      const freshResults = fresh.getElementById("task-results");
      const freshViews = fresh.getElementById("task-views");
      if (freshResults && !editing) results.replaceChildren(...freshResults.childNodes);
      if (freshViews) views.replaceChildren(...freshViews.childNodes);
      prepareTitles();
    }
  } catch (e) {
    // The next change or reconnect tries again.
  } finally {
    refreshing = false;
    if (refreshAgain && !editing) refresh();
  }
}

function onFrame(frame) {
  if (frame.type !== "tasks.changed") return;
  refresh();
  if (frame.task && frame.task.title) announce(`Task changed: ${frame.task.title}`);
}

const socket = new LiveSocket(config.urls.socket, {
  onFrame,
  onOpen: ({ reconnected }) => { if (reconnected) refresh(); },
  onState: (state) => { document.body.dataset.live = state; },
});
socket.connect();

// ---------- rename in place ---------------------------------------------------------------------

function prepareTitles() {
  results.querySelectorAll(".task-title").forEach((title) => {
    title.tabIndex = 0;
    title.setAttribute("role", "button");
    title.title = "Rename";
  });
}

function startRename(title) {
  if (editing) return;
  const item = title.closest(".task");
  editing = title;
  editInPlace(title, {
    value: title.textContent,
    maxLength: 255,
    label: `New title for ${title.textContent}`,
    className: "title-input",
    save: async (text) => {
      try {
        const task = await api("PATCH", urlFor(config.urls.task, item.dataset.taskId), { title: text });
        title.textContent = task.title;
        announce(`Renamed to ${task.title}`);
      } catch (err) {
        throw saveError(err, "title", "rename it");
      }
    },
    onEnd: () => {
      editing = null;
      if (refreshAgain) refresh();
    },
  });
}

results.addEventListener("click", (event) => {
  const title = event.target.closest(".task-title");
  if (title) startRename(title);
});
results.addEventListener("keydown", (event) => {
  const title = event.target.closest(".task-title");
  if (title && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    startRename(title);
  }
});

// ---------- delete, with Undo ------------------------------------------------------------------

const toast = byId("toast");
const TOAST_MS = 10000;
let toastTimer = null;

/** Shows `text` in the toast, with an action button when `action` is {label, run}. */
function showToast(text, action) {
  window.clearTimeout(toastTimer);
  toast.replaceChildren(el("span", "toast-text", text));
  if (action) {
    const button = el("button", "toast-action", action.label);
    button.type = "button";
    button.addEventListener("click", action.run, { once: true });
    toast.appendChild(button);
  }
  toast.hidden = false;
  toastTimer = window.setTimeout(() => { toast.hidden = true; }, TOAST_MS);
}

async function undoDelete(deleted) {
  showToast(`Bringing back “${deleted.title}”…`);
  try {
    await api("POST", urlFor(config.urls.activityUndo, deleted.change_id), { scope: "entry" });
    showToast(`Brought back “${deleted.title}”.`);
  } catch (err) {
    // A conflict changes nothing; the API's sentence names what changed since.
    showToast(err.message || "Could not undo.");
  }
  refresh();
}

async function deleteInPlace(form) {
  const item = form.closest(".task");
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const res = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!res.ok) throw new Error(res.status === 404 ? "That task is already gone." : `Could not delete it (${res.status}).`);
    const deleted = await res.json();
    if (item) item.remove();
    showToast(deleted.detail, { label: "Undo", run: () => undoDelete(deleted) });
  } catch (err) {
    button.disabled = false;
    showToast(err.message);
  }
  refresh();
}

results.addEventListener("submit", (event) => {
  const form = event.target.closest(".delete-form");
  if (!form) return;
  event.preventDefault();
  deleteInPlace(form);
});

if (!toast.hidden) toastTimer = window.setTimeout(() => { toast.hidden = true; }, TOAST_MS);

prepareTitles();

setUpQuickAdd({
  form: byId("quick-add"),
  input: byId("quick-add-text"),
  preview: byId("quick-add-preview"),
  url: config.urls.quickAddPreview,
});
