/* The chat page: wires the conversations, the streaming thread (websocket, protocol todo.v1),
 * the composer and the live task list. URLs and limits come from the page (json_script
 * "chat-config"); model text is only ever set through textContent (see markdown.js). */

import { api, urlFor } from "../api.js";
import { browserTimezone, byId, createAnnouncer, el, enableScriptedControls, pageData, uuid } from "../dom.js";
import { LiveSocket } from "../socket.js";
import { createConversations } from "./conversations.js";
import { createTaskPanel } from "./task_panel.js";
import { createThread } from "./thread.js";

const config = pageData("chat-config");
const app = byId("chat-app");
app.classList.add("js");
enableScriptedControls();

const announce = createAnnouncer();
const timezone = browserTimezone();
const form = byId("composer");
const input = byId("composer-input");
const sendButton = byId("send-button");
const stopButton = byId("stop-button");
const help = byId("composer-help");
const messagesEl = byId("messages");
const welcome = byId("welcome");
let streaming = null; // {userLi, view, started, text}

// The panels fill the screen under the top bar, whose height depends on how its links wrap.
const topbar = document.querySelector(".topbar");
function measureTopbar() {
  if (topbar) document.documentElement.style.setProperty("--topbar-h", `${topbar.offsetHeight}px`);
}
measureTopbar();
window.addEventListener("resize", measureTopbar);

let noticeTimer = null;
function showNotice(message) {
  let notice = byId("chat-notice");
  if (!notice) {
    notice = el("div", "chat-notice");
    notice.id = "chat-notice";
    notice.setAttribute("role", "alert");
    form.before(notice);
  }
  notice.textContent = message;
  notice.hidden = false;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => { notice.hidden = true; }, 6000);
}

// Undo of a turn goes through the API; the side panel follows from the tasks.changed frames.
const undoTurn = (messageId) => api("POST", urlFor(config.urls.turnUndo, messageId));
const thread = createThread({ thread: byId("thread"), messagesEl, welcome, undoTurn });
const tasks = createTaskPanel({ root: app, urls: config.urls, announce, showNotice });
const conversations = createConversations({
  urls: config.urls,
  thread,
  announce,
  showNotice,
  isBusy: () => !!streaming,
  focusInput: () => input.focus(),
});

// ---------- composer ---------------------------------------------------------------------------

// A touch keyboard's Enter is its own key, with no Shift: the hint is for keyboards only.
const ENTER_HINT = window.matchMedia("(hover: none) and (pointer: coarse)").matches ? "" : "Enter sends · Shift+Enter for a new line";

function autosize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  const left = config.maxMessageChars - input.value.length;
  help.textContent = left < 300 ? `${left} characters left` : ENTER_HINT;
}
input.addEventListener("input", autosize);

function setBusy(busy) {
  sendButton.hidden = busy;
  stopButton.hidden = !busy;
  app.classList.toggle("busy", busy);
}

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  sendMessage(input.value);
});

document.querySelectorAll(".suggestion").forEach((button) => {
  button.addEventListener("click", () => sendMessage(button.textContent));
});

function sendMessage(raw) {
  const text = raw.trim();
  if (!text || streaming) return;
  if (!socket.isOpen) {
    showNotice("Not connected right now — your message was not sent. Reconnecting…");
    return;
  }
  const frame = { type: "message", text, conversation_id: conversations.currentId, client_id: uuid() };
  if (timezone) frame.timezone = timezone;
  socket.send(frame);
  const userLi = thread.addUserMessage(text);
  userLi.classList.add("sending");
  streaming = { userLi, view: thread.addAssistantMessage(), started: false, text };
  input.value = "";
  autosize();
  setBusy(true);
}

stopButton.addEventListener("click", () => {
  if (streaming && socket.isOpen) {
    socket.send({ type: "cancel" });
    stopButton.disabled = true;
  }
});

function endTurn(status) {
  if (!streaming) return;
  streaming.view.finish(status);
  streaming = null;
  stopButton.disabled = false;
  setBusy(false);
  input.focus();
}

// ---------- frames -----------------------------------------------------------------------------

const FRIENDLY_ERRORS = {
  busy: "Still answering your previous message.",
  rate_limited: "You are sending messages quickly — wait a moment and try again.",
  conversation_not_found: "That conversation no longer exists. Starting a new one.",
  message_too_long: `That message is too long (${config.maxMessageChars} characters at most).`,
  empty_message: "Type a message first.",
  provider_error: "The agent's model is not answering right now. Try again in a moment.",
  provider_timeout: "The agent took too long to answer. Try again.",
};

function onErrorFrame(frame) {
  const message = FRIENDLY_ERRORS[frame.code] || frame.detail || "Something went wrong.";
  if (streaming && !streaming.started) {
    // Refused before anything was saved: take the message back so it can be sent again.
    streaming.userLi.remove();
    streaming.view.li.remove();
    input.value = streaming.text;
    autosize();
    streaming = null;
    setBusy(false);
    if (!messagesEl.children.length) welcome.hidden = false;
    if (frame.code === "conversation_not_found") {
      conversations.startNew();
      conversations.load();
    }
    showNotice(message);
    return;
  }
  if (streaming) {
    streaming.view.showNote(message, "error");
    return;
  }
  showNotice(message);
}

function onFrame(frame) {
  switch (frame.type) {
    case "turn.start":
      if (!streaming) return;
      streaming.started = true;
      streaming.userLi.classList.remove("sending");
      if (conversations.currentId !== frame.conversation_id) {
        conversations.select(frame.conversation_id, streaming.text.slice(0, 60));
        conversations.load();
      }
      break;
    case "delta":
      if (streaming) streaming.view.append(frame.text || "");
      break;
    case "tool.call":
      if (streaming) streaming.view.addToolCall(frame.name, frame.arguments, null, false);
      break;
    case "tool.result":
      if (streaming) streaming.view.toolResult(frame.name, frame.output);
      break;
    case "turn.end":
      if (streaming && frame.undoable) streaming.view.offerUndo(frame.message_id);
      endTurn(frame.status);
      conversations.load();
      break;
    case "tasks.changed":
      tasks.applyChange(frame.action, frame.task);
      break;
    case "conversations.changed":
      conversations.applyChange(frame.action, frame.conversation);
      break;
    case "error":
      onErrorFrame(frame);
      break;
    default:
      break;
  }
}

// ---------- connection state -------------------------------------------------------------------

const statusEl = byId("conn-status");
const banner = byId("conn-banner");
const bannerText = byId("conn-banner-text");
const retryButton = byId("conn-retry");
let countdownTimer = null;

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function onState(state, { retryIn }) {
  window.clearInterval(countdownTimer);
  if (state === "connecting") {
    setStatus("connecting", "Connecting…");
  } else if (state === "online") {
    banner.hidden = true;
    setStatus("online", "Connected");
  } else {
    if (streaming) {
      streaming.view.showNote("Connection lost — the reply was cut short. What was written so far is saved.", "warn");
      endTurn("interrupted");
    }
    banner.hidden = false;
    if (state === "signed-out") {
      setStatus("offline", "Signed out");
      bannerText.textContent = "Your session has ended. Log in again to keep chatting.";
      retryButton.hidden = true;
      const link = el("a", null, "Log in");
      link.href = config.urls.login;
      bannerText.append(" ", link);
      return;
    }
    setStatus("offline", "Offline");
    retryButton.hidden = false;
    let left = retryIn;
    bannerText.textContent = `Connection lost. Reconnecting in ${left}s…`;
    countdownTimer = window.setInterval(() => {
      left -= 1;
      bannerText.textContent = left > 0 ? `Connection lost. Reconnecting in ${left}s…` : "Connection lost. Reconnecting…";
    }, 1000);
  }
}

function onOpen({ reconnected }) {
  if (!reconnected) return;
  // We may have missed changes while away: take the server's word for it.
  tasks.refetch();
  conversations.load();
  announce("Reconnected.");
}

const socket = new LiveSocket(config.urls.socket, { onFrame, onOpen, onState });
retryButton.addEventListener("click", () => socket.connect());

// ---------- start ------------------------------------------------------------------------------

const wanted = new URLSearchParams(window.location.search).get("c");
conversations.load().then(() => {
  if (wanted && /^\d+$/.test(wanted)) conversations.open(parseInt(wanted, 10));
});
autosize();
socket.connect();
input.focus();
