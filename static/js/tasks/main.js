/* The task list page: follows tasks.changed over the websocket (a change made in chat, in
 * another tab or by another door shows without a reload) and renames a task in place.
 * The page works without it: every control is also a plain form or link. */

import { api, urlFor } from "../api.js";
import { byId, createAnnouncer, el, pageData } from "../dom.js";
import { LiveSocket } from "../socket.js";

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
  const original = title.textContent;
  const input = el("input", "title-input");
  input.type = "text";
  input.value = original;
  input.maxLength = 255;
  input.setAttribute("aria-label", `New title for ${original}`);
  const error = el("p", "errors");
  error.setAttribute("role", "alert");
  error.hidden = true;
  title.hidden = true;
  title.after(input, error);
  input.focus();
  input.select();
  editing = { item, title, input, error, original, saving: false };

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      saveRename();
    } else if (event.key === "Escape") {
      endRename();
    }
  });
  input.addEventListener("blur", () => { if (editing && !editing.saving) saveRename(); });
}

function endRename() {
  if (!editing) return;
  const { title, input, error } = editing;
  editing = null; // first: removing the focused input may fire its blur
  input.remove();
  error.remove();
  title.hidden = false;
  title.focus();
  if (refreshAgain) refresh();
}

async function saveRename() {
  const current = editing;
  const text = current.input.value.trim();
  if (text === current.original) {
    endRename();
    return;
  }
  current.saving = true;
  try {
    const task = await api("PATCH", urlFor(config.urls.task, current.item.dataset.taskId), { title: text });
    current.title.textContent = task.title;
    announce(`Renamed to ${task.title}`);
    endRename();
  } catch (err) {
    const titleErrors = err.data && err.data.title;
    current.error.textContent = titleErrors ? titleErrors.join(" ") : `Could not rename it: ${err.message}`;
    current.error.hidden = false;
    current.saving = false;
    current.input.focus();
  }
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
