"""Quick add with its live preview, ticking off a repeating task, and the label filter, in
Chromium against the live daphne (root conftest fixtures)."""

import re

import pytest

from tasks.tests.test_browser import open_tasks, task_item

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_quick_add_previews_then_saves_and_a_repeating_task_moves_on_when_ticked(browser_person, screenshot):
    from playwright.sync_api import expect

    ana = browser_person("ana-recur")
    page = ana.sign_up()
    open_tasks(page)

    page.fill("#quick-add-text", "water the plants every 3 days #home !high")
    preview = page.locator("#quick-add-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".preview-title")).to_have_text("“Water the plants”")
    expect(preview.locator(".preview-repeat")).to_have_text("↻ every 3 days")
    expect(preview.locator(".preview-label")).to_have_text("#home")
    expect(preview.locator(".preview-priority")).to_contain_text("high")
    expect(preview.locator(".preview-due")).to_have_text("Due Today")  # its first date: today
    field, button = page.locator("#quick-add-text").bounding_box(), page.locator("#quick-add button[type=submit]").bounding_box()
    assert abs((field["y"] + field["height"]) - (button["y"] + button["height"])) < 4, (field, button)  # Add sits beside the field
    screenshot(page, "tasks-quick-add-preview")
    assert ana.context.request.get("/api/tasks/").json()["count"] == 0  # the preview saved nothing

    page.click("#quick-add button[type=submit]")
    item = task_item(page, "Water the plants")
    expect(item).to_have_count(1)
    expect(item.locator(".repeat")).to_have_text("↻ every 3 days")
    expect(item.locator(".chip.label")).to_have_text("#home")
    first_due = ana.context.request.get("/api/tasks/").json()["results"][0]["due_date"]

    item.locator("button.check").click()
    page.wait_for_load_state()
    task = ana.context.request.get("/api/tasks/").json()["results"][0]
    assert task["completed"] is False and task["due_date"] > first_due  # moved on, still open
    expect(task_item(page, "Water the plants")).not_to_have_class(re.compile(r"\bdone\b"))


def test_the_label_filter_shows_only_that_labels_tasks(browser_person):
    from playwright.sync_api import expect

    ben = browser_person("ben-recur")
    page = ben.sign_up()
    headers = ben.api_headers()
    for body in ({"title": "Write slides", "labels": ["work"]}, {"title": "Mow the lawn", "labels": ["home"]}):
        assert ben.context.request.post("/api/tasks/", data=body, headers=headers).status == 201
    open_tasks(page)

    page.locator("#label-filter a", has_text="#work").click()
    page.wait_for_url(re.compile(r"label=work"))
    expect(task_item(page, "Write slides")).to_have_count(1)
    expect(task_item(page, "Mow the lawn")).to_have_count(0)

    chat = ben.context.new_page()
    chat.goto("/chat/")
    chat.wait_for_selector('#conn-status[data-state="online"]')
    chat.locator("#tasks-pending .chip.label", has_text="#home").click()
    expect(chat.locator("#tasks-pending .side-task:visible")).to_have_count(1)
    expect(chat.locator("#tasks-pending .side-task:visible .side-task-title")).to_have_text("Mow the lawn")
    chat.click("#side-label-clear")
    expect(chat.locator("#tasks-pending .side-task:visible")).to_have_count(2)
