/* How a tool call reads under a reply: a sentence in words ("Moved “Dentist” to Fri"), whether
 * it failed or waits for the person's yes, and the raw call (name, arguments, output) one click
 * away. Titles are data: they are only ever set as text. */

import { dueLabel } from "../dom.js";

/** A due date inside a sentence: "tomorrow", "Fri, Dec 11". */
function dueWords(due) {
  const label = dueLabel(String(due));
  return /^(Today|Tomorrow|Yesterday)$/.test(label) ? label.toLowerCase() : label;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function quoted(title) {
  return title ? `“${title}”` : "a task";
}

/** The task's title as the call or its output names it ("task 7" when neither does). */
function taskName(args, output) {
  if (output && output.title) return quoted(output.title);
  if (args && args.title) return quoted(args.title);
  if (args && args.task_id != null) return `task ${args.task_id}`;
  return "a task";
}

function updateWords(args, output) {
  const name = taskName({ task_id: args.task_id }, output);
  const parts = [];
  if (args.due_date) parts.push(`Moved ${name} to ${dueWords(args.due_date)}`);
  if (args.priority) parts.push(`${parts.length ? "set" : `Set ${name} to`} ${args.priority} priority`);
  if (args.title) parts.push(`${parts.length ? "renamed" : "Renamed"} it ${quoted(args.title)}`);
  if (args.description != null) parts.push(`${parts.length ? "updated" : `Updated ${name}'s`} notes`);
  return parts.join(", ") || `Updated ${name}`;
}

function listWords(args, output) {
  const found = output && typeof output.count === "number" ? output.count : (output && output.tasks || []).length;
  const what = { pending: "open task", completed: "done task" }[args.status] || "task";
  let words = `Found ${plural(found, what, `${what}s`)}`;
  if (args.due) words += ` ${{ today: "due today", overdue: "overdue", upcoming: "coming up" }[args.due] || ""}`;
  if (args.search) words += ` matching “${args.search}”`;
  return words;
}

const DONE_WORDS = {
  add_task: (args, output) => `Added ${taskName(args, output)}${output.due_date ? `, due ${dueWords(output.due_date)}` : ""}`,
  complete_task: (args, output) => output.status === "already_completed" ? `${taskName(args, output)} was already done` : `Completed ${taskName(args, output)}`,
  reopen_task: (args, output) => output.status === "already_pending" ? `${taskName(args, output)} was already open` : `Reopened ${taskName(args, output)}`,
  update_task: updateWords,
  delete_task: (args, output) => `Deleted ${taskName(args, output)}`,
  delete_completed_tasks: (args, output) => `Deleted ${plural(output.count || 0, "completed task", "completed tasks")}`,
  delete_all_tasks: (args, output) => `Deleted ${plural(output.count || 0, "task", "tasks")}`,
  list_tasks: listWords,
  undo_last_turn: (args, output) => `Undid the last change${changesWords(output.changes) ? `: ${changesWords(output.changes)}` : ""}`,
};

// What an undo did to each task, by the journal action it recorded (tasks.undo).
const UNDONE_ACTION_WORDS = {
  created: "brought back",
  deleted: "removed",
  completed: "marked done",
  reopened: "reopened",
  updated: "put back",
};

/** An undo's changes ([{title, action}]) in words: "brought back “Call mum”, removed “Bread”". */
export function changesWords(changes) {
  const groups = new Map();
  (changes || []).forEach((change) => {
    const verb = UNDONE_ACTION_WORDS[change.action] || "changed";
    if (!groups.has(verb)) groups.set(verb, []);
    groups.get(verb).push(quoted(change.title));
  });
  return [...groups].map(([verb, titles]) => `${verb} ${titles.join(", ")}`).join("; ");
}

// What undoing a turn will do about each of its calls that changed tasks (the chips' own words
// turned round); calls that changed nothing (a listing, a failure, a question) are absent.
const UNDO_WORDS = {
  add_task: (args, output) => ["remove", taskName(args, output)],
  complete_task: (args, output) => output.status === "already_completed" ? null : ["reopen", taskName(args, output)],
  reopen_task: (args, output) => output.status === "already_pending" ? null : ["mark done again", taskName(args, output)],
  update_task: (args, output) => ["put back", taskName({ task_id: args.task_id }, output)],
  delete_task: (args, output) => ["bring back", taskName(args, output)],
  delete_completed_tasks: (args, output) => (output.count ? ["bring back", plural(output.count, "completed task", "completed tasks")] : null),
  delete_all_tasks: (args, output) => (output.count ? ["bring back", plural(output.count, "task", "tasks")] : null),
  undo_last_turn: () => ["redo", "what it undid"],
};

/** [verb, what] for what undoing this call will do, or null when it changed nothing. */
export function undoWords(name, args, output) {
  if (chipFailed(output) || chipAsking(output) || !output || typeof output !== "object") return null;
  const words = UNDO_WORDS[name];
  return words ? words(args || {}, output) : null;
}

/** The sentence for a whole turn's undo: "Undo will remove “Bread”, “Eggs”; bring back “Call mum”". */
export function undoSentence(calls) {
  const groups = new Map();
  calls.forEach(({ name, args, output }) => {
    const words = undoWords(name, args, output);
    if (!words) return;
    if (!groups.has(words[0])) groups.set(words[0], []);
    groups.get(words[0]).push(words[1]);
  });
  return [...groups].map(([verb, what]) => `${verb} ${what.join(", ")}`).join("; ");
}

const RUNNING_WORDS = {
  add_task: (args) => `Adding ${taskName(args)}…`,
  complete_task: (args) => `Completing ${taskName(args)}…`,
  reopen_task: (args) => `Reopening ${taskName(args)}…`,
  update_task: (args) => `Updating ${taskName({ task_id: args.task_id })}…`,
  delete_task: (args) => `Deleting ${taskName(args)}…`,
  list_tasks: () => "Looking at your tasks…",
  undo_last_turn: () => "Undoing the last change…",
};

export function chipFailed(output) {
  if (!output || typeof output !== "object") return false;
  if (output.error || output.ok === false) return true;
  return /not_found|error|invalid|refused/.test(String(output.status || ""));
}

// The status a tool answers with when a bulk change waits for a yes (agents_bridge.confirmation).
const ASKING_STATUS = JSON.parse(document.getElementById("chat-config").textContent).needsConfirmationStatus;

/** A bulk delete that asked first did nothing yet: its chip must not read as done. */
export function chipAsking(output) {
  return !!output && typeof output === "object" && output.status === ASKING_STATUS;
}

/** The sentence for a call still running. */
export function runningWords(name, args) {
  const words = RUNNING_WORDS[name];
  return words ? words(args || {}) : `Running ${name}…`;
}

/** The sentence for a finished call, and its state: "ok", "failed" or "asking". */
export function resultWords(name, args, output) {
  args = args || {};
  if (chipFailed(output)) {
    const reason = output.message || output.detail || output.error || "it did not work";
    return { state: "failed", words: `Could not ${name.replace(/_/g, " ")}: ${reason}` };
  }
  if (chipAsking(output)) {
    const what = name === "delete_completed_tasks" ? "completed task" : "task";
    return { state: "asking", words: `Asks you to confirm deleting ${plural(output.count || 0, what, `${what}s`)}` };
  }
  const words = DONE_WORDS[name];
  const shaped = output && typeof output === "object" ? output : {};
  return { state: "ok", words: words ? words(args, shaped) : `Ran ${name}` };
}

/** The call as the model made it, for the curious: name(arguments) and what came back. */
export function rawCall(name, args, output) {
  const shown = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return `${name}(${JSON.stringify(args || {})})\n→ ${output === undefined || output === null ? "(no result yet)" : shown(output)}`;
}

/** Every task title a call names: the reply quotes them, and they must show as written. */
export function titlesIn(args, output) {
  const titles = [];
  if (args && typeof args.title === "string") titles.push(args.title);
  if (output && typeof output === "object") {
    if (typeof output.title === "string") titles.push(output.title);
    (output.tasks || []).forEach((task) => { if (task && typeof task.title === "string") titles.push(task.title); });
    (output.titles || []).forEach((title) => { if (typeof title === "string") titles.push(title); });
  }
  return titles;
}
