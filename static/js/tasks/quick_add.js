/* The quick-add field's live preview: what the server's parser (tasks.quick_add, the one the
 * agent uses too) reads from the line, shown before saving. The form posts without it. */

import { api } from "../api.js";
import { dueLabel, el } from "../dom.js";

const WAIT_MS = 150;

export function setUpQuickAdd({ form, input, preview, url }) {
  let timer = null;
  let asked = 0;

  function show(parsed) {
    preview.textContent = "";
    const parts = [];
    parts.push(el("span", "chip preview-title", parsed.title ? `“${parsed.title}”` : "(no title yet)"));
    if (parsed.due_date) parts.push(el("span", "chip preview-due", `Due ${dueLabel(parsed.due_date)}`));
    if (parsed.recurrence_text) parts.push(el("span", "chip preview-repeat", `↻ ${parsed.recurrence_text}`));
    parsed.labels.forEach((name) => parts.push(el("span", "chip preview-label", `#${name}`)));
    if (parsed.priority && parsed.priority !== "medium") parts.push(el("span", `pill ${parsed.priority} preview-priority`, `${parsed.priority} priority`));
    parsed.problems.forEach((problem) => parts.push(el("span", "problem", problem)));
    parts.forEach((part) => preview.appendChild(part));
    preview.hidden = false;
  }

  async function ask() {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) {
      preview.hidden = true;
      preview.textContent = "";
      return;
    }
    try {
      const parsed = await api("POST", url, { text });
      if (mine === asked) show(parsed);
    } catch (e) {
      // The form still posts; the server says what it could not read.
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, WAIT_MS);
  });
  form.addEventListener("submit", () => window.clearTimeout(timer));
}
