"""The admin for support staff and superusers: task lists that help find things; writes via services."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tasks.models import Task
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "r00t-Strong-pass")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def support(db):
    call_command("create_support_user", "helen", "--password", "h3len-Strong-pass")
    client = Client()
    client.force_login(get_user_model().objects.get(username="helen"))
    return client


def test_the_task_list_has_columns_filters_search_and_dates(admin, user, other_user):
    make_task(user, "Alice's chore", priority="high", due_date=date(2027, 1, 5))
    make_task(other_user, "Mallory's plan", completed=True)
    html = admin.get("/admin/tasks/task/").content.decode()
    # Newest first.
    assert html.index("Mallory&#x27;s plan") < html.index("Alice&#x27;s chore")
    for column in ("column-title", "column-owner", "column-priority", "column-due_date", "column-completed", "column-created_at"):
        assert column in html
    assert "By completed" in html and "By priority" in html and "By due date" in html
    assert "By created at" in html
    assert "Alice&#x27;s chore" in html and "Mallory&#x27;s plan" in html


def test_the_task_list_searches_titles_and_usernames_and_filters(admin, user, other_user):
    make_task(user, "Buy milk")
    make_task(other_user, "Plot something", priority="high")
    by_user = admin.get("/admin/tasks/task/?q=mallory").content.decode()
    assert "Plot something" in by_user and "Buy milk" not in by_user
    by_title = admin.get("/admin/tasks/task/?q=milk").content.decode()
    assert "Buy milk" in by_title and "Plot something" not in by_title
    high = admin.get("/admin/tasks/task/?priority__exact=high").content.decode()
    assert "Plot something" in high and "Buy milk" not in high


def test_an_admin_edit_goes_through_the_services(admin, user, monkeypatch):
    from tasks import services

    calls = []
    original = services.task_update
    monkeypatch.setattr(services, "task_update", lambda **kw: calls.append(kw) or original(**kw))
    task = make_task(user, "Old")
    response = admin.post(
        f"/admin/tasks/task/{task.pk}/change/",
        {"title": "  New title  ", "description": "", "priority": "high", "due_date": "", "completed": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert (task.title, task.priority, task.completed) == ("New title", "high", True)
    assert task.completed_at is not None  # set by the service, not by the form
    assert calls and calls[0]["user"] == user


def test_an_admin_can_add_a_task_for_a_user(admin, user):
    response = admin.post(
        "/admin/tasks/task/add/",
        {"owner": user.pk, "title": " Added by support ", "description": "", "priority": "low", "due_date": ""},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.title, task.priority) == (user, "Added by support", "low")


def test_the_owner_of_an_existing_task_cannot_be_changed(admin, user, other_user):
    task = make_task(user, "Mine")
    admin.post(
        f"/admin/tasks/task/{task.pk}/change/",
        {"owner": other_user.pk, "title": "Mine", "description": "", "priority": "medium", "due_date": ""},
    )
    task.refresh_from_db()
    assert task.owner == user


def test_an_admin_delete_goes_through_the_services(admin, user):
    task = make_task(user, "Doomed")
    response = admin.post(f"/admin/tasks/task/{task.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Task.objects.exists()


def test_support_can_see_tasks_but_not_change_add_or_delete_them(support, user):
    task = make_task(user, "Look, don't touch")
    assert support.get("/admin/tasks/task/").status_code == 200
    page = support.get(f"/admin/tasks/task/{task.pk}/change/")
    assert page.status_code == 200
    assert "Look, don&#x27;t touch" in page.content.decode()
    assert 'name="title"' not in page.content.decode()  # read-only view, no inputs
    response = support.post(f"/admin/tasks/task/{task.pk}/change/", {"title": "changed", "priority": "low"})
    assert response.status_code == 403
    assert support.post("/admin/tasks/task/add/", {"owner": user.pk, "title": "x"}).status_code == 403
    assert support.post(f"/admin/tasks/task/{task.pk}/delete/", {"post": "yes"}).status_code == 403
    task.refresh_from_db()
    assert task.title == "Look, don't touch"
    assert Task.objects.count() == 1


def test_support_sees_a_tasks_changes_on_its_page_read_only(support, user):
    from tasks import services
    from tasks.journal import ChangeSource
    from tasks.models import Door

    task = make_task(user, "Buy milk")
    services.task_complete(user=user, task_id=task.pk, source=ChangeSource(door=Door.CHAT, message_id=41))

    html = support.get(f"/admin/tasks/task/{task.pk}/change/").content.decode()

    assert "Changes (the latest 50)" in html
    assert "Chat · completed “Buy milk”" in html and "message 41" in html
    # The journal's own list: readable, with no way to add, change or delete an entry.
    journal = support.get("/admin/tasks/taskchange/")
    assert journal.status_code == 200 and "Buy milk" in journal.content.decode()
    assert support.get("/admin/tasks/taskchange/add/").status_code == 403
    change_id = task.changes.order_by("id").first().pk
    assert support.post(f"/admin/tasks/taskchange/{change_id}/delete/", {"post": "yes"}).status_code == 403


def test_why_did_my_task_disappear_is_answered_in_the_admin(admin, user):
    from tasks import services

    task = make_task(user, "Pay rent")
    services.task_delete(user=user, task_id=task.pk)

    html = admin.get(f"/admin/tasks/taskchange/?q=alice").content.decode()

    assert "Pay rent" in html and "deleted" in html


def test_admin_writes_are_journalled_with_the_support_person_as_actor(admin, user):
    from tasks.models import TaskChange

    task = make_task(user, "Buy milk")
    admin.post(
        f"/admin/tasks/task/{task.pk}/change/",
        {"title": "Buy oat milk", "description": "", "priority": "medium", "due_date": "", "completed": "",
         "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"},
    )

    change = TaskChange.objects.filter(task_id=task.pk).order_by("-id").first()
    assert change.door == "admin" and change.action == "updated"
    assert change.actor.username == "root" and change.owner_id == user.pk


def test_support_sees_labels_and_repeats_and_filters_tasks_by_label(support, user, other_user):
    make_task(user, "Water the plants", labels=["home"], recurrence="every 3 days")
    make_task(other_user, "Write slides", labels=["work"])

    listed = support.get("/admin/tasks/task/").content.decode()
    assert "#home" in listed and "every 3 days" in listed

    home = support.get("/admin/tasks/task/?label=home").content.decode()
    assert "Water the plants" in home and "Write slides" not in home


def test_support_can_read_labels_but_not_change_or_delete_them(support, user):
    from tasks.labels import label_create
    from tasks.models import Label

    label = label_create(user=user, name="home")
    assert support.get("/admin/tasks/label/").status_code == 200
    assert "home" in support.get(f"/admin/tasks/label/{label.pk}/change/").content.decode()
    assert support.post(f"/admin/tasks/label/{label.pk}/change/", {"name": "x"}).status_code == 403
    assert support.post(f"/admin/tasks/label/{label.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Label.objects.get(pk=label.pk).name == "home"
