"""The task list page in a real browser (fixtures in the root conftest.py: one Chromium, one live
daphne with the offline model). Screenshots go to artifacts/screenshots/ for people to look at."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_tasks(page, query: str = "") -> None:
    page.goto(f"/tasks/{query}")
    page.wait_for_selector('body[data-live="online"]')


def task_item(page, title: str):
    return page.locator(".task", has=page.locator(".task-title", has_text=re.compile(f"^{re.escape(title)}$")))


def add_tasks(person, *tasks: dict) -> None:
    headers = person.api_headers()
    for task in tasks:
        assert person.context.request.post("/api/tasks/", data=task, headers=headers).status == 201


def relative_day(page, days: int) -> str:
    """The browser's local date `days` from today, as the API takes it."""
    return page.evaluate(f"""() => {{ const d = new Date(); d.setDate(d.getDate() + {days});
        return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }}""")


def test_the_tasks_page_follows_changes_made_in_chat_without_a_reload(browser_person):
    from playwright.sync_api import expect

    kim = browser_person("kim")
    tasks_tab = kim.sign_up()
    open_tasks(tasks_tab)
    tasks_tab.evaluate("window.__sameDocument = true")
    chat_tab = kim.context.new_page()
    chat_tab.goto("/chat/")
    chat_tab.wait_for_selector('#conn-status[data-state="online"]')

    chat_tab.fill("#composer-input", "add buy milk tomorrow")
    chat_tab.press("#composer-input", "Enter")
    expect(task_item(tasks_tab, "Buy milk")).to_have_count(1)
    expect(task_item(tasks_tab, "Buy milk").locator(".due")).to_contain_text(re.compile(r"\w"))
    expect(tasks_tab.locator('#task-views a[href="?show=all"] .count')).to_have_text("1")

    # Ticked in the chat's side panel: done on the tasks page too.
    chat_tab.locator("#tasks-pending .side-check").first.click()
    expect(task_item(tasks_tab, "Buy milk")).to_have_class(re.compile(r"\bdone\b"))
    expect(tasks_tab.locator('#task-views a[href="?show=completed"] .count')).to_have_text("1")
    assert tasks_tab.evaluate("window.__sameDocument") is True

    # In the side panel only the checkbox completes: the title opens the task.
    chat_tab.locator("#tasks-done .side-task-title").click()
    chat_tab.wait_for_url(re.compile(r"/tasks/\d+/edit/$"))
    expect(chat_tab.locator("#id_title")).to_have_value(re.compile("milk", re.I))
    assert [t["completed"] for t in chat_tab.request.get("/api/tasks/").json()["results"]] == [True]


def test_a_task_is_renamed_in_place_and_a_bad_title_is_refused_with_a_message(browser_person):
    from playwright.sync_api import expect

    lea = browser_person("lea")
    page = lea.sign_up()
    add_tasks(lea, {"title": "Book dentst"})
    open_tasks(page)

    task_item(page, "Book dentst").locator(".task-title").click()
    title_input = page.locator(".title-input")
    expect(title_input).to_be_focused()
    title_input.fill("Book dentist")
    title_input.press("Enter")
    expect(page.locator(".task-title")).to_have_text(["Book dentist"])
    assert [t["title"] for t in page.request.get("/api/tasks/").json()["results"]] == ["Book dentist"]

    # Escape leaves it as it was; an empty title is refused and says why.
    page.locator(".task-title").click()
    page.locator(".title-input").fill("Something else")
    page.locator(".title-input").press("Escape")
    expect(page.locator(".task-title")).to_have_text(["Book dentist"])
    page.locator(".task-title").press("Enter")
    page.locator(".title-input").fill("   ")
    page.locator(".title-input").press("Enter")
    expect(page.locator(".task .errors")).to_be_visible()
    expect(page.locator(".task .errors")).not_to_be_empty()
    assert [t["title"] for t in page.request.get("/api/tasks/").json()["results"]] == ["Book dentist"]


def test_the_views_put_overdue_first_and_the_search_box_narrows_the_list(browser_person, screenshot):
    from playwright.sync_api import expect

    max_ = browser_person("max")
    page = max_.sign_up()
    add_tasks(
        max_,
        {"title": "Renew passport"},
        {"title": "Pay rent", "due_date": relative_day(page, -2), "priority": "high"},
        {"title": "Call the plumber", "due_date": relative_day(page, 0)},
        {"title": "Dinner with Sam", "due_date": relative_day(page, 3)},
        {"title": "Buy oat milk", "due_date": relative_day(page, 1), "priority": "low"},
    )
    open_tasks(page)
    expect(page.locator(".task-title")).to_have_text(
        ["Pay rent", "Call the plumber", "Buy oat milk", "Dinner with Sam", "Renew passport"]
    )
    expect(task_item(page, "Pay rent").locator(".due")).to_contain_text("Overdue")
    # Edit and delete stay out of the way until the pointer is on the row.
    actions = task_item(page, "Renew passport").locator(".task-actions")
    expect(actions).to_have_css("opacity", "0")
    task_item(page, "Renew passport").hover()
    expect(actions).to_have_css("opacity", "1")
    screenshot(page, "tasks-desktop")

    page.get_by_role("link", name=re.compile("^Today")).click()
    expect(page.locator(".task-title")).to_have_text(["Pay rent", "Call the plumber"])
    page.get_by_role("link", name=re.compile("^Upcoming")).click()
    expect(page.locator(".day-heading")).to_have_count(3)
    expect(page.locator(".day-heading").first).to_have_text("Today")
    screenshot(page, "tasks-desktop-upcoming")

    page.get_by_role("link", name=re.compile("^All")).click()
    page.get_by_role("searchbox", name="Search tasks").fill("milk")
    page.get_by_role("searchbox", name="Search tasks").press("Enter")
    expect(page.locator(".task-title")).to_have_text(["Buy oat milk"])
    expect(page.locator(".search-note")).to_contain_text("milk")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_pages_follow_the_systems_colour_scheme_and_fit_a_phone(browser_person, screenshot, dark):
    from playwright.sync_api import expect

    scheme = "dark" if dark else "light"
    name = f"nia-{scheme}"
    person = browser_person(name, dark=dark)
    page = person.sign_up()
    add_tasks(
        person,
        {"title": "Pay rent", "due_date": relative_day(page, -1), "priority": "high"},
        {"title": "Water the **plants**", "due_date": relative_day(page, 2)},
        {"title": "Renew passport", "description": "photo booth first", "priority": "low"},
    )
    open_tasks(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    ink = page.evaluate("getComputedStyle(document.body).color")
    assert _luminance(background) < 0.2 if dark else _luminance(background) > 0.8, background
    assert _luminance(ink) > 0.6 if dark else _luminance(ink) < 0.2, ink
    screenshot(page, f"tasks-desktop-{scheme}")
    page.goto("/chat/")
    page.wait_for_selector('#conn-status[data-state="online"]')
    page.fill("#composer-input", "what's on my list?")
    page.press("#composer-input", "Enter")
    expect(page.locator(".msg.assistant[aria-busy=true]")).to_have_count(0)
    # The agent lists the overdue task first, and says it is overdue.
    expect(page.locator(".msg.assistant .bubble li").first).to_contain_text(re.compile(r"Pay rent.*overdue"))
    screenshot(page, f"chat-desktop-{scheme}")

    phone = browser_person(name, device="phone", dark=dark).log_in()
    open_tasks(phone)
    assert phone.locator(".topbar").bounding_box()["height"] <= 56
    # On a touch screen there is no hover: the row's actions are always there.
    expect(phone.locator(".task-actions").first).to_have_css("opacity", "1")
    # Priority and Due share a row under the title, boxes level and of one height.
    priority, due = phone.locator("#id_priority").bounding_box(), phone.locator("#id_due_date").bounding_box()
    assert abs(priority["y"] - due["y"]) <= 1 and abs(priority["height"] - due["height"]) <= 1, (priority, due)
    screenshot(phone, f"tasks-phone-{scheme}")
    phone.goto("/chat/")
    phone.wait_for_selector('#conn-status[data-state="online"]')
    assert phone.locator(".topbar").bounding_box()["height"] <= 56
    screenshot(phone, f"chat-phone-{scheme}")


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_deleting_a_task_offers_undo_which_brings_it_back_with_its_id(browser_person, screenshot):
    from playwright.sync_api import expect

    person = browser_person("dora")
    page = person.sign_up()
    add_tasks(person, {"title": "Call the plumber", "priority": "high", "description": "about the sink"}, {"title": "Buy stamps"})
    before = page.request.get("/api/tasks/").json()["results"]
    open_tasks(page)
    page.evaluate("window.__sameDocument = true")

    row = task_item(page, "Call the plumber")
    row.hover()
    row.get_by_role("button", name="Delete Call the plumber").click()

    toast = page.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Deleted “Call the plumber”.")
    expect(task_item(page, "Call the plumber")).to_have_count(0)
    assert [t["title"] for t in page.request.get("/api/tasks/").json()["results"]] == ["Buy stamps"]
    screenshot(page, "tasks-undo-toast-desktop")

    toast.get_by_role("button", name="Undo").click()

    expect(toast).to_contain_text("Brought back “Call the plumber”.")
    expect(task_item(page, "Call the plumber")).to_have_count(1)
    # The same task: id, fields and timestamps as they were.
    assert page.request.get("/api/tasks/").json()["results"] == before
    assert page.evaluate("window.__sameDocument") is True


def test_without_javascript_a_delete_still_works_and_the_page_offers_undo_as_a_form(browser_person):
    from playwright.sync_api import expect

    person = browser_person("noor", java_script_enabled=False)
    page = person.sign_up()
    add_tasks(person, {"title": "Return the library book", "due_date": "2031-05-04"})
    before = page.request.get("/api/tasks/").json()["results"]
    page.goto("/tasks/")

    page.get_by_role("button", name="Delete Return the library book").click()

    toast = page.locator("#toast")
    expect(toast).to_contain_text("Deleted “Return the library book”.")
    expect(page.locator(".task")).to_have_count(0)
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".task-title")).to_have_text(["Return the library book"])
    assert page.request.get("/api/tasks/").json()["results"] == before
    # The offer is shown once, not on every later visit.
    page.goto("/tasks/")
    expect(page.locator("#toast")).to_be_hidden()
