"""The strict Content-Security-Policy in a real browser: the chat (its websocket included), the
task list, Swagger UI and the admin work under it and the browser reports no violation."""

import pytest

from chat.tests.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    TIMEOUT_MS,
    browser,
    open_chat,
    say_and_wait,
    server,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_pages_run_under_the_policy_without_a_single_violation(server, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    sign_up(page, server, "csp-walker")
    open_chat(page, server)  # waits for the websocket to be online: connect-src 'self' covers it
    say_and_wait(page, "add water the plants")
    expect(page.locator(".side-task", has_text="plants")).to_have_count(1)

    page.goto(f"{server.url}/tasks/")
    expect(page.get_by_text("Water the plants")).to_be_visible()

    page.goto(f"{server.url}/api/docs/")
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Todo agent API")

    page.goto(f"{server.url}/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()

    context.close()
    assert violations == []
