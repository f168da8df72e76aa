"""The Activity page, a task's history on its edit page, and undo from them."""

import pytest
from django.urls import reverse

from tasks.models import Task, TaskChange
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client, user):
    client.force_login(user)
    return client


def test_page_writes_are_journalled_as_the_page_door(page_client, user):
    page_client.post(reverse("tasks:create"), {"title": "Buy milk", "priority": "medium"})
    task = Task.objects.get(owner=user)
    page_client.post(reverse("tasks:toggle", args=[task.pk]), {"completed": "true"})

    assert [c.describe() for c in TaskChange.objects.filter(owner=user)] == [
        "Page · completed “Buy milk”",
        "Page · created “Buy milk”",
    ]


def test_activity_page_lists_changes_in_plain_words_and_hides_other_users(page_client, user, other_user):
    make_task(user, "Buy milk")
    make_task(other_user, "Mallory's secret")

    html = page_client.get(reverse("tasks:activity")).content.decode()

    assert "API · created “Buy milk”" in html
    assert "secret" not in html


def test_undo_from_the_activity_page_brings_a_deleted_task_back(page_client, user):
    task = make_task(user, "Buy milk")
    page_client.post(reverse("tasks:delete", args=[task.pk]))
    deletion = TaskChange.objects.get(owner=user, action="deleted")

    response = page_client.post(reverse("tasks:activity-undo", args=[deletion.pk]), {"scope": "entry"}, follow=True)

    assert Task.objects.filter(pk=task.pk, title="Buy milk").exists()
    assert "Undone: brought back “Buy milk”." in response.content.decode()


def test_a_conflicting_undo_from_the_page_says_which_task_and_changes_nothing(page_client, user):
    task = make_task(user, "Buy milk")
    created = TaskChange.objects.get(owner=user)
    page_client.post(reverse("tasks:edit", args=[task.pk]), {"title": "Buy oat milk", "priority": "medium"})

    response = page_client.post(reverse("tasks:activity-undo", args=[created.pk]), follow=True)

    assert "“Buy oat milk” changed since" in response.content.decode()
    assert Task.objects.filter(pk=task.pk).exists()


def test_undo_of_another_users_change_from_the_page_is_404(page_client, other_user):
    task = make_task(other_user, "Theirs")
    change = TaskChange.objects.get(owner=other_user)

    response = page_client.post(reverse("tasks:activity-undo", args=[change.pk]))

    assert response.status_code == 404
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_edit_page_shows_the_tasks_history(page_client, user):
    task = make_task(user, "Buy milk")
    page_client.post(reverse("tasks:edit", args=[task.pk]), {"title": "Buy oat milk", "priority": "high"})
    make_task(user, "Something else")

    html = page_client.get(reverse("tasks:edit", args=[task.pk])).content.decode()

    assert "Page · updated “Buy oat milk”" in html and "API · created “Buy milk”" in html
    assert "Something else" not in html


def test_undo_redirects_only_to_this_site(page_client, user):
    make_task(user, "Buy milk")
    change = TaskChange.objects.get(owner=user)
    response = page_client.post(reverse("tasks:activity-undo", args=[change.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("tasks:activity")


def test_a_long_activity_is_paged_and_the_links_keep_the_door_filter(page_client, user):
    from tasks.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 3):
        make_task(user, f"Errand {n}")

    first = page_client.get(reverse("tasks:activity") + "?door=api").content.decode()
    last = page_client.get(reverse("tasks:activity") + "?door=api&page=2").content.decode()

    assert 'href="?door=api&amp;page=2"' in first and "Page 1 of 2" in first
    assert last.count('class="change"') == 3
    assert '&amp;page=2"' in page_client.get(reverse("tasks:list") + "?show=all").content.decode()
