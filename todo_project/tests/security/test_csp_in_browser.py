"""The strict Content-Security-Policy in a real browser: the chat (its websocket included), the
task list, Swagger UI and the admin work under it and the browser reports no violation."""

import pytest

from chat.tests.test_browser import chat_page, say_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_pages_run_under_the_policy_without_a_single_violation(browser_person):
    from playwright.sync_api import expect

    person = browser_person("csp-walker")
    violations: list[str] = []
    person.context.on(
        "page",
        lambda page: page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None),
    )

    page = chat_page(person)  # waits for the websocket to be online: connect-src 'self' covers it
    say_and_wait(page, "add water the plants")
    expect(page.locator(".side-task", has_text="plants")).to_have_count(1)

    page.goto("/tasks/")
    expect(page.get_by_text("Water the plants")).to_be_visible()

    page.goto("/api/docs/")
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Todo agent API")

    page.goto("/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()

    assert violations == []
