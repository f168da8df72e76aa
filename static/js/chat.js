/* The chat page: conversations (REST), the streaming thread (websocket /ws/chat/, protocol
 * todo.v1) and the live task list (tasks.changed frames + the task API).
 *
 * Plain JS, no build step. Model text is only ever set through textContent (see markdown.js). */
(function () {
  "use strict";

  var app = document.getElementById("chat-app");
  if (!app) return;
  app.classList.add("js");

  // ---------- small helpers ----------------------------------------------------------------

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }
  var csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var maxChars = parseInt(app.dataset.maxChars || "4000", 10);
  var timezone = (function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  })();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; plain-HTTP LAN hosts get this fallback.
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function api(method, url, body) {
    var opts = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken },
    };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      if (res.status === 204) return null;
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new Error((data && data.detail) || ("Request failed (" + res.status + ")"));
          err.status = res.status;
          err.code = data && data.code;
          throw err;
        }
        return data;
      });
    });
  }

  function resultsOf(data) { return Array.isArray(data) ? data : (data && data.results) || []; }

  var srAnnouncer = el("div", "visually-hidden");
  srAnnouncer.setAttribute("aria-live", "polite");
  srAnnouncer.setAttribute("role", "status");
  document.body.appendChild(srAnnouncer);
  function announce(text) {
    srAnnouncer.textContent = "";
    window.setTimeout(function () { srAnnouncer.textContent = text; }, 50);
  }

  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  function ago(iso) {
    var t = Date.parse(iso);
    if (isNaN(t) || !rtf) return "";
    var s = Math.round((t - Date.now()) / 1000);
    var abs = Math.abs(s);
    if (abs < 45) return "just now";
    if (abs < 3600) return rtf.format(Math.round(s / 60), "minute");
    if (abs < 86400) return rtf.format(Math.round(s / 3600), "hour");
    if (abs < 7 * 86400) return rtf.format(Math.round(s / 86400), "day");
    return new Date(t).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  }

  function localDateString(d) {
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function dueLabel(due) {
    var today = new Date();
    var tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (due === localDateString(today)) return "Today";
    if (due === localDateString(tomorrow)) return "Tomorrow";
    if (due === localDateString(yesterday)) return "Yesterday";
    var p = due.split("-");
    var d = new Date(+p[0], +p[1] - 1, +p[2]);
    return d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
  }

  // The panels fill the screen under the top bar, whose height depends on how its links wrap.
  var topbar = document.querySelector(".topbar");
  function measureTopbar() {
    if (topbar) document.documentElement.style.setProperty("--topbar-h", topbar.offsetHeight + "px");
  }
  measureTopbar();
  window.addEventListener("resize", measureTopbar);

  // Everything marked data-needs-js is disabled in the HTML so the no-JS page never offers dead controls.
  Array.prototype.forEach.call(document.querySelectorAll("[data-needs-js]"), function (node) {
    node.disabled = false;
  });

  // ---------- the side task list -------------------------------------------------------------

  var pendingList = $("tasks-pending");
  var doneList = $("tasks-done");
  var taskTemplate = $("side-task-template");

  // The server wrote due dates for pages without JavaScript; here they read as the ones live
  // updates add ("Tomorrow", the browser's own date format and day).
  Array.prototype.forEach.call(app.querySelectorAll(".side-task .due[data-due]"), function (span) {
    span.textContent = dueLabel(span.dataset.due);
  });

  function findTaskItem(id) {
    return app.querySelector('.side-task[data-task-id="' + String(id) + '"]');
  }

  function buildTaskItem(task) {
    var li = taskTemplate.content.firstElementChild.cloneNode(true);
    var box = li.querySelector(".side-check");
    var label = li.querySelector("label");
    li.dataset.taskId = String(task.id);
    li.dataset.created = task.created_at || "";
    box.id = "side-task-" + task.id;
    box.checked = !!task.completed;
    label.htmlFor = box.id;
    li.querySelector(".side-task-title").textContent = task.title;
    var meta = li.querySelector(".side-task-meta");
    if (task.due_date) meta.appendChild(el("span", "due", dueLabel(task.due_date)));
    if (task.priority && task.priority !== "medium") {
      meta.appendChild(el("span", "pill " + task.priority, task.priority === "high" ? "High" : "Low"));
    }
    var edit = li.querySelector(".side-edit");
    edit.href = "/tasks/" + task.id + "/edit/";
    edit.setAttribute("aria-label", "Edit " + task.title);
    li.classList.toggle("done", !!task.completed);
    li.classList.toggle("overdue", !task.completed && !!task.due_date && task.due_date < localDateString(new Date()));
    return li;
  }

  function insertSorted(list, li) {
    // Newest first, like the server renders it.
    var created = Date.parse(li.dataset.created) || 0;
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      if ((Date.parse(items[i].dataset.created) || 0) < created) {
        list.insertBefore(li, items[i]);
        return;
      }
    }
    list.appendChild(li);
  }

  function refreshTaskCounts() {
    var pending = pendingList.children.length;
    var done = doneList.children.length;
    var overdue = pendingList.querySelectorAll(".side-task.overdue").length;
    var summary = $("task-summary");
    summary.textContent = "";
    summary.appendChild(el("span", null, String(pending)));
    summary.appendChild(document.createTextNode(" to do"));
    if (overdue) {
      summary.appendChild(document.createTextNode(" · "));
      summary.appendChild(el("span", "overdue-count", overdue + " overdue"));
    }
    $("tasks-empty").hidden = pending > 0;
    $("done-section").hidden = done === 0;
    $("done-count").textContent = String(done);
    $("tasks-jump-count").textContent = String(pending);
  }

  function upsertTask(task, highlight) {
    var old = findTaskItem(task.id);
    var hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    var li = buildTaskItem(task);
    insertSorted(task.completed ? doneList : pendingList, li);
    if (highlight) {
      li.classList.add("just-changed");
      window.setTimeout(function () { li.classList.remove("just-changed"); }, 1600);
    }
    if (hadFocus) li.querySelector(".side-check").focus();
    refreshTaskCounts();
  }

  function removeTask(id) {
    var old = findTaskItem(id);
    if (old) old.remove();
    refreshTaskCounts();
  }

  function refetchTasks() {
    return Promise.all([
      api("GET", "/api/tasks/?completed=false&limit=100"),
      api("GET", "/api/tasks/?completed=true&limit=20"),
    ]).then(function (pages) {
      pendingList.textContent = "";
      doneList.textContent = "";
      resultsOf(pages[0]).forEach(function (t) { insertSorted(pendingList, buildTaskItem(t)); });
      resultsOf(pages[1]).forEach(function (t) { insertSorted(doneList, buildTaskItem(t)); });
      refreshTaskCounts();
    }).catch(function () { /* the next change or reconnect tries again */ });
  }

  var ACTION_WORDS = { created: "Added", updated: "Updated", completed: "Completed", reopened: "Reopened", deleted: "Deleted" };

  function applyTaskChange(action, task) {
    if (task && task.id != null && action === "deleted") {
      removeTask(task.id);
    } else if (task && task.id != null && ACTION_WORDS[action]) {
      upsertTask(task, true);
    } else {
      // Bulk changes (deleted_completed, deleted_all, ...) carry no task: ask for the list again.
      refetchTasks();
    }
    if (task && ACTION_WORDS[action]) announce(ACTION_WORDS[action] + " task: " + task.title);
    else announce("Your task list changed.");
  }

  app.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("side-check")) return;
    var li = box.closest(".side-task");
    var id = li.dataset.taskId;
    var wanted = box.checked;
    box.disabled = true;
    li.classList.add("saving");
    api("PATCH", "/api/tasks/" + id + "/", { completed: wanted })
      .then(function (task) { upsertTask(task, false); })
      .catch(function (err) {
        box.checked = !wanted;
        box.disabled = false;
        li.classList.remove("saving");
        showNotice("Could not update the task: " + err.message);
        if (err.status === 404) removeTask(id);
      });
  });

  // ---------- conversations ------------------------------------------------------------------

  var convList = $("conversation-list");
  var thread = $("thread");
  var messagesEl = $("messages");
  var welcome = $("welcome");
  var heading = $("thread-heading");
  var conversationId = null;

  function setConversation(id, title) {
    conversationId = id;
    heading.textContent = title || (id ? "Conversation" : "New conversation");
    var url = id ? "/chat/?c=" + id : "/chat/";
    if (window.location.pathname + window.location.search !== url) window.history.replaceState(null, "", url);
    Array.prototype.forEach.call(convList.children, function (li) {
      var current = li.dataset.conversationId === String(id);
      li.classList.toggle("current", current);
      var open = li.querySelector(".conv-open");
      if (current) open.setAttribute("aria-current", "true");
      else open.removeAttribute("aria-current");
    });
  }

  function renderConversationList(items) {
    convList.textContent = "";
    items.forEach(function (c) {
      var li = el("li", "conv-item");
      li.dataset.conversationId = String(c.id);
      var open = el("button", "conv-open");
      open.type = "button";
      open.appendChild(el("span", "conv-title", c.title || "Untitled"));
      open.appendChild(el("span", "conv-time", ago(c.updated_at || c.created_at)));
      open.addEventListener("click", function () { openConversation(c.id); closeConvDrawer(); });
      var del = el("button", "conv-delete", "×");
      del.type = "button";
      del.title = "Delete conversation";
      del.setAttribute("aria-label", "Delete conversation " + (c.title || c.id));
      del.addEventListener("click", function () { deleteConversation(c); });
      li.appendChild(open);
      li.appendChild(del);
      convList.appendChild(li);
    });
    $("conversation-empty").hidden = items.length > 0;
    setConversation(conversationId, conversationId ? titleOf(conversationId) : null);
  }

  function titleOf(id) {
    var li = convList.querySelector('[data-conversation-id="' + id + '"] .conv-title');
    return li ? li.textContent : heading.textContent;
  }

  function loadConversations() {
    return api("GET", "/api/conversations/")
      .then(function (data) { renderConversationList(resultsOf(data)); })
      .catch(function () { /* the list is a convenience; the thread still works */ });
  }

  function clearThread() {
    messagesEl.textContent = "";
    welcome.hidden = false;
    showEarlierButton(false);
  }

  // A long conversation opens on its latest page of messages; this button above them loads the
  // page before (GET /api/conversations/{id}/?before=<first shown message id>).
  var earlierButton = el("button", "link earlier-messages", "Show earlier messages");
  earlierButton.type = "button";
  var firstShownMessageId = null;

  function showEarlierButton(show) {
    if (show && !earlierButton.parentNode) messagesEl.parentNode.insertBefore(earlierButton, messagesEl);
    if (!show && earlierButton.parentNode) earlierButton.parentNode.removeChild(earlierButton);
  }

  function renderSavedMessage(m) {
    if (m.role === "user") {
      addUserMessage(m.content);
    } else {
      var view = addAssistantMessage();
      view.setText(m.content);
      (m.tool_calls || []).forEach(function (call) { view.addToolCall(call.name, call.arguments, call.output, true); });
      view.finish(m.status);
    }
  }

  function showSavedPage(conv) {
    if (conv.messages.length) firstShownMessageId = conv.messages[0].id;
    showEarlierButton(!!conv.earlier_messages);
  }

  earlierButton.addEventListener("click", function () {
    var id = conversationId;
    earlierButton.disabled = true;
    api("GET", "/api/conversations/" + id + "/?before=" + firstShownMessageId)
      .then(function (conv) {
        if (conversationId !== id) return;
        // Rendered at the end as usual, then moved above the first message; the scroll position
        // is kept so the message being read stays where it was.
        var oldFirst = messagesEl.firstChild;
        var oldHeight = thread.scrollHeight;
        var oldTop = thread.scrollTop;
        var start = messagesEl.children.length;
        conv.messages.forEach(renderSavedMessage);
        Array.prototype.slice.call(messagesEl.children, start).forEach(function (li) {
          messagesEl.insertBefore(li, oldFirst);
        });
        thread.scrollTop = oldTop + (thread.scrollHeight - oldHeight);
        showSavedPage(conv);
      })
      .catch(function (err) { showNotice("Could not load earlier messages: " + err.message); })
      .then(function () { earlierButton.disabled = false; });
  });

  function openConversation(id) {
    if (streaming) {
      showNotice("Wait for the reply to finish, or press Stop, before switching.");
      return;
    }
    return api("GET", "/api/conversations/" + id + "/")
      .then(function (conv) {
        clearThread();
        setConversation(conv.id, conv.title);
        var msgs = conv.messages || [];
        welcome.hidden = msgs.length > 0;
        msgs.forEach(renderSavedMessage);
        showSavedPage(conv);
        scrollToBottom(true);
      })
      .catch(function (err) {
        if (err.status === 404) {
          newConversation();
          loadConversations();
        } else {
          showNotice("Could not open that conversation: " + err.message);
        }
      });
  }

  function newConversation() {
    if (streaming) {
      showNotice("Wait for the reply to finish, or press Stop, before starting a new chat.");
      return;
    }
    clearThread();
    setConversation(null, null);
    input.focus();
  }

  function deleteConversation(c) {
    if (!window.confirm("Delete “" + (c.title || "this conversation") + "”? This cannot be undone.")) return;
    api("DELETE", "/api/conversations/" + c.id + "/")
      .then(function () {
        if (conversationId === c.id) newConversation();
        announce("Conversation deleted.");
        return loadConversations();
      })
      .catch(function (err) { showNotice("Could not delete it: " + err.message); });
  }

  $("new-conversation").addEventListener("click", function () { newConversation(); closeConvDrawer(); });

  // On narrow screens the conversation list folds into a drawer.
  var convToggle = $("conv-toggle");
  var convPanel = $("conv-panel");
  convToggle.hidden = false;
  function closeConvDrawer() {
    convPanel.classList.remove("open");
    convToggle.setAttribute("aria-expanded", "false");
  }
  convToggle.addEventListener("click", function () {
    var open = !convPanel.classList.contains("open");
    convPanel.classList.toggle("open", open);
    convToggle.setAttribute("aria-expanded", String(open));
  });

  // ---------- the thread -----------------------------------------------------------------------

  function nearBottom() { return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120; }
  function scrollToBottom(force) {
    if (force || nearBottom()) thread.scrollTop = thread.scrollHeight;
  }

  function addUserMessage(text) {
    welcome.hidden = true;
    var stick = nearBottom();
    var li = el("li", "msg user");
    li.appendChild(el("span", "visually-hidden", "You said:"));
    li.appendChild(el("div", "bubble", text));
    messagesEl.appendChild(li);
    scrollToBottom(stick);
    return li;
  }

  function chipSummary(args, output) {
    output = output || {};
    args = args || {};
    if (typeof output === "string") return output.slice(0, 60);
    if (output.title) return output.title;
    if (args.title) return args.title;
    if (typeof output.count === "number") return output.count + (output.count === 1 ? " task" : " tasks");
    if (Array.isArray(output.tasks)) return output.tasks.length + (output.tasks.length === 1 ? " task" : " tasks");
    if (args.task_id != null) return "#" + args.task_id;
    if (args.search) return "“" + args.search + "”";
    return "";
  }

  function chipFailed(output) {
    if (!output || typeof output !== "object") return false;
    if (output.error || output.ok === false) return true;
    return /not_found|error|invalid|refused/.test(String(output.status || ""));
  }

  // A bulk delete that asked first did nothing yet: its chip must not read as done.
  function chipAsking(output) {
    return !!output && typeof output === "object" && output.status === "needs_confirmation";
  }

  function addAssistantMessage() {
    welcome.hidden = true;
    var li = el("li", "msg assistant");
    // Screen readers wait for the whole reply instead of reading every streamed piece.
    li.setAttribute("aria-busy", "true");
    var avatar = el("span", "avatar", "✓");
    avatar.setAttribute("aria-hidden", "true");
    li.appendChild(avatar);
    var body = el("div", "msg-body");
    body.appendChild(el("span", "visually-hidden", "Agent replied:"));
    var bubble = el("div", "bubble md");
    var typing = el("span", "typing");
    typing.setAttribute("aria-label", "The agent is thinking");
    typing.appendChild(el("i"));
    typing.appendChild(el("i"));
    typing.appendChild(el("i"));
    bubble.appendChild(typing);
    var chips = el("ul", "tool-chips");
    chips.setAttribute("aria-label", "What the agent did");
    var note = el("p", "msg-note");
    note.hidden = true;
    body.appendChild(bubble);
    body.appendChild(chips);
    body.appendChild(note);
    li.appendChild(body);
    messagesEl.appendChild(li);
    scrollToBottom(true);

    var text = "";
    var waiting = [];
    var view = {
      li: li,
      append: function (delta) { view.setText(text + delta); },
      setText: function (value) {
        var stick = nearBottom();
        text = value || "";
        bubble.textContent = "";
        bubble.appendChild(window.TodoMarkdown.render(text));
        if (!text) bubble.appendChild(typing);
        scrollToBottom(stick);
      },
      addToolCall: function (name, args, output, done) {
        var chip = el("li", "chip pending");
        var icon = el("span", "chip-icon", "…");
        icon.setAttribute("aria-hidden", "true");
        var label = el("span", "chip-label");
        chip.appendChild(icon);
        chip.appendChild(label);
        chip.dataset.name = name;
        chip._args = args;
        chips.appendChild(chip);
        if (done) view.resolveChip(chip, output);
        else {
          label.textContent = name + (chipSummary(args) ? ": " + chipSummary(args) : "");
          waiting.push(chip);
        }
        scrollToBottom(false);
      },
      toolResult: function (name, output) {
        var idx = -1;
        for (var i = 0; i < waiting.length; i++) if (waiting[i].dataset.name === name) { idx = i; break; }
        if (idx === -1) { view.addToolCall(name, {}, output, true); return; }
        view.resolveChip(waiting.splice(idx, 1)[0], output);
      },
      resolveChip: function (chip, output) {
        var failed = chipFailed(output);
        var asking = !failed && chipAsking(output);
        var summary = asking ? "asks you to confirm " + chipSummary({}, { count: output.count }) : chipSummary(chip._args, output);
        chip.className = "chip " + (failed ? "failed" : asking ? "asking" : "ok");
        chip.querySelector(".chip-icon").textContent = failed ? "✗" : asking ? "?" : "✓";
        chip.querySelector(".chip-label").textContent = chip.dataset.name + (summary ? ": " + summary : "");
        if (failed && output && (output.error || output.detail)) chip.title = String(output.error || output.detail);
      },
      showNote: function (message, kind) {
        note.textContent = message;
        note.className = "msg-note " + (kind || "");
        note.hidden = false;
      },
      finish: function (status) {
        var stick = nearBottom();
        waiting.forEach(function (chip) { chip.className = "chip stopped"; chip.querySelector(".chip-icon").textContent = "–"; });
        waiting = [];
        if (typing.parentNode) typing.remove();
        if (!text && status === "complete") bubble.appendChild(el("span", "muted", "(no reply)"));
        if (!text && status !== "complete") bubble.remove();
        if (status === "interrupted") view.showNote("Stopped — the reply was cut short.", "warn");
        if (status === "error" && note.hidden) view.showNote("The agent ran into a problem. Try again.", "error");
        li.removeAttribute("aria-busy");
        li.classList.toggle("interrupted", status === "interrupted");
        li.classList.toggle("errored", status === "error");
        scrollToBottom(stick);  // a note or "(no reply)" may have made the message taller
      },
    };
    return view;
  }

  var noticeTimer = null;
  function showNotice(message) {
    var notice = $("chat-notice");
    if (!notice) {
      notice = el("div", "chat-notice");
      notice.id = "chat-notice";
      notice.setAttribute("role", "alert");
      document.getElementById("composer").before(notice);
    }
    notice.textContent = message;
    notice.hidden = false;
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(function () { notice.hidden = true; }, 6000);
  }

  // ---------- composer -------------------------------------------------------------------------

  var form = $("composer");
  var input = $("composer-input");
  var sendButton = $("send-button");
  var stopButton = $("stop-button");
  var help = $("composer-help");
  var streaming = null; // {userLi, view, started, text}

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 200) + "px";
    var left = maxChars - input.value.length;
    help.textContent = left < 300 ? left + " characters left" : "Enter sends · Shift+Enter for a new line";
  }
  input.addEventListener("input", autosize);

  function setBusy(busy) {
    sendButton.hidden = busy;
    stopButton.hidden = !busy;
    app.classList.toggle("busy", busy);
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendMessage(input.value);
  });

  Array.prototype.forEach.call(document.querySelectorAll(".suggestion"), function (button) {
    button.addEventListener("click", function () { sendMessage(button.textContent); });
  });

  function sendMessage(raw) {
    var text = raw.trim();
    if (!text || streaming) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showNotice("Not connected right now — your message was not sent. Reconnecting…");
      return;
    }
    var frame = { type: "message", text: text, conversation_id: conversationId, client_id: uuid() };
    if (timezone) frame.timezone = timezone;
    socket.send(JSON.stringify(frame));
    var userLi = addUserMessage(text);
    userLi.classList.add("sending");
    streaming = { userLi: userLi, view: addAssistantMessage(), started: false, text: text };
    input.value = "";
    autosize();
    setBusy(true);
  }

  stopButton.addEventListener("click", function () {
    if (streaming && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "cancel" }));
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

  // ---------- the socket -----------------------------------------------------------------------

  var socket = null;
  var attempts = 0;
  var retryTimer = null;
  var countdownTimer = null;
  var everConnected = false;
  var statusEl = $("conn-status");
  var banner = $("conn-banner");
  var bannerText = $("conn-banner-text");
  var retryButton = $("conn-retry");

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function connect() {
    window.clearTimeout(retryTimer);
    window.clearInterval(countdownTimer);
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setStatus("connecting", "Connecting…");
    socket = new WebSocket(scheme + window.location.host + app.dataset.wsPath, ["todo.v1"]);
    socket.addEventListener("open", onOpen);
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", onClose);
  }

  function onOpen() {
    attempts = 0;
    banner.hidden = true;
    setStatus("online", "Connected");
    if (everConnected) {
      // We may have missed changes while away: take the server's word for it.
      refetchTasks();
      loadConversations();
      announce("Reconnected.");
    }
    everConnected = true;
  }

  function onClose(event) {
    socket = null;
    if (streaming) {
      streaming.view.showNote("Connection lost — the reply was cut short. What was written so far is saved.", "warn");
      endTurn("interrupted");
    }
    if (event.code === 4401) {
      setStatus("offline", "Signed out");
      bannerText.textContent = "Your session has ended. Log in again to keep chatting.";
      retryButton.hidden = true;
      var link = el("a", null, "Log in");
      link.href = "/accounts/login/?next=/chat/";
      bannerText.appendChild(document.createTextNode(" "));
      bannerText.appendChild(link);
      banner.hidden = false;
      return;
    }
    attempts += 1;
    // Exponential backoff with jitter, capped, so a restarted server is not stampeded.
    var delay = Math.min(30, Math.pow(2, attempts - 1)) * (0.8 + Math.random() * 0.4);
    var left = Math.ceil(delay);
    setStatus("offline", "Offline");
    retryButton.hidden = false;
    banner.hidden = false;
    bannerText.textContent = "Connection lost. Reconnecting in " + left + "s…";
    countdownTimer = window.setInterval(function () {
      left -= 1;
      if (left > 0) bannerText.textContent = "Connection lost. Reconnecting in " + left + "s…";
      else bannerText.textContent = "Connection lost. Reconnecting…";
    }, 1000);
    retryTimer = window.setTimeout(connect, delay * 1000);
  }

  retryButton.addEventListener("click", function () { connect(); });
  // Lets the browser tests drop the connection the way a network blip would.
  window.__todoSocket = function () { return socket; };

  var FRIENDLY_ERRORS = {
    busy: "Still answering your previous message.",
    rate_limited: "You are sending messages quickly — wait a moment and try again.",
    conversation_not_found: "That conversation no longer exists. Starting a new one.",
    message_too_long: "That message is too long (" + maxChars + " characters at most).",
    empty_message: "Type a message first.",
    provider_error: "The agent's model is not answering right now. Try again in a moment.",
    provider_timeout: "The agent took too long to answer. Try again.",
  };

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    switch (frame.type) {
      case "turn.start":
        if (!streaming) return;
        streaming.started = true;
        streaming.userLi.classList.remove("sending");
        if (conversationId !== frame.conversation_id) {
          setConversation(frame.conversation_id, streaming.text.slice(0, 60));
          loadConversations();
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
        endTurn(frame.status);
        loadConversations();
        break;
      case "tasks.changed":
        applyTaskChange(frame.action, frame.task);
        break;
      case "error":
        onErrorFrame(frame);
        break;
    }
  }

  function onErrorFrame(frame) {
    var message = FRIENDLY_ERRORS[frame.code] || frame.detail || "Something went wrong.";
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
        newConversation();
        loadConversations();
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

  // ---------- start --------------------------------------------------------------------------

  var wanted = new URLSearchParams(window.location.search).get("c");
  loadConversations().then(function () {
    if (wanted && /^\d+$/.test(wanted)) openConversation(parseInt(wanted, 10));
  });
  refreshTaskCounts();
  autosize();
  connect();
  input.focus();
})();
