/* Editing a short text in place: the shown element gives way to an input; Enter (or leaving the
 * field) saves, Escape puts it back. Used for task titles and conversation titles. */

import { el } from "./dom.js";

/**
 * @param {HTMLElement} shown the element showing the text; hidden while editing
 * @param {{value: string, maxLength: number, label: string, className: string,
 *          save: (text: string) => Promise<void>, onEnd?: () => void}} options
 *   `save` gets the trimmed new text (never the unchanged one); an error it throws is shown
 *   under the input, which stays open to try again.
 */
export function editInPlace(shown, { value, maxLength, label, className, save, onEnd = () => {} }) {
  const input = el("input", className);
  input.type = "text";
  input.value = value;
  input.maxLength = maxLength;
  input.setAttribute("aria-label", label);
  const error = el("p", "errors");
  error.setAttribute("role", "alert");
  error.hidden = true;
  shown.hidden = true;
  shown.after(input, error);
  input.focus();
  input.select();
  let state = "editing"; // then "saving", then "ended"

  function end() {
    state = "ended"; // first: removing the focused input may fire its blur
    input.remove();
    error.remove();
    shown.hidden = false;
    shown.focus();
    onEnd();
  }

  async function commit() {
    const text = input.value.trim();
    if (text === value) {
      end();
      return;
    }
    state = "saving";
    try {
      await save(text);
      end();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      state = "editing";
      input.focus();
    }
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (state === "editing") commit();
    } else if (event.key === "Escape" && state === "editing") {
      end();
    }
  });
  input.addEventListener("blur", () => { if (state === "editing") commit(); });
}

/** The sentence to show for a refused save: the field's own messages when the API gave them. */
export function saveError(err, field, what) {
  const messages = err.data && err.data[field];
  return new Error(Array.isArray(messages) ? messages.join(" ") : `Could not ${what}: ${err.message}`);
}
