/* The conversation's messages: the person's, and the agent's as they stream in (text rendered
 * by markdown.js, tool calls as chips under the text). */

import { el } from "../dom.js";
import { render } from "../markdown.js";
import { changesWords, rawCall, resultWords, runningWords, titlesIn, undoSentence, undoWords } from "./chips.js";

/** `undoTurn(messageId)` takes back an agent turn's task changes (the API's answer, or throws
 * its ApiError): the thread offers it under every reply whose turn changed tasks. */
export function createThread({ thread, messagesEl, welcome, undoTurn }) {
  function nearBottom() {
    return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
  }

  function scrollToBottom(force) {
    if (force || nearBottom()) thread.scrollTop = thread.scrollHeight;
  }

  function addUserMessage(text) {
    welcome.hidden = true;
    const stick = nearBottom();
    const li = el("li", "msg user");
    li.appendChild(el("span", "visually-hidden", "You said:"));
    li.appendChild(el("div", "bubble", text));
    messagesEl.appendChild(li);
    scrollToBottom(stick);
    return li;
  }

  function addAssistantMessage() {
    welcome.hidden = true;
    const li = el("li", "msg assistant");
    // Screen readers wait for the whole reply instead of reading every streamed piece.
    li.setAttribute("aria-busy", "true");
    const avatar = el("span", "avatar", "✓");
    avatar.setAttribute("aria-hidden", "true");
    li.appendChild(avatar);
    const body = el("div", "msg-body");
    body.appendChild(el("span", "visually-hidden", "Agent replied:"));
    const bubble = el("div", "bubble md");
    const typing = el("span", "typing");
    typing.setAttribute("aria-label", "The agent is thinking");
    typing.append(el("i"), el("i"), el("i"));
    bubble.appendChild(typing);
    const chips = el("ul", "tool-chips");
    chips.setAttribute("aria-label", "What the agent did");
    const note = el("p", "msg-note");
    note.hidden = true;
    body.append(bubble, chips, note);
    li.appendChild(body);
    messagesEl.appendChild(li);
    scrollToBottom(true);
    return new AssistantMessage({ li, body, bubble, typing, chips, note, nearBottom, scrollToBottom, undoTurn });
  }

  function renderSaved(message) {
    if (message.role === "user") {
      addUserMessage(message.content);
      return;
    }
    const view = addAssistantMessage();
    view.setText(message.content);
    (message.tool_calls || []).forEach((call) => view.addToolCall(call.name, call.arguments, call.output, true));
    view.finish(message.status);
    if (message.undoable) view.offerUndo(message.id, { undone: message.undone });
  }

  function clear() {
    messagesEl.textContent = "";
    welcome.hidden = false;
  }

  return { element: thread, messagesEl, addUserMessage, addAssistantMessage, renderSaved, clear, scrollToBottom };
}

class AssistantMessage {
  constructor(parts) {
    Object.assign(this, parts);
    this.undoBar = null;
    this.text = "";
    this.waiting = [];
    this.titles = new Set(); // task titles the tools named: shown as written, never as markdown
  }

  append(delta) {
    this.setText(this.text + delta);
  }

  setText(value) {
    const stick = this.nearBottom();
    this.text = value || "";
    this.bubble.textContent = "";
    this.bubble.appendChild(render(this.text, { literal: [...this.titles] }));
    if (!this.text) this.bubble.appendChild(this.typing);
    this.scrollToBottom(stick);
  }

  learnTitles(args, output) {
    const before = this.titles.size;
    titlesIn(args, output).forEach((title) => this.titles.add(title));
    if (this.titles.size !== before && this.text) this.setText(this.text);
  }

  addToolCall(name, args, output, done) {
    // A chip reads as a sentence; its raw call (name, arguments, output) is one click away.
    const chip = el("li", "chip pending");
    const details = el("details");
    const summary = el("summary");
    const icon = el("span", "chip-icon", "…");
    icon.setAttribute("aria-hidden", "true");
    summary.append(icon, el("span", "chip-label", runningWords(name, args)));
    details.append(summary, el("pre", "chip-raw", rawCall(name, args)));
    chip.appendChild(details);
    chip.dataset.name = name;
    chip.toolArguments = args;
    this.chips.appendChild(chip);
    this.learnTitles(args, null);
    if (done) this.resolveChip(chip, output);
    else this.waiting.push(chip);
    this.scrollToBottom(false);
  }

  toolResult(name, output) {
    const index = this.waiting.findIndex((chip) => chip.dataset.name === name);
    if (index === -1) {
      this.addToolCall(name, {}, output, true);
      return;
    }
    this.resolveChip(this.waiting.splice(index, 1)[0], output);
  }

  resolveChip(chip, output) {
    const name = chip.dataset.name;
    const { state, words } = resultWords(name, chip.toolArguments, output);
    chip.className = `chip ${state}`;
    chip.querySelector(".chip-icon").textContent = { failed: "✗", asking: "?", ok: "✓" }[state];
    chip.querySelector(".chip-label").textContent = words;
    chip.querySelector(".chip-raw").textContent = rawCall(name, chip.toolArguments, output);
    chip.toolOutput = output;
    this.learnTitles(chip.toolArguments, output);
  }

  /** The calls that changed tasks, each chip saying what undo will do about it. */
  undoableChips() {
    return [...this.chips.children].filter((chip) => undoWords(chip.dataset.name, chip.toolArguments, chip.toolOutput));
  }

  /** An "Undo" control under a reply whose turn changed tasks (turn.end `undoable`, or a saved
   * message's `undoable`): it names what it will take back, then says "Undone" or why not. */
  offerUndo(messageId, { undone = false } = {}) {
    if (this.undoBar || !this.undoTurn) return;
    const chips = this.undoableChips();
    const calls = chips.map((chip) => ({ name: chip.dataset.name, args: chip.toolArguments, output: chip.toolOutput }));
    chips.forEach((chip) => {
      const [verb, what] = undoWords(chip.dataset.name, chip.toolArguments, chip.toolOutput);
      chip.classList.add("will-undo");
      chip.querySelector("summary").title = `Undo would ${verb} ${what}`;
    });
    const bar = el("div", "undo-bar");
    const button = el("button", "undo-button", "↶ Undo");
    button.type = "button";
    const sentence = undoSentence(calls);
    const what = el("span", "undo-what", sentence ? `Takes back this turn: ${sentence}.` : "Takes back this turn's changes.");
    button.setAttribute("aria-label", sentence ? `Undo this turn: ${sentence}` : "Undo this turn");
    bar.append(button, what);
    this.note.before(bar);
    this.undoBar = bar;
    button.addEventListener("click", () => this.undo(messageId, { button, what, chips }));
    // A saved turn already taken back (the Activity page can redo it).
    if (undone) this.markUndone(button, chips, "Its changes were taken back.");
  }

  async undo(messageId, { button, what, chips }) {
    button.disabled = true;
    button.textContent = "Undoing…";
    this.undoBar.classList.remove("error");
    try {
      const result = await this.undoTurn(messageId);
      const words = changesWords(result.changes);
      // The state says "Undone"; the sentence says what came back ("Removed “Bread”; brought back …").
      this.markUndone(button, chips, words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : "");
    } catch (err) {
      if (err.code === "already_undone") {
        this.markUndone(button, chips, err.message);
        return;
      }
      // A conflict changes nothing: the API names the tasks that changed since.
      button.disabled = false;
      button.textContent = "↶ Undo";
      what.textContent = err.message || "Could not undo.";
      this.undoBar.classList.add("error");
      what.setAttribute("role", "alert");
    }
  }

  markUndone(button, chips, sentence) {
    const state = el("span", "undo-state", "Undone");
    button.replaceWith(state);
    this.undoBar.querySelector(".undo-what").textContent = sentence;
    this.undoBar.classList.add("done");
    chips.forEach((chip) => chip.classList.add("undone"));
  }

  showNote(message, kind) {
    this.note.textContent = message;
    this.note.className = `msg-note ${kind || ""}`;
    this.note.hidden = false;
  }

  finish(status) {
    const stick = this.nearBottom();
    this.waiting.forEach((chip) => {
      chip.className = "chip stopped";
      chip.querySelector(".chip-icon").textContent = "–";
    });
    this.waiting = [];
    if (this.typing.parentNode) this.typing.remove();
    if (!this.text && status === "complete") this.bubble.appendChild(el("span", "muted", "(no reply)"));
    if (!this.text && status !== "complete") this.bubble.remove();
    if (status === "interrupted") this.showNote("Stopped — the reply was cut short.", "warn");
    if (status === "error" && this.note.hidden) this.showNote("The agent ran into a problem. Try again.", "error");
    this.li.removeAttribute("aria-busy");
    this.li.classList.toggle("interrupted", status === "interrupted");
    this.li.classList.toggle("errored", status === "error");
    this.scrollToBottom(stick); // a note or "(no reply)" may have made the message taller
  }
}
