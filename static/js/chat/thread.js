/* The conversation's messages: the person's, and the agent's as they stream in (text rendered
 * by markdown.js, tool calls as chips under the text). */

import { el } from "../dom.js";
import { render } from "../markdown.js";
import { chipAsking, chipFailed, chipSummary } from "./chips.js";

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

  return { addUserMessage, addAssistantMessage, renderSaved, clear, scrollToBottom };
}

class AssistantMessage {
  constructor(parts) {
    Object.assign(this, parts);
    this.text = "";
    this.waiting = [];
  }

  append(delta) {
    this.setText(this.text + delta);
  }

  setText(value) {
    const stick = this.nearBottom();
    this.text = value || "";
    this.bubble.textContent = "";
    this.bubble.appendChild(render(this.text));
    if (!this.text) this.bubble.appendChild(this.typing);
    this.scrollToBottom(stick);
  }

  addToolCall(name, args, output, done) {
    const chip = el("li", "chip pending");
    const icon = el("span", "chip-icon", "…");
    icon.setAttribute("aria-hidden", "true");
    const label = el("span", "chip-label");
    chip.append(icon, label);
    chip.dataset.name = name;
    chip.toolArguments = args;
    this.chips.appendChild(chip);
    if (done) {
      this.resolveChip(chip, output);
    } else {
      const summary = chipSummary(args);
      label.textContent = name + (summary ? `: ${summary}` : "");
      this.waiting.push(chip);
    }
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
    const failed = chipFailed(output);
    const asking = !failed && chipAsking(output);
    const summary = asking ? `asks you to confirm ${chipSummary({}, { count: output.count })}` : chipSummary(chip.toolArguments, output);
    chip.className = `chip ${failed ? "failed" : asking ? "asking" : "ok"}`;
    chip.querySelector(".chip-icon").textContent = failed ? "✗" : asking ? "?" : "✓";
    chip.querySelector(".chip-label").textContent = chip.dataset.name + (summary ? `: ${summary}` : "");
    if (failed && output && (output.error || output.detail)) chip.title = String(output.error || output.detail);
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
