"""The chat page as the server renders it (before any script runs)."""

import json
import re

import pytest
from django.test import Client

from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_home_page_sends_people_to_the_chat(alice_browser):
    response = alice_browser.get("/")
    assert response.status_code == 302 and response["Location"] == "/chat/"


def test_the_chat_page_asks_visitors_to_log_in():
    response = Client().get("/chat/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/chat/")


def test_the_chat_page_lists_the_users_tasks_without_javascript(user, other_user, alice_browser):
    make_task(user, "Buy milk")
    make_task(user, "Pay rent", completed=True)
    make_task(other_user, "Mallory's secret")

    html = alice_browser.get("/chat/").content.decode()

    pending = html.split('id="tasks-pending"')[1].split("</ul>")[0]
    done = html.split('id="tasks-done"')[1].split("</ul>")[0]
    assert "Buy milk" in pending and "Pay rent" not in pending
    assert "Pay rent" in done
    assert "Mallory" not in html
    # Without JS the page points to the task pages, which work without it.
    assert 'href="/tasks/"' in html and "<noscript>" in html


def test_the_chat_page_escapes_task_titles(user, alice_browser):
    make_task(user, "<script>alert(1)</script>")
    html = alice_browser.get("/chat/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_controls_that_need_javascript_start_disabled(alice_browser, user):
    make_task(user, "Buy milk")
    html = alice_browser.get("/chat/").content.decode()
    for tag in re.findall(r"<(?:textarea|button|input)[^>]*data-needs-js[^>]*>", html):
        assert " disabled" in tag, tag
    assert 'id="composer-input"' in html and 'aria-live="polite"' in html


def test_the_chat_page_loads_its_script_as_a_module_and_its_styles(alice_browser):
    html = alice_browser.get("/chat/").content.decode()
    assert '<script type="module" src="/static/js/chat/main.js">' in html
    assert '<link rel="stylesheet" href="/static/css/chat.css">' in html
    # The modules it imports are served too (they import each other by relative paths).
    for asset in ("/static/js/chat/main.js", "/static/js/markdown.js", "/static/js/socket.js", "/static/css/chat.css"):
        assert Client().get(asset).status_code == 200


def test_the_chat_page_has_no_inline_script_code(alice_browser):
    # A Content-Security-Policy of script-src 'self' would block inline code; data blocks are fine.
    html = alice_browser.get("/chat/").content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert 'type="application/json"' in attributes or (" src=" in attributes and not body.strip()), attributes


def test_the_chat_page_hands_its_script_the_urls_it_needs(alice_browser):
    html = alice_browser.get("/chat/").content.decode()
    config = json.loads(re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert config["urls"]["socket"] == "/ws/chat/"
    assert config["urls"]["task"] == "/api/tasks/{id}/"
    assert config["urls"]["taskEdit"] == "/tasks/{id}/edit/"
    assert config["urls"]["conversation"] == "/api/conversations/{id}/"
    assert config["maxMessageChars"] == 4000
    assert config["needsConfirmationStatus"] == "needs_confirmation"  # the status the tools answer with


def test_a_side_task_title_opens_the_task_and_its_checkbox_names_what_it_does(user, alice_browser):
    task = make_task(user, "Buy milk")
    html = alice_browser.get("/chat/").content.decode()
    assert f'<a class="side-task-title" href="/tasks/{task.id}/edit/">Buy milk</a>' in html
    assert 'aria-label="Complete Buy milk"' in html
    assert "<label" not in html.split('id="tasks-pending"')[1].split("</ul>")[0]


def test_the_side_list_shows_overdue_tasks_first_then_by_due_date_then_undated(user, alice_browser):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    make_task(user, "Undated")
    make_task(user, "Next week", due_date=today + timedelta(days=7))
    make_task(user, "Late", due_date=today - timedelta(days=1))
    html = alice_browser.get("/chat/").content.decode()
    pending = html.split('id="tasks-pending"')[1].split("</ul>")[0]
    assert re.findall(r'class="side-task-title"[^>]*>([^<]+)<', pending) == ["Late", "Next week", "Undated"]


def test_the_side_list_shows_each_tasks_labels_in_one_query_however_many_tasks(user, other_user, alice_browser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_task(user, "Buy milk", labels=["groceries", "Errands"])
    make_task(user, "Paid rent", labels=["home"], completed=True)
    make_task(other_user, "Theirs", labels=["secret"])
    with CaptureQueriesContext(connection) as few:
        html = alice_browser.get("/chat/").content.decode()
    pending = html.split('id="tasks-pending"')[1].split("</ul>")[0]
    assert pending.index("#Errands") < pending.index("#groceries") and "#secret" not in html
    for i in range(5):
        make_task(user, f"Task {i}", labels=[f"label{i}", "groceries"], completed=i % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        html = alice_browser.get("/chat/").content.decode()
    assert html.count("#groceries") == 6
    assert len(many) == len(few)
