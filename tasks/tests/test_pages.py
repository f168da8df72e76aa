"""The server-rendered task pages: plain forms, no JavaScript needed, CSRF on every form."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tasks import services
from tasks.models import Task
from core.tests.pages import form_post as post
from core.tests.pages import form_token
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/tasks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/tasks/")


def test_sign_up_creates_the_account_and_logs_in():
    client = Client(enforce_csrf_checks=True)
    response = post(
        client, "/accounts/signup/", {"username": "bob", "password1": "b0b-is-Strong!", "password2": "b0b-is-Strong!"}, page="/accounts/signup/"
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert get_user_model().objects.filter(username="bob").exists()
    assert "bob" in client.get("/tasks/").content.decode()


def test_sign_up_with_a_weak_password_shows_the_problem():
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/accounts/signup/", {"username": "bob", "password1": "123", "password2": "123"}, page="/accounts/signup/")
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not get_user_model().objects.filter(username="bob").exists()


def test_log_in_and_log_out(user):
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/accounts/login/", {"username": "alice", "password": "a-Strong-pass-123"}, page="/accounts/login/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get("/tasks/").status_code == 200
    response = post(client, "/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/tasks/").status_code == 302


def test_a_wrong_password_shows_an_error_on_the_login_page(user):
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/accounts/login/", {"username": "alice", "password": "nope"}, page="/accounts/login/")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_the_list_shows_only_my_tasks_with_their_details(web, user, other_user):
    make_task(user, "Water the plants", description="the big ficus", priority="high", due_date=timezone.localdate())
    make_task(other_user, "Secret plan")
    html = web.get("/tasks/").content.decode()
    assert "Water the plants" in html and "the big ficus" in html and "High" in html
    assert "Secret plan" not in html


def test_the_filters_show_all_pending_completed_and_overdue(web, user):
    today = timezone.localdate()
    make_task(user, "Pending one")
    make_task(user, "Completed one", completed=True)
    make_task(user, "Overdue one", due_date=today - timedelta(days=1))

    def shown(show: str) -> set[str]:
        html = web.get(f"/tasks/?show={show}").content.decode()
        return set(re.findall(r'<span class="task-title">([^<]+)</span>', html))

    assert shown("all") == {"Pending one", "Completed one", "Overdue one"}
    assert shown("pending") == {"Pending one", "Overdue one"}
    assert shown("completed") == {"Completed one"}
    assert shown("overdue") == {"Overdue one"}
    assert shown("nonsense") == shown("all")


def test_adding_a_task_with_every_field(web, user):
    response = post(web, "/tasks/new/", {"title": " Book dentist ", "description": "before June", "priority": "high", "due_date": "2027-05-20", "show": "pending"})
    assert response.status_code == 302 and response["Location"] == "/tasks/?show=pending"
    task = Task.objects.get(owner=user)
    assert (task.title, task.description, task.priority, task.due_date.isoformat()) == ("Book dentist", "before June", "high", "2027-05-20")
    assert "Added" in web.get("/tasks/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "   "}, "This field is required."),
        ({"title": "x" * 256}, "at most 255 characters"),
        ({"title": "ok", "description": "d" * 4001}, "at most 4000 characters"),
        ({"title": "ok", "priority": "urgent"}, "Select a valid choice"),
        ({"title": "ok", "due_date": "someday"}, "Enter a valid date"),
    ],
)
def test_adding_a_bad_task_shows_the_error_and_saves_nothing(web, data, message):
    response = post(web, "/tasks/new/", {"priority": "medium", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Task.objects.exists()


def test_completing_and_reopening_a_task(web, user):
    task = make_task(user, "Toggle me")
    assert post(web, f"/tasks/{task.pk}/toggle/").status_code == 302
    task.refresh_from_db()
    assert task.completed and task.completed_at is not None
    post(web, f"/tasks/{task.pk}/toggle/")
    task.refresh_from_db()
    assert not task.completed and task.completed_at is None


def test_the_complete_button_posts_the_state_asked_for_so_a_double_click_does_not_undo_it(web, user):
    task = make_task(user, "Pay rent")
    page = web.get("/tasks/").content.decode()
    form = page[page.index(f'action="/tasks/{task.pk}/toggle/"'):]
    form = form[: form.index("</form>")]
    assert 'name="completed" value="true"' in form

    for _ in range(2):  # the same form sent twice, as a double click would
        assert post(web, f"/tasks/{task.pk}/toggle/", {"completed": "true"}).status_code == 302
    task.refresh_from_db()
    assert task.completed

    assert 'name="completed" value="false"' in web.get("/tasks/?show=all").content.decode()
    post(web, f"/tasks/{task.pk}/toggle/", {"completed": "false"})
    task.refresh_from_db()
    assert not task.completed


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_a_complete_button_post_with_a_bad_state_is_refused_and_changes_nothing(web, user, value):
    task = make_task(user, "Pay rent")
    response = post(web, f"/tasks/{task.pk}/toggle/", {"completed": value})
    assert response.status_code == 400 and b"completed must be true or false" in response.content
    task.refresh_from_db()
    assert not task.completed


def test_a_long_list_is_paged_on_each_tab_with_a_constant_number_of_queries(web, user, django_assert_max_num_queries):
    from tasks.views import PAGE_SIZE

    Task.objects.bulk_create(Task(owner=user, title=f"Errand {n}", completed=n % 3 == 0) for n in range(PAGE_SIZE + 10))
    pending = sum(1 for n in range(PAGE_SIZE + 10) if n % 3)

    with django_assert_max_num_queries(6):  # session, user, the tab counts, one page, its labels, the label filter
        first = web.get("/tasks/").content.decode()
    assert first.count('class="task-title"') == PAGE_SIZE and "Page 1 of 2" in first
    last = web.get("/tasks/?page=2").content.decode()
    assert last.count('class="task-title"') == 10 and "Page 2 of 2" in last

    pending_page = web.get("/tasks/?show=pending").content.decode()
    assert pending_page.count('class="task-title"') == pending and "Page 1 of" not in pending_page


def test_editing_a_task(web, user):
    task = make_task(user, "Old", priority="low")
    page = web.get(f"/tasks/{task.pk}/edit/")
    assert page.status_code == 200 and 'value="Old"' in page.content.decode()
    response = post(web, f"/tasks/{task.pk}/edit/", {"title": "New", "priority": "high", "description": "", "due_date": ""}, page=f"/tasks/{task.pk}/edit/")
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority) == ("New", "high")


def test_an_invalid_edit_shows_the_error_and_changes_nothing(web, user):
    task = make_task(user, "Keep")
    response = post(web, f"/tasks/{task.pk}/edit/", {"title": "", "priority": "high"}, page=f"/tasks/{task.pk}/edit/")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Keep", "medium")


def test_deleting_a_task(web, user):
    task = make_task(user, "Doomed")
    assert post(web, f"/tasks/{task.pk}/delete/").status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()


def test_after_a_delete_the_list_offers_undo_once_and_the_undo_brings_the_task_back(web, user):
    task = make_task(user, "Doomed", description="keep me", priority="high")
    before = Task.objects.filter(pk=task.pk).values().get()
    post(web, f"/tasks/{task.pk}/delete/", {"show": "pending"})

    html = web.get("/tasks/?show=pending").content.decode()
    assert "Deleted “Doomed”." in html
    undo_url = re.search(r'action="(/tasks/activity/\d+/undo/)"', html).group(1)
    assert "Deleted “Doomed”." not in web.get("/tasks/").content.decode()  # shown once

    response = post(web, undo_url, {"scope": "entry", "next": "/tasks/?show=pending"})
    assert response.status_code == 302 and response["Location"] == "/tasks/?show=pending"
    assert Task.objects.filter(pk=task.pk).values().get() == before


def test_the_page_script_deletes_with_json_naming_the_change_to_undo(web, user, api_client):
    task = make_task(user, "Doomed")
    response = web.post(
        f"/tasks/{task.pk}/delete/", {"csrfmiddlewaretoken": form_token(web.get("/tasks/").content.decode())}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["detail"] == "Deleted “Doomed”." and body["title"] == "Doomed"
    assert not Task.objects.filter(pk=task.pk).exists()
    # The change it names is the page's delete, and the API's undo of it brings the task back.
    change = api_client.get(f"/api/activity/{body['change_id']}/").json()
    assert (change["action"], change["door"], change["task_id"]) == ("deleted", "page", task.pk)
    assert api_client.post(f"/api/activity/{body['change_id']}/undo/", {"scope": "entry"}, format="json").status_code == 200
    assert Task.objects.filter(pk=task.pk, title="Doomed").exists()


def test_a_paged_list_shows_page_links_and_no_template_comment(web, user):
    from tasks.views import PAGE_SIZE

    Task.objects.bulk_create(Task(owner=user, title=f"Errand {n}") for n in range(PAGE_SIZE + 1))
    html = web.get("/tasks/").content.decode()
    assert "Page 1 of 2" in html
    assert "{#" not in html and "#}" not in html


@pytest.mark.parametrize("action", ["edit", "toggle", "delete"])
def test_another_users_task_is_not_found_on_every_page_and_unchanged(web, other_user, action):
    theirs = make_task(other_user, "Secret")
    before = Task.objects.filter(pk=theirs.pk).values().get()
    assert web.get(f"/tasks/{theirs.pk}/edit/").status_code == 404
    response = post(web, f"/tasks/{theirs.pk}/{action}/", {"title": "hacked", "priority": "low"})
    assert response.status_code == 404
    assert Task.objects.filter(pk=theirs.pk).values().get() == before


# A form posted without its CSRF token: todo_project/tests/security/test_csrf.py.


def test_every_form_on_the_pages_carries_a_csrf_token(web, user):
    make_task(user, "Something")
    for url in ("/tasks/", f"/tasks/{Task.objects.get().pk}/edit/"):
        html = web.get(url).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
        assert forms
        for form in forms:
            assert "csrfmiddlewaretoken" in form


def test_changing_pages_only_accept_post(web, user):
    task = make_task(user, "Stay")
    for url in ("/tasks/new/", f"/tasks/{task.pk}/toggle/", f"/tasks/{task.pk}/delete/"):
        assert web.get(url).status_code == 405
    assert Task.objects.filter(pk=task.pk, completed=False).exists()


def shown_titles(client: Client, query: str = "") -> list[str]:
    html = client.get(f"/tasks/{query}").content.decode()
    return re.findall(r'<span class="task-title">([^<]+)</span>', html)


def test_the_list_shows_overdue_tasks_first_then_by_due_date_then_undated_then_done(web, user):
    today = timezone.localdate()
    make_task(user, "Undated")
    make_task(user, "Next week", due_date=today + timedelta(days=7))
    make_task(user, "Done", completed=True)
    make_task(user, "Two days late", due_date=today - timedelta(days=2))
    make_task(user, "Due today", due_date=today)
    assert shown_titles(web) == ["Two days late", "Due today", "Next week", "Undated", "Done"]
    html = web.get("/tasks/").content.decode()
    assert "Overdue · " in html


def test_today_upcoming_and_overdue_views(web, user, other_user):
    today = timezone.localdate()
    make_task(user, "Late", due_date=today - timedelta(days=1))
    make_task(user, "Now", due_date=today)
    make_task(user, "Soon", due_date=today + timedelta(days=2))
    make_task(user, "Sometime")
    make_task(user, "Done today", due_date=today, completed=True)
    make_task(other_user, "Theirs today", due_date=today)

    assert shown_titles(web, "?show=today") == ["Late", "Now"]
    assert shown_titles(web, "?show=upcoming") == ["Now", "Soon"]
    assert shown_titles(web, "?show=overdue") == ["Late"]
    html = web.get("/tasks/?show=upcoming").content.decode()
    # Upcoming is grouped by day, today's group named so.
    headings = re.findall(r'<h2 class="day-heading">([^<]+)</h2>', html)
    assert headings == ["Today", (today + timedelta(days=2)).strftime("%A %-d %B")]
    assert 'class="due"' not in html  # the day's heading says it once
    # Each view's tab counts what it shows.
    assert re.search(r'\?show=today"[^>]*>Today <span class="count">2</span>', html)
    assert re.search(r'\?show=upcoming"[^>]*>Upcoming <span class="count">2</span>', html)


def test_the_search_box_finds_tasks_by_their_words_within_the_view(web, user, other_user):
    make_task(user, "Buy oat milk")
    make_task(user, "Call the bank", description="about the milk bill")
    make_task(user, "Milk the cow", completed=True)
    make_task(user, "Water the plants")
    make_task(other_user, "Mallory's milk")
    # Newest first among the undated; done ones last.
    assert shown_titles(web, "?q=milk") == ["Call the bank", "Buy oat milk", "Milk the cow"]
    assert shown_titles(web, "?show=pending&q=milk") == ["Call the bank", "Buy oat milk"]
    html = web.get("/tasks/?q=nothing-like-it").content.decode()
    assert "No tasks match “nothing-like-it”" in html
    assert 'name="q" value="nothing-like-it"' in html


def test_the_list_shows_no_task_numbers_and_offers_edit_and_delete_as_labelled_actions(web, user):
    task = make_task(user, "Book dentist")
    html = web.get("/tasks/").content.decode()
    assert f"#{task.id}" not in html
    assert 'aria-label="Edit Book dentist"' in html and 'aria-label="Delete Book dentist"' in html


def test_the_tasks_page_hands_its_script_the_live_socket_and_task_url_and_has_no_inline_code(web):
    html = web.get("/tasks/").content.decode()
    config = re.search(r'<script id="tasks-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert '"socket": "/ws/chat/"' in config and '"task": "/api/tasks/{id}/"' in config
    assert '<script type="module" src="/static/js/tasks/main.js">' in html
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert 'type="application/json"' in attributes or (" src=" in attributes and not body.strip()), attributes


def test_every_page_names_its_favicon(web):
    html = web.get("/tasks/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert Client().get("/static/favicon.svg").status_code == 200


def test_the_browsable_api_form_starts_on_medium_priority(web):
    html = web.get("/api/tasks/", HTTP_ACCEPT="text/html").content.decode()
    selected = re.findall(r'<option value="(\w+)"\s+selected', html)
    assert selected == ["medium"]


def test_the_edit_page_shows_a_repeat_from_completion_in_words_and_keeps_it_through_a_save(web, user):
    task = services.task_create(owner=user, title="Water plants", recurrence="every! 3 days")
    page = web.get(f"/tasks/{task.pk}/edit/").content.decode()
    assert 'value="every 3 days after it is done"' in page
    response = post(
        web, f"/tasks/{task.pk}/edit/",
        {"title": "Water the plants", "priority": "medium", "description": "", "due_date": task.due_date.isoformat(),
         "recurrence": "every 3 days after it is done", "labels": ""},
        page=f"/tasks/{task.pk}/edit/",
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.recurrence, task.recurrence_from_completion) == ("Water the plants", "FREQ=DAILY;INTERVAL=3", True)
    # Typing plain "every 3 days" there makes it count from the due date.
    post(
        web, f"/tasks/{task.pk}/edit/",
        {"title": "Water the plants", "priority": "medium", "description": "", "due_date": task.due_date.isoformat(),
         "recurrence": "every 3 days", "labels": ""},
        page=f"/tasks/{task.pk}/edit/",
    )
    task.refresh_from_db()
    assert task.recurrence_from_completion is False
