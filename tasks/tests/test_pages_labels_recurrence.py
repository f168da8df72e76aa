"""The tasks page without JavaScript: quick add, label chips and filter, repeats on the forms."""

import pytest
from django.utils import timezone

from core.tests.pages import form_post as post
from tasks.labels import task_label_names
from tasks.models import Task
from tasks.selectors import task_get
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_quick_add_posts_and_the_server_reads_the_line(web, user):
    response = post(web, "/tasks/quick-add/", {"text": "water the plants every 3 days #home !high"})
    assert response.status_code == 302
    task = Task.objects.get(owner=user)
    assert (task.title, task.recurrence, task.priority, task.due_date) == ("Water the plants", "FREQ=DAILY;INTERVAL=3", "high", timezone.localdate())
    assert task_label_names(task) == ["home"]


def test_quick_add_that_cannot_be_read_shows_why_and_saves_nothing(web, user):
    response = post(web, "/tasks/quick-add/", {"text": "#home !high"})
    assert response.status_code == 400
    assert "needs a title" in response.content.decode()
    assert not Task.objects.exists()


def test_the_list_shows_label_chips_and_repeats_and_filters_by_label(web, user):
    make_task(user, "Water the plants", labels=["home"], recurrence="every 3 days")
    make_task(user, "Write slides", labels=["work"])
    page = web.get("/tasks/").content.decode()
    assert "#home" in page and "#work" in page and "↻ every 3 days" in page

    home = web.get("/tasks/?label=home").content.decode()
    assert "Water the plants" in home and "Write slides" not in home
    assert "Tasks labelled #home" in home


def test_another_users_label_filters_to_nothing(web, user, other_user):
    make_task(other_user, "Their plan", labels=["secret"])
    page = web.get("/tasks/?label=secret").content.decode()
    assert "Their plan" not in page and "No tasks labelled #secret." in page


def test_the_edit_form_sets_labels_and_stops_a_repeat(web, user):
    task = make_task(user, "Bins", recurrence="every tuesday", labels=["home"])
    due = task.due_date
    response = post(
        web, f"/tasks/{task.pk}/edit/",
        {"title": "Bins", "description": "", "priority": "medium", "due_date": due.isoformat(), "recurrence": "", "labels": "home, chores"},
        page=f"/tasks/{task.pk}/edit/",
    )
    assert response.status_code == 302
    task = task_get(user=user, task_id=task.pk)
    assert task.recurrence == "" and task.due_date == due
    assert task_label_names(task) == ["chores", "home"]


def test_the_edit_form_says_what_repeat_it_could_not_read(web, user):
    task = make_task(user, "Bins")
    response = post(
        web, f"/tasks/{task.pk}/edit/",
        {"title": "Bins", "description": "", "priority": "medium", "due_date": "", "recurrence": "every blue moon", "labels": ""},
        page=f"/tasks/{task.pk}/edit/",
    )
    assert response.status_code == 400 and "blue moon" in response.content.decode()


def test_ticking_off_a_repeating_task_on_the_page_moves_it_and_keeps_it_open(web, user):
    task = make_task(user, "Bins", recurrence="every tuesday")
    first = task.due_date
    post(web, f"/tasks/{task.pk}/toggle/", {"completed": "true"})
    task.refresh_from_db()
    assert not task.completed and (task.due_date - first).days == 7
