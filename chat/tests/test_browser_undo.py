"""Undo of an agent turn in a real browser (Chromium, a real daphne, the offline model): the
person lets the agent make a mess, says "undo that", and the list, side panel included, is
exactly as before, ids included."""

import json
import re

import pytest

from chat.tests.test_browser import chat_page, say_and_wait, side_task

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def let_the_agent_make_a_mess(page) -> list[dict]:
    """Two tasks, then one turn that adds two, completes one and deletes the other (shown on the
    page); returns the task list as it was before that turn."""
    from playwright.sync_api import expect

    say_and_wait(page, "add buy milk")
    say_and_wait(page, "add call mum")
    before = page.request.get("/api/tasks/").json()["results"]
    say_and_wait(page, "add bread, add eggs, mark buy milk as done and delete call mum")
    expect(side_task(page, "call mum")).to_have_count(0)
    expect(side_task(page, "buy milk", "tasks-done")).to_have_count(1)
    return before


def the_mess_is_gone(page, before: list[dict]) -> None:
    """The side panel and the API show the list exactly as `before` (ids and all)."""
    from playwright.sync_api import expect

    expect(side_task(page, "bread")).to_have_count(0)
    expect(side_task(page, "eggs")).to_have_count(0)
    expect(side_task(page, "call mum")).to_have_count(1)
    expect(side_task(page, "buy milk")).to_have_count(1)
    expect(side_task(page, "buy milk", "tasks-done")).to_have_count(0)
    assert page.request.get("/api/tasks/").json()["results"] == before


def test_undo_that_puts_the_list_and_the_side_panel_back_exactly(browser_person):
    from playwright.sync_api import expect

    person = browser_person("uma")
    frames: list[dict] = []
    person.context.on(
        "page",
        lambda page: page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda p: frames.append(json.loads(p)) if isinstance(p, str) else None),
        ),
    )
    page = chat_page(person)
    before = let_the_agent_make_a_mess(page)
    expect(side_task(page, "bread")).to_have_count(1)
    ends = [f for f in frames if f.get("type") == "turn.end"]
    assert ends[-1].get("undoable") is True, ends[-1]

    say_and_wait(page, "undo that")

    reply = page.locator(".msg.assistant .bubble").last
    expect(reply).to_contain_text("brought back “Call mum”")
    the_mess_is_gone(page, before)
    activity = page.request.get("/api/activity/?door=chat").json()["results"]
    assert re.match(r"Chat · \w+ \(undo\)", activity[0]["summary"])


def test_the_undo_button_under_a_reply_puts_the_list_and_the_side_panel_back_exactly(browser_person, screenshot):
    from playwright.sync_api import expect

    person = browser_person("ulrich")
    page = chat_page(person)
    # Turns that only added one task each offer their own Undo; the mess is what we take back.
    before = let_the_agent_make_a_mess(page)

    reply = page.locator(".msg.assistant").last
    bar = reply.locator(".undo-bar")
    # It says what it will take back, in words, before anything is clicked.
    expect(bar).to_contain_text("remove “Bread”, “Eggs”")
    expect(bar).to_contain_text("reopen “Buy milk”")
    expect(bar).to_contain_text("bring back “Call mum”")
    expect(reply.locator(".chip.will-undo")).to_have_count(4)

    bar.get_by_role("button", name=re.compile("^Undo this turn")).click()

    expect(bar.locator(".undo-state")).to_have_text("Undone")
    expect(bar.locator(".undo-what")).to_have_text("Removed “Bread”, “Eggs”; brought back “Call mum”; reopened “Buy milk”.")
    expect(bar.get_by_role("button")).to_have_count(0)
    the_mess_is_gone(page, before)
    screenshot(page, "chat-undone-desktop")

    # The conversation opened again offers Undo on its saved replies; the one taken back says so.
    page.reload()
    page.wait_for_selector('#conn-status[data-state="online"]')
    page.locator(".conv-item", has_text=re.compile("buy milk", re.I)).first.click()
    saved = page.locator(".msg.assistant").last
    expect(saved.locator(".undo-state")).to_have_text("Undone")
    expect(saved.locator(".undo-button")).to_have_count(0)
    expect(page.locator(".msg.assistant").first.locator(".undo-button")).to_have_count(1)  # "add buy milk" stands


def test_undo_refuses_when_a_task_changed_since_and_names_it(browser_person):
    from playwright.sync_api import expect

    person = browser_person("ursula")
    page = chat_page(person)
    say_and_wait(page, "add water the plants")
    task = page.request.get("/api/tasks/").json()["results"][0]
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    page.request.patch(f"/api/tasks/{task['id']}/", data={"title": "Water the ferns"}, headers={"X-CSRFToken": csrf})
    expect(side_task(page, "water the ferns")).to_have_count(1)

    bar = page.locator(".msg.assistant").last.locator(".undo-bar")
    bar.locator(".undo-button").click()

    expect(bar.locator(".undo-what")).to_have_text(re.compile("Not undone: “Water the ferns” changed since. Nothing was changed."))
    expect(bar.locator(".undo-button")).to_be_enabled()
    expect(side_task(page, "water the ferns")).to_have_count(1)
