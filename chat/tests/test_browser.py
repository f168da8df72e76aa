"""The chat page in a real browser (the fixtures are in the root conftest.py: one Chromium, one
live daphne with the offline model). Skipped with a reason when Chromium is absent, except under
REQUIRE_BROWSER=1 (CI), where that is a failure."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_chat(page, query: str = "") -> None:
    page.goto(f"/chat/{query}")
    page.wait_for_selector('#conn-status[data-state="online"]')


def chat_page(person, *, new_account: bool = True):
    """The person's chat page, connected; signed up first (or logged in)."""
    page = person.sign_up() if new_account else person.log_in()
    open_chat(page)
    return page


def say_and_wait(page, text: str) -> None:
    """Sends a message and waits for the whole reply."""
    from playwright.sync_api import expect

    replies = page.locator(".msg.assistant").count()
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")
    expect(page.locator(".msg.assistant")).to_have_count(replies + 1)
    expect(page.locator(".msg.assistant[aria-busy=true]")).to_have_count(0)  # the reply is complete


def side_task(page, title_pattern: str, list_id: str = "tasks-pending"):
    return page.locator(f"#{list_id} .side-task", has_text=re.compile(title_pattern, re.I))


def test_a_person_chats_a_task_into_the_list_completes_it_and_finds_the_conversation_again(browser_person, screenshot):
    from playwright.sync_api import expect

    alice = browser_person("alice")
    page = alice.sign_up()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    open_chat(page)
    expect(page.locator("#welcome")).to_be_visible()
    # A second tab of the same person, to see that every open page agrees.
    other_tab = alice.context.new_page()
    open_chat(other_tab)

    page.evaluate("window.__sameDocument = true")
    page.fill("#composer-input", "add buy milk tomorrow")
    page.press("#composer-input", "Enter")

    user_bubble = page.locator(".msg.user .bubble").last
    expect(user_bubble).to_have_text("add buy milk tomorrow")
    reply = page.locator(".msg.assistant .bubble").last
    expect(reply).to_contain_text(re.compile("milk", re.I))
    # What the agent did reads in words; the raw call is one click away.
    chip = page.locator(".msg.assistant .chip.ok").first
    expect(chip.locator(".chip-label")).to_have_text(re.compile("^Added “[Bb]uy milk”, due tomorrow$"))
    expect(chip.locator(".chip-raw")).to_be_hidden()
    chip.locator("summary").click()
    expect(chip.locator(".chip-raw")).to_be_visible()
    expect(chip.locator(".chip-raw")).to_contain_text(re.compile(r'add_task\(\{"title": ?"buy milk"', re.I))
    # The task shows up in the side list of both tabs, without a reload.
    expect(side_task(page, "milk")).to_have_count(1)
    expect(side_task(other_tab, "milk")).to_have_count(1)
    expect(side_task(page, "milk").locator(".due")).to_have_text("Tomorrow")
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#stop-button")).to_be_hidden()
    # The reply streamed: it arrived as frames, turn.start first and turn.end last.
    kinds = [re.search(r'"type": ?"([^"]+)"', f).group(1) for f in frames if isinstance(f, str)]
    turn = [k for k in kinds if k not in ("tasks.changed", "conversations.changed")]
    assert turn[0] == "turn.start" and turn[-1] == "turn.end" and "delta" in turn and "tool.call" in turn, kinds
    expect(page.locator("#conversation-list .conv-item")).to_have_count(1)
    # Titled by what the turn did.
    expect(page.locator("#thread-heading")).to_have_text(re.compile("^Add buy milk$", re.I))
    expect(side_task(page, "milk")).not_to_have_class(re.compile("just-changed"))
    screenshot(page, "chat-desktop")

    # Complete it from the list: it moves to Completed, in this tab and the other, and the API agrees.
    # click(), not check(): once the server answers, the task moves to the Completed list, and
    # check() would look for it again in the pending one to confirm the tick (a race it can lose).
    side_task(page, "milk").locator(".side-check").click()
    expect(side_task(page, "milk", "tasks-done")).to_have_count(1)
    expect(side_task(page, "milk")).to_have_count(0)
    expect(side_task(other_tab, "milk", "tasks-done")).to_have_count(1)
    expect(side_task(other_tab, "milk", "tasks-done").locator(".side-check")).to_be_checked()
    expect(side_task(page, "milk", "tasks-done")).not_to_have_class(re.compile("just-changed|saving"))
    screenshot(page, "chat-desktop-completed")
    tasks = page.request.get("/api/tasks/").json()["results"]
    assert [(t["title"].lower(), t["completed"]) for t in tasks] == [("buy milk", True)]

    # Reload: the conversation is still there, open, with its messages and tool chips.
    conversation_url = page.url
    assert re.search(r"/chat/\?c=\d+$", conversation_url)
    page.reload()
    page.wait_for_selector('#conn-status[data-state="online"]')
    expect(page.locator("#conversation-list .conv-item")).to_have_count(1)
    expect(page.locator(".msg.user .bubble")).to_have_text(["add buy milk tomorrow"])
    expect(page.locator(".msg.assistant .bubble")).to_contain_text(re.compile("milk", re.I))
    expect(page.locator(".msg.assistant .chip.ok .chip-label")).to_have_text(re.compile("^Added “buy milk”", re.I))
    # The page after reload agrees the task is done, and names its due date as the live update did.
    expect(side_task(page, "milk", "tasks-done").locator(".side-check")).to_be_checked()
    expect(side_task(page, "milk", "tasks-done").locator(".due")).to_have_text("Tomorrow")

    # Phone width: panels stacked, the thread first, still usable.
    phone_page = browser_person("alice", device="phone").log_in()
    open_chat(phone_page, "?" + conversation_url.split("?", 1)[1])
    expect(phone_page.locator(".msg.assistant .bubble")).to_contain_text(re.compile("milk", re.I))
    expect(phone_page.locator("#composer-input")).to_be_visible()
    # A touch keyboard has no Shift+Enter: no hint about keys there (the desktop shows one).
    expect(phone_page.locator("#composer-help")).to_be_hidden()
    expect(page.locator("#composer-help")).to_have_text(re.compile("Enter sends"))
    # The top bar keeps to one row on a phone.
    assert phone_page.locator(".topbar").bounding_box()["height"] <= 56
    screenshot(phone_page, "chat-phone")
    phone_page.get_by_role("link", name=re.compile("^Tasks \\d")).click()
    expect(phone_page.locator("#tasks-heading")).to_be_in_viewport()
    screenshot(phone_page, "chat-phone-tasks")
    phone_page.click("#conv-toggle")
    expect(phone_page.locator("#conversation-list .conv-item")).to_be_visible()
    screenshot(phone_page, "chat-phone-conversations")

    # Someone else sees none of it: not the conversation, not the task, not even by its URL.
    bob_page = browser_person("bob").sign_up()
    open_chat(bob_page, "?" + conversation_url.split("?", 1)[1])
    expect(bob_page.locator("#conversation-empty")).to_be_visible()
    expect(bob_page.locator("#conversation-list .conv-item")).to_have_count(0)
    expect(bob_page.locator(".side-task")).to_have_count(0)
    expect(bob_page.locator("#welcome")).to_be_visible()
    expect(bob_page.locator(".msg")).to_have_count(0)
    conversation_id = conversation_url.rsplit("=", 1)[1]
    assert bob_page.request.get(f"/api/conversations/{conversation_id}/").status == 404


def test_a_long_conversation_opens_on_its_latest_messages_and_shows_earlier_ones_on_request(browser_person):
    from playwright.sync_api import expect

    page = chat_page(browser_person("grace"))
    said = ["add call the bank", "add water the plants", "what's on my list?"]
    for text in said:
        say_and_wait(page, text)

    page.reload()
    page.wait_for_selector('#conn-status[data-state="online"]')
    # Six messages, pages of four: the latest four, and a way to the rest.
    expect(page.locator(".msg")).to_have_count(4)
    expect(page.locator(".msg.user .bubble")).to_have_text(said[1:])
    earlier = page.get_by_role("button", name="Show earlier messages")
    expect(earlier).to_be_visible()

    earlier.click()
    expect(page.locator(".msg")).to_have_count(6)
    expect(page.locator(".msg.user .bubble")).to_have_text(said)
    expect(page.locator(".msg").first).to_have_class(re.compile(r"\buser\b"))
    expect(earlier).to_be_hidden()


def test_a_reply_that_overflows_the_thread_is_followed_to_its_last_line(browser_person):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page = chat_page(browser_person("heidi"))
    # Long replies (a list of eight tasks each time) soon fill the thread, which must then keep
    # scrolling with every streamed line instead of leaving the end of the answer below the fold.
    said = ["add buy milk, eggs, bread, apples, rice, tea, soap and stamps", "what's on my list?",
            "show my pending tasks", "what's on my list?"]
    at_end = "() => (t => t.scrollHeight - t.scrollTop - t.clientHeight <= 2)(document.getElementById('thread'))"
    for text in said:
        say_and_wait(page, text)
        try:
            page.wait_for_function(at_end, timeout=3_000)
        except PlaywrightTimeout:
            below = page.evaluate("(t => t.scrollHeight - t.scrollTop - t.clientHeight)(document.getElementById('thread'))")
            pytest.fail(f"after {text!r} the thread stopped {below}px short of the reply's end")
    assert page.evaluate("(t => t.scrollHeight > t.clientHeight * 1.5)(document.getElementById('thread'))")
    expect(page.locator(".msg.assistant .chip").last).to_be_in_viewport()


def test_a_bulk_delete_shows_as_waiting_for_a_yes_until_the_person_gives_it(browser_person):
    from playwright.sync_api import expect

    page = chat_page(browser_person("ivan"))
    say_and_wait(page, "add buy milk and call mom")
    expect(page.locator("#tasks-pending .side-task")).to_have_count(2)

    say_and_wait(page, "delete all my tasks")
    asked = page.locator(".msg.assistant").last.locator(".chip")
    expect(asked).to_have_class(re.compile(r"\basking\b"))
    expect(asked.locator(".chip-label")).to_have_text("Asks you to confirm deleting 2 tasks")
    expect(asked.locator(".chip-icon")).to_have_text("?")
    expect(page.locator("#tasks-pending .side-task")).to_have_count(2)  # nothing deleted yet

    say_and_wait(page, "yes")
    done = page.locator(".msg.assistant").last.locator(".chip")
    expect(done).to_have_class(re.compile(r"\bok\b"))
    expect(done.locator(".chip-icon")).to_have_text("✓")
    expect(done.locator(".chip-label")).to_have_text("Deleted 2 tasks")
    expect(page.locator(".side-task")).to_have_count(0)

    # The saved conversation shows the same when opened again.
    page.reload()
    page.wait_for_selector('#conn-status[data-state="online"]')
    expect(page.locator(".chip.asking")).to_have_count(1)
    expect(page.locator(".chip.asking")).to_contain_text("Asks you to confirm deleting 2 tasks")


def test_the_page_without_javascript_still_shows_the_task_list(browser_person, screenshot):
    from playwright.sync_api import expect

    carol = browser_person("carol")
    carol.sign_up()
    created = carol.context.request.post("/api/tasks/", data={"title": "Renew passport"}, headers=carol.api_headers())
    assert created.status == 201

    page = browser_person("carol", java_script_enabled=False).log_in()
    page.goto("/chat/")
    expect(side_task(page, "Renew passport")).to_have_count(1)
    expect(page.locator("noscript").first).to_be_attached()
    expect(page.locator("#composer")).to_be_hidden()
    expect(page.locator("#composer-input")).to_be_disabled()
    expect(page.get_by_role("link", name="Tasks page")).to_have_attribute("href", "/tasks/")
    screenshot(page, "chat-no-js")


def test_the_page_says_when_the_connection_drops_and_reconnects_by_itself(browser_person):
    from playwright.sync_api import expect

    dave = browser_person("dave")
    page = dave.sign_up()
    # Playwright stands between the page and the server, so the test can cut the line.
    connections = []

    def pass_through(socket) -> None:
        socket.connect_to_server()
        connections.append(socket)

    page.route_web_socket(re.compile(r"/ws/chat/$"), pass_through)
    open_chat(page)
    # Drop the socket the way a network blip would (an abnormal close).
    connections[-1].close(code=4000, reason="test drop")
    expect(page.locator("#conn-banner")).to_be_visible()
    expect(page.locator("#conn-banner-text")).to_contain_text("Connection lost")
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "online")
    expect(page.locator("#conn-banner")).to_be_hidden()
    assert len(connections) == 2


def test_model_and_task_text_is_shown_as_text_never_as_markup(browser_person, screenshot):
    from playwright.sync_api import expect

    erin = browser_person("erin")
    page = erin.sign_up()
    auth = erin.api_headers()
    hostile = '<img src=x onerror="window.__xss=1"> Pay rent'
    for title in (hostile, "Book dentist", "Water the **plants**"):
        assert page.request.post("/api/tasks/", data={"title": title}, headers=auth).status == 201

    open_chat(page)
    page.fill("#composer-input", "show my pending tasks")
    page.press("#composer-input", "Enter")
    reply = page.locator(".msg.assistant .bubble").last
    expect(reply).to_contain_text("Book dentist")
    expect(reply).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(reply.locator("ul > li")).to_have_count(3)
    # A title is data: its markdown shows as typed, in the reply as in the side list.
    expect(reply).to_contain_text("Water the **plants**")
    expect(reply.locator("strong", has_text="plants")).to_have_count(0)
    expect(side_task(page, "plants").locator(".side-task-title")).to_have_text("Water the **plants**")
    expect(page.locator("#send-button")).to_be_visible()
    assert page.locator("#thread img, #tasks-panel img").count() == 0
    assert page.evaluate("window.__xss") is None
    expect(side_task(page, "Pay rent").locator(".side-task-title")).to_have_text(hostile)
    screenshot(page, "chat-desktop-list")
    # The renderer itself: a little markdown becomes elements; markup stays text.
    html = page.evaluate(
        """async () => { const { render } = await import('/static/js/markdown.js');
                         const d = document.createElement('div');
                         d.appendChild(render('Hi **there** and `code` <b>x</b>\\nnext line\\n\\n- one\\n- **two**'));
                         return d.innerHTML; }"""
    )
    assert html == (
        "<p>Hi <strong>there</strong> and <code>code</code> &lt;b&gt;x&lt;/b&gt;<br>next line</p>"
        "<ul><li>one</li><li><strong>two</strong></li></ul>"
    )
    html = page.evaluate(
        """async () => { const { render } = await import('/static/js/markdown.js');
                         const d = document.createElement('div');
                         d.appendChild(render('Added “a **b** c” and **bold**', { literal: ['a **b** c', 'plain'] }));
                         return d.innerHTML; }"""
    )
    assert html == "<p>Added “a **b** c” and <strong>bold</strong></p>"


def test_the_conversation_list_follows_new_conversations_and_renames_in_every_tab(browser_person, screenshot):
    from playwright.sync_api import expect

    olga = browser_person("olga")
    page = chat_page(olga)
    other_tab = olga.context.new_page()
    open_chat(other_tab)
    expect(other_tab.locator("#conversation-list .conv-item")).to_have_count(0)

    say_and_wait(page, "add water the plants on friday")
    # A short title from what the turn did, not the message verbatim, in both tabs.
    expect(page.locator("#thread-heading")).to_have_text(re.compile("^Add water the plants$", re.I))
    expect(other_tab.locator("#conversation-list .conv-title")).to_have_text([re.compile("^Add water the plants$", re.I)])

    # Renamed in one tab: the other tab's list says so too, and the open thread's heading follows.
    page.locator("#conversation-list .conv-item").hover()
    page.get_by_role("button", name=re.compile("^Rename conversation")).click()
    page.locator(".conv-title-input").fill("Garden")
    page.locator(".conv-title-input").press("Enter")
    expect(page.locator("#conversation-list .conv-title")).to_have_text(["Garden"])
    expect(page.locator("#thread-heading")).to_have_text("Garden")
    expect(other_tab.locator("#conversation-list .conv-title")).to_have_text(["Garden"])
    screenshot(page, "chat-desktop-renamed")

    # Tasks added live take their place in the side list: soonest due first, undated after.
    say_and_wait(page, "add buy stamps")
    say_and_wait(page, "add call the bank today")
    expect(page.locator("#tasks-pending .side-task-title")).to_have_text(
        [re.compile("call the bank", re.I), re.compile("water the plants", re.I), re.compile("buy stamps", re.I)]
    )

    # Deleted in the other tab: gone here too, and this tab starts afresh.
    other_tab.once("dialog", lambda dialog: dialog.accept())
    other_tab.get_by_role("button", name="Delete conversation Garden").click()
    expect(page.locator("#conversation-list .conv-item")).to_have_count(0)
    expect(page.locator("#thread-heading")).to_have_text("New conversation")
    expect(page.locator("#welcome")).to_be_visible()
