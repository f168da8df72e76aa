/* The person's conversations: the list (REST), which one is open (kept in the URL as ?c=),
 * opening one with its latest page of messages, earlier pages on request, new and delete. */

import { api, resultsOf, urlFor, withQuery } from "../api.js";
import { ago, byId, el } from "../dom.js";
import { editInPlace, saveError } from "../inline_edit.js";

export function createConversations({ urls, thread, announce, showNotice, isBusy, focusInput }) {
  const { element: threadEl, messagesEl } = thread;
  const list = byId("conversation-list");
  const heading = byId("thread-heading");
  const panel = byId("conv-panel");
  const toggle = byId("conv-toggle");
  let currentId = null;

  // A long conversation opens on its latest page of messages; this button above them loads the
  // page before (?before=<first shown message id>).
  const earlierButton = el("button", "link earlier-messages", "Show earlier messages");
  earlierButton.type = "button";
  let firstShownMessageId = null;

  function showEarlierButton(show) {
    if (show && !earlierButton.parentNode) messagesEl.before(earlierButton);
    if (!show) earlierButton.remove();
  }

  function titleOf(id) {
    const title = list.querySelector(`[data-conversation-id="${id}"] .conv-title`);
    return title ? title.textContent : heading.textContent;
  }

  function select(id, title) {
    currentId = id;
    heading.textContent = title || (id ? "Conversation" : "New conversation");
    const url = id ? withQuery(urls.chatPage, { c: id }) : urls.chatPage;
    if (window.location.pathname + window.location.search !== url) window.history.replaceState(null, "", url);
    Array.from(list.children).forEach((li) => {
      const current = li.dataset.conversationId === String(id);
      li.classList.toggle("current", current);
      const open = li.querySelector(".conv-open");
      if (current) open.setAttribute("aria-current", "true");
      else open.removeAttribute("aria-current");
    });
  }

  function closeDrawer() {
    panel.classList.remove("open");
    toggle.setAttribute("aria-expanded", "false");
  }

  function buildItem(conversation) {
    const li = el("li", "conv-item");
    li.dataset.conversationId = String(conversation.id);
    const open = el("button", "conv-open");
    open.type = "button";
    open.append(el("span", "conv-title", conversation.title || "Untitled"),
      el("span", "conv-time", ago(conversation.updated_at || conversation.created_at)));
    open.addEventListener("click", () => { openConversation(conversation.id); closeDrawer(); });
    const rename = el("button", "conv-action conv-rename", "✎");
    rename.type = "button";
    rename.title = "Rename";
    rename.setAttribute("aria-label", `Rename conversation ${conversation.title || conversation.id}`);
    rename.addEventListener("click", () => startRename(li, conversation));
    const del = el("button", "conv-action conv-delete", "×");
    del.type = "button";
    del.title = "Delete conversation";
    del.setAttribute("aria-label", `Delete conversation ${conversation.title || conversation.id}`);
    del.addEventListener("click", () => deleteConversation(conversation));
    li.append(open, rename, del);
    return li;
  }

  let renaming = false; // the list is not redrawn under a title being typed

  function startRename(li, conversation) {
    if (renaming) return;
    renaming = true;
    editInPlace(li.querySelector(".conv-open"), {
      value: conversation.title || "",
      maxLength: 120,
      label: "New title",
      className: "conv-title-input",
      save: async (title) => {
        try {
          await api("PATCH", urlFor(urls.conversation, conversation.id), { title });
        } catch (err) {
          throw saveError(err, "title", "rename it");
        }
        announce(`Renamed to ${title}`);
      },
      onEnd: () => {
        renaming = false;
        load();
      },
    });
  }

  function renderList(items) {
    list.replaceChildren(...items.map(buildItem));
    byId("conversation-empty").hidden = items.length > 0;
    select(currentId, currentId ? titleOf(currentId) : null);
  }

  async function load() {
    if (renaming) return; // the rename loads it when it ends
    try {
      renderList(resultsOf(await api("GET", urls.conversations)));
    } catch (e) {
      // The list is a convenience; the thread still works.
    }
  }

  function clear() {
    thread.clear();
    showEarlierButton(false);
  }

  function showSavedPage(conversation) {
    if (conversation.messages.length) firstShownMessageId = conversation.messages[0].id;
    showEarlierButton(!!conversation.earlier_messages);
  }

  earlierButton.addEventListener("click", async () => {
    const id = currentId;
    earlierButton.disabled = true;
    try {
      const conversation = await api("GET", withQuery(urlFor(urls.conversation, id), { before: firstShownMessageId }));
      if (currentId !== id) return;
      // Rendered at the end as usual, then moved above the first message; the scroll position
      // is kept so the message being read stays where it was.
      const oldFirst = messagesEl.firstChild;
      const oldHeight = threadEl.scrollHeight;
      const oldTop = threadEl.scrollTop;
      const start = messagesEl.children.length;
      conversation.messages.forEach(thread.renderSaved);
      Array.from(messagesEl.children).slice(start).forEach((li) => messagesEl.insertBefore(li, oldFirst));
      threadEl.scrollTop = oldTop + (threadEl.scrollHeight - oldHeight);
      showSavedPage(conversation);
    } catch (err) {
      showNotice(`Could not load earlier messages: ${err.message}`);
    } finally {
      earlierButton.disabled = false;
    }
  });

  async function openConversation(id) {
    if (isBusy()) {
      showNotice("Wait for the reply to finish, or press Stop, before switching.");
      return;
    }
    try {
      const conversation = await api("GET", urlFor(urls.conversation, id));
      clear();
      select(conversation.id, conversation.title);
      const messages = conversation.messages || [];
      byId("welcome").hidden = messages.length > 0;
      messages.forEach(thread.renderSaved);
      showSavedPage(conversation);
      thread.scrollToBottom(true);
    } catch (err) {
      if (err.status === 404) {
        startNew();
        load();
      } else {
        showNotice(`Could not open that conversation: ${err.message}`);
      }
    }
  }

  function startNew() {
    if (isBusy()) {
      showNotice("Wait for the reply to finish, or press Stop, before starting a new chat.");
      return;
    }
    clear();
    select(null, null);
    focusInput();
  }

  async function deleteConversation(conversation) {
    if (!window.confirm(`Delete “${conversation.title || "this conversation"}”? This cannot be undone.`)) return;
    try {
      await api("DELETE", urlFor(urls.conversation, conversation.id));
      if (currentId === conversation.id) startNew();
      announce("Conversation deleted.");
      await load();
    } catch (err) {
      showNotice(`Could not delete it: ${err.message}`);
    }
  }

  byId("new-conversation").addEventListener("click", () => { startNew(); closeDrawer(); });

  // On narrow screens the conversation list folds into a drawer.
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = !panel.classList.contains("open");
    panel.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });

  /** A conversations.changed frame: this or another tab made, renamed or deleted one. */
  function applyChange(action, conversation) {
    if (action === "deleted" && conversation && conversation.id === currentId && !isBusy()) {
      startNew();
      showNotice("That conversation was deleted in another window.");
    }
    load();
  }

  return {
    load,
    applyChange,
    open: openConversation,
    startNew,
    select,
    clear,
    get currentId() { return currentId; },
  };
}
