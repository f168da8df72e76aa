/* The task list page: follows tasks.changed over the websocket (a change made in chat, in
 * another tab or by another door shows without a reload) and renames a task in place.
 * The page works without it: every control is also a plain form or link. */

import { api, urlFor } from "../api.js";
import { byId, createAnnouncer, pageData } from "../dom.js";
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

setUpQuickAdd({
  form: byId("quick-add"),
  input: byId("quick-add-text"),
  preview: byId("quick-add-preview"),
  url: config.urls.quickAddPreview,
});
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

prepareTitles();

setUpQuickAdd({
  form: byId("quick-add"),
  input: byId("quick-add-text"),
  preview: byId("quick-add-preview"),
  url: config.urls.quickAddPreview,
});
