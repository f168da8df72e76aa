/* The side list of the person's tasks: kept current by tasks.changed frames, and a checkbox
 * that completes or reopens a task through the task API. */

import { api, resultsOf, urlFor, withQuery } from "../api.js";
import { byId, dueLabel, el, isOverdue } from "../dom.js";

const ACTION_WORDS = { created: "Added", updated: "Updated", completed: "Completed", reopened: "Reopened", deleted: "Deleted" };
const PENDING_LIMIT = 100;
const DONE_LIMIT = 20;

export function createTaskPanel({ root, urls, announce, showNotice }) {
  const pendingList = byId("tasks-pending");
  const doneList = byId("tasks-done");
  const template = byId("side-task-template");

  // The server wrote due dates for pages without JavaScript; here they read as the ones live
  // updates add ("Tomorrow", the browser's own date format and day).
  root.querySelectorAll(".side-task .due[data-due]").forEach((span) => {
    span.textContent = dueLabel(span.dataset.due);
  });

  function findItem(id) {
    return root.querySelector(`.side-task[data-task-id="${String(id)}"]`);
  }

  function buildItem(task) {
    const li = template.content.firstElementChild.cloneNode(true);
    const box = li.querySelector(".side-check");
    li.dataset.taskId = String(task.id);
    li.dataset.created = task.created_at || "";
    li.dataset.due = task.due_date || "";
    box.id = `side-task-${task.id}`;
    box.checked = !!task.completed;
    box.setAttribute("aria-label", `${task.completed ? "Reopen" : "Complete"} ${task.title}`);
    const title = li.querySelector(".side-task-title");
    title.textContent = task.title;
    title.href = urlFor(urls.taskEdit, task.id);
    const meta = li.querySelector(".side-task-meta");
    if (task.due_date) meta.appendChild(el("span", "due", dueLabel(task.due_date)));
    if (task.priority && task.priority !== "medium") {
      meta.appendChild(el("span", `pill ${task.priority}`, task.priority === "high" ? "High" : "Low"));
    }
    if (task.recurrence_text) meta.appendChild(el("span", "repeat", `↻ ${task.recurrence_text}`));
    (task.labels || []).forEach((name) => {
      const chip = el("a", "chip label", `#${name}`);
      chip.dataset.label = name;
      chip.href = `${urls.taskList}?label=${encodeURIComponent(name)}`;
      meta.appendChild(chip);
    });
    li.classList.toggle("done", !!task.completed);
    li.classList.toggle("overdue", isOverdue(task));
    return li;
  }

  // The server's order: open tasks soonest due first (overdue ones lead), undated after; each
  // group, and the done list, newest first.
  function sortKey(li, byDue) {
    const due = byDue ? li.dataset.due : "";
    return [due ? 0 : 1, due, -(Date.parse(li.dataset.created) || 0)];
  }

  function comesBefore(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  }

  // ---------- the label filter: a chip shows only that label's tasks, in this panel ----------
  let labelFilter = null;

  function labelsOf(li) {
    return Array.from(li.querySelectorAll(".chip.label")).map((chip) => chip.dataset.label.toLowerCase());
  }

  function applyLabelFilter() {
    root.querySelectorAll(".side-task").forEach((li) => {
      li.hidden = labelFilter !== null && !labelsOf(li).includes(labelFilter.toLowerCase());
    });
    byId("side-label-filter").hidden = labelFilter === null;
    byId("side-label-name").textContent = labelFilter === null ? "" : `#${labelFilter}`;
  }

  root.addEventListener("click", (event) => {
    const chip = event.target.closest(".chip.label");
    if (chip) {
      event.preventDefault();
      labelFilter = chip.dataset.label;
      applyLabelFilter();
    } else if (event.target.id === "side-label-clear") {
      labelFilter = null;
      applyLabelFilter();
    }
  });

  function insertSorted(list, li) {
    const byDue = list === pendingList;
    const key = sortKey(li, byDue);
    const next = Array.from(list.children).find((item) => comesBefore(key, sortKey(item, byDue)));
    list.insertBefore(li, next || null);
  }

  function refreshCounts() {
    const pending = pendingList.children.length;
    const done = doneList.children.length;
    const overdue = pendingList.querySelectorAll(".side-task.overdue").length;
    const summary = byId("task-summary");
    summary.textContent = "";
    summary.appendChild(el("span", null, String(pending)));
    summary.appendChild(document.createTextNode(" to do"));
    if (overdue) {
      summary.appendChild(document.createTextNode(" · "));
      summary.appendChild(el("span", "overdue-count", `${overdue} overdue`));
    }
    byId("tasks-empty").hidden = pending > 0;
    byId("done-section").hidden = done === 0;
    byId("done-count").textContent = String(done);
    byId("tasks-jump-count").textContent = String(pending);
  }

  function upsert(task, highlight) {
    const old = findItem(task.id);
    const hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    const li = buildItem(task);
    insertSorted(task.completed ? doneList : pendingList, li);
    applyLabelFilter();
    if (highlight) {
      li.classList.add("just-changed");
      window.setTimeout(() => li.classList.remove("just-changed"), 1600);
    }
    if (hadFocus) li.querySelector(".side-check").focus();
    refreshCounts();
  }

  function remove(id) {
    const old = findItem(id);
    if (old) old.remove();
    refreshCounts();
  }

  async function refetch() {
    try {
      const [pending, done] = await Promise.all([
        api("GET", withQuery(urls.tasks, { completed: "false", ordering: "due_date", limit: PENDING_LIMIT })),
        api("GET", withQuery(urls.tasks, { completed: "true", limit: DONE_LIMIT })),
      ]);
      pendingList.textContent = "";
      doneList.textContent = "";
      resultsOf(pending).forEach((t) => insertSorted(pendingList, buildItem(t)));
      resultsOf(done).forEach((t) => insertSorted(doneList, buildItem(t)));
      applyLabelFilter();
      refreshCounts();
    } catch (e) {
      // The next change or reconnect tries again.
    }
  }

  function applyChange(action, task) {
    if (task && task.id != null && action === "deleted") {
      remove(task.id);
    } else if (task && task.id != null && ACTION_WORDS[action]) {
      upsert(task, true);
    } else {
      // Bulk changes (deleted_completed, deleted_all, ...) carry no task: ask for the list again.
      refetch();
    }
    announce(task && ACTION_WORDS[action] ? `${ACTION_WORDS[action]} task: ${task.title}` : "Your task list changed.");
  }

  root.addEventListener("change", async (event) => {
    const box = event.target;
    if (!box.classList || !box.classList.contains("side-check")) return;
    const li = box.closest(".side-task");
    const id = li.dataset.taskId;
    const wanted = box.checked;
    box.disabled = true;
    li.classList.add("saving");
    try {
      upsert(await api("PATCH", urlFor(urls.task, id), { completed: wanted }), false);
    } catch (err) {
      box.checked = !wanted;
      box.disabled = false;
      li.classList.remove("saving");
      showNotice(`Could not update the task: ${err.message}`);
      if (err.status === 404) remove(id);
    }
  });

  refreshCounts();
  return { applyChange, refetch };
}
