/* The conversation's messages: the person's, and the agent's as they stream in (text rendered
 * by markdown.js, tool calls as chips under the text). */

import { el } from "../dom.js";
import { render } from "../markdown.js";
import { rawCall, resultWords, runningWords, titlesIn } from "./chips.js";

export function createThread({ thread, messagesEl, welcome }) {
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
    return new AssistantMessage({ li, bubble, typing, chips, note, nearBottom, scrollToBottom });
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
    this.learnTitles(chip.toolArguments, output);
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
