"""The account page in a real browser (fixtures in the root conftest.py): a password changed in one
browser ends the chat and the pages of another at once; "log out everywhere" ends them all."""

import re

import pytest

from conftest import BROWSER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "Fresh-pass-6154"


def open_chat(page) -> None:
    page.goto("/chat/")
    page.wait_for_selector('#conn-status[data-state="online"]')


def test_changing_the_password_signs_out_the_other_browser_and_its_open_chat(browser_person, screenshot):
    from playwright.sync_api import expect

    laptop = browser_person("petra").sign_up()
    phone = browser_person("petra", device="phone").log_in()
    open_chat(phone)

    laptop.locator(".topbar .menu summary").click()  # the user's menu, under their name
    laptop.get_by_role("link", name="Account").click()
    expect(laptop.get_by_role("heading", name="Your account")).to_be_visible()
    screenshot(laptop, "account-desktop-light")
    laptop.get_by_role("region", name="Change password").get_by_label("Current password").fill(BROWSER_PASSWORD)
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Change password").click()

    expect(laptop.locator(".flash")).to_contain_text("Password changed.")
    # The other browser's open chat ends at once (socket closed with 4401) and says so.
    expect(phone.locator("#conn-status")).to_have_text("Signed out")
    expect(phone.locator("#conn-banner")).to_contain_text("Your session has ended")
    # Its next page asks it to log in; this browser carries on.
    phone.goto("/tasks/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    open_chat(laptop)


def test_log_out_everywhere_ends_this_browser_and_every_other(browser_person):
    from playwright.sync_api import expect

    laptop = browser_person("quentin").sign_up()
    desktop = browser_person("quentin").log_in()
    open_chat(desktop)

    laptop.goto("/account/")
    laptop.get_by_label("Your password, to confirm").fill(BROWSER_PASSWORD)
    laptop.get_by_role("button", name="Log out everywhere").click()

    expect(laptop).to_have_url(re.compile(r"/accounts/login/$"))
    expect(laptop.locator(".flash")).to_contain_text("logged out everywhere")
    expect(desktop.locator("#conn-status")).to_have_text("Signed out")
    desktop.goto("/tasks/")
    expect(desktop).to_have_url(re.compile(r"/accounts/login/"))
    # The password itself still works.
    browser_person("quentin").log_in()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_account_page_reads_well_on_a_phone_and_in_the_dark(browser_person, screenshot, dark):
    from playwright.sync_api import expect

    scheme = "dark" if dark else "light"
    person = browser_person(f"rosa-{scheme}", dark=dark)
    page = person.sign_up()
    page.request.post("/connections/", form={"name": "Claude Code on my laptop", "scope": "read_write", "csrfmiddlewaretoken": page.locator('meta[name="csrf-token"]').get_attribute("content")})
    page.goto("/account/")
    expect(page.get_by_role("button", name="Revoke Claude Code on my laptop")).to_have_count(1)
    screenshot(page, f"account-desktop-{scheme}")

    phone = browser_person(f"rosa-{scheme}", device="phone", dark=dark).log_in()
    phone.goto("/account/")
    assert phone.locator(".topbar").bounding_box()["height"] <= 56
    # Nothing spills sideways on a 390 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, f"account-phone-{scheme}")
