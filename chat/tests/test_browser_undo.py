"""Undo of an agent turn in a real browser (Chromium, a real daphne, the offline model): the
person lets the agent make a mess, says "undo that", and the list, side panel included, is
exactly as before, ids included."""

import json
import re

import pytest

from chat.tests.test_browser import chat_page, say_and_wait, side_task

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
    say_and_wait(page, "add buy milk")
    say_and_wait(page, "add call mum")
    before = page.request.get("/api/tasks/").json()["results"]

    say_and_wait(page, "add bread, add eggs, mark buy milk as done and delete call mum")
    expect(side_task(page, "bread")).to_have_count(1)
    expect(side_task(page, "call mum")).to_have_count(0)
    expect(side_task(page, "buy milk", "tasks-done")).to_have_count(1)
    ends = [f for f in frames if f.get("type") == "turn.end"]
    assert ends[-1].get("undoable") is True, ends[-1]

    say_and_wait(page, "undo that")

    reply = page.locator(".msg.assistant .bubble").last
    expect(reply).to_contain_text("brought back “Call mum”")
    expect(side_task(page, "bread")).to_have_count(0)
    expect(side_task(page, "eggs")).to_have_count(0)
    expect(side_task(page, "call mum")).to_have_count(1)
    expect(side_task(page, "buy milk")).to_have_count(1)
    expect(side_task(page, "buy milk", "tasks-done")).to_have_count(0)
    assert page.request.get("/api/tasks/").json()["results"] == before
    activity = page.request.get("/api/activity/?door=chat").json()["results"]
    assert re.match(r"Chat · \w+ \(undo\)", activity[0]["summary"])
