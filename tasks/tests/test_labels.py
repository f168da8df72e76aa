"""Labels: per person, through the services, the API and the journal."""

from datetime import date

import pytest

from tasks import labels, services, undo
from tasks.models import Label, TaskChange, TaskLabel
from tasks.selectors import task_get, task_list
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db


def test_unknown_label_names_are_created_for_that_user_and_matched_in_any_case(user, other_user):
    services.task_create(owner=other_user, title="Theirs", labels=["work"])
    task = services.task_create(owner=user, title="Report", labels=["Work", "#home", "work"])

    assert labels.task_label_names(task) == ["home", "Work"]
    again = services.task_create(owner=user, title="Email", labels=["WORK"])
    assert labels.task_label_names(again) == ["Work"]
    assert Label.objects.filter(owner=user).count() == 2
    assert Label.objects.filter(owner=other_user).count() == 1  # the same name for two people is two labels


def test_setting_labels_is_journalled_and_undo_puts_them_back(user):
    task = services.task_create(owner=user, title="Report", labels=["work"])
    services.task_update(user=user, task_id=task.pk, add_labels=["urgent"], remove_labels=["WORK"])
    assert labels.task_label_names(task_get(user=user, task_id=task.pk)) == ["urgent"]
    change = TaskChange.objects.filter(task_id=task.pk).order_by("-id").first()
    assert change.before["labels"] == ["work"] and change.after["labels"] == ["urgent"]

    undo.change_undo(user=user, change_id=change.pk)

    assert labels.task_label_names(task_get(user=user, task_id=task.pk)) == ["work"]


def test_a_deleted_task_comes_back_with_its_labels_on_undo(user):
    task = services.task_create(owner=user, title="Report", labels=["work", "q4"])
    services.task_delete(user=user, task_id=task.pk)
    assert not TaskLabel.objects.filter(task_id=task.pk).exists()

    undo.change_undo(user=user, change_id=TaskChange.objects.get(task_id=task.pk, action="deleted").pk)

    assert labels.task_label_names(task_get(user=user, task_id=task.pk)) == ["q4", "work"]


def test_undoing_a_bulk_delete_brings_back_each_tasks_own_labels_even_a_label_deleted_since(user):
    services.task_create(owner=user, title="Report", labels=["work", "q4"])
    services.task_create(owner=user, title="Bins", labels=["Home"])
    services.task_create(owner=user, title="Plain")
    services.task_delete_all(user=user)
    Label.objects.filter(owner=user, name="q4").delete()  # gone in the meantime: made again

    batch = TaskChange.objects.filter(owner=user, action="deleted").first().batch
    undo.batch_undo(user=user, batch=batch)

    back = {t.title: labels.task_label_names(t) for t in task_list(user=user)}
    assert back == {"Report": ["q4", "work"], "Bins": ["Home"], "Plain": []}
    assert sorted(Label.objects.filter(owner=user).values_list("name", flat=True)) == ["Home", "q4", "work"]


def test_deleting_a_label_takes_it_off_its_tasks_and_journals_each(user):
    one = services.task_create(owner=user, title="One", labels=["work", "home"])
    two = services.task_create(owner=user, title="Two", labels=["work"])
    label = Label.objects.get(owner=user, name="work")

    assert sorted(labels.label_delete(user=user, label_id=label.pk)) == sorted([one.pk, two.pk])

    assert labels.task_label_names(task_get(user=user, task_id=one.pk)) == ["home"]
    assert labels.task_label_names(task_get(user=user, task_id=two.pk)) == []
    entries = TaskChange.objects.filter(owner=user, action="updated").order_by("id")
    assert [e.after["labels"] for e in entries] == [["home"], []]
    assert len({e.batch for e in entries}) == 1


def test_another_users_label_is_not_found(user, other_user):
    theirs = labels.label_create(user=other_user, name="secret")
    with pytest.raises(labels.LabelNotFound):
        labels.label_update(user=user, label_id=theirs.pk, name="mine")
    with pytest.raises(labels.LabelNotFound):
        labels.label_delete(user=user, label_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.name == "secret"


@pytest.mark.parametrize("name", ["", "   ", "#", "a,b", "x" * 41, "two  #tags"])
def test_a_bad_label_name_is_refused(user, name):
    with pytest.raises(labels.LabelError):
        services.task_create(owner=user, title="Report", labels=[name])
    assert not Label.objects.exists()


# --- the API ---


def test_api_task_json_takes_labels_and_a_recurrence_phrase(api_client):
    response = api_client.post(
        "/api/tasks/", {"title": "Water the plants", "recurrence": "every 3 days", "labels": ["home"], "due_date": "2027-01-10"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recurrence"] == "FREQ=DAILY;INTERVAL=3"
    assert body["recurrence_text"] == "every 3 days"
    assert body["labels"] == ["home"]
    assert body["due_date"] == "2027-01-10"


def test_api_patch_completed_on_a_repeating_task_moves_it_and_keeps_it_open(api_client):
    task = api_client.post("/api/tasks/", {"title": "Bins", "recurrence": "FREQ=WEEKLY;BYDAY=TU", "due_date": "2030-01-01"}, format="json").json()
    response = api_client.patch(f"/api/tasks/{task['id']}/", {"completed": True}, format="json")
    assert response.status_code == 200
    assert response.json()["completed"] is False and response.json()["due_date"] == "2030-01-08"


def test_api_a_phrase_it_cannot_read_is_a_400_that_says_what(api_client):
    response = api_client.post("/api/tasks/", {"title": "Bins", "recurrence": "every blue moon"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_recurrence" and "blue moon" in body["detail"]


def test_api_label_filter_requires_every_label(api_client, user):
    both = make_task(user, "Both", labels=["work", "urgent"])
    make_task(user, "Work only", labels=["work"])
    make_task(user, "Neither")

    work = api_client.get("/api/tasks/?label=WORK").json()
    assert sorted(t["title"] for t in work["results"]) == ["Both", "Work only"]
    assert [t["id"] for t in api_client.get("/api/tasks/?label=work&label=urgent").json()["results"]] == [both.pk]
    assert api_client.get("/api/tasks/?label=nosuch").json()["count"] == 0


def test_api_label_filter_with_other_filters_counts_every_match_past_the_first_page(api_client, user, other_user):
    for n in range(5):
        make_task(user, f"Open both {n}", labels=["work", "home"])
    done = make_task(user, "Done both", labels=["work", "home"])
    services.task_complete(user=user, task_id=done.pk)
    make_task(user, "Open work only", labels=["work"])
    make_task(other_user, "Theirs", labels=["work", "home"])

    page = api_client.get("/api/tasks/?label=work&label=home&completed=false&limit=2").json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]
    assert api_client.get("/api/tasks/?label=work&completed=false&limit=2").json()["count"] == 6
    assert api_client.get("/api/tasks/?label=home&completed=true&limit=2").json()["count"] == 1


def test_api_label_filter_never_matches_another_users_label(api_client, other_user):
    make_task(other_user, "Theirs", labels=["work"])
    assert api_client.get("/api/tasks/?label=work").json()["count"] == 0


def test_api_labels_list_create_rename_delete(api_client, user):
    make_task(user, "Report", labels=["work"])
    listed = api_client.get("/api/labels/").json()
    assert [(label["name"], label["task_count"]) for label in listed] == [("work", 1)]

    created = api_client.post("/api/labels/", {"name": "Home", "colour": "#00AA00"}, format="json")
    assert created.status_code == 201 and created.json()["colour"] == "#00aa00"
    clash = api_client.post("/api/labels/", {"name": "home"}, format="json")
    assert clash.status_code == 400 and clash.json()["code"] == "label_exists"

    work_id = listed[0]["id"]
    renamed = api_client.patch(f"/api/labels/{work_id}/", {"name": "job"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "job"
    assert api_client.get("/api/tasks/?label=job").json()["count"] == 1

    assert api_client.delete(f"/api/labels/{work_id}/").status_code == 204
    assert api_client.get("/api/tasks/").json()["results"][0]["labels"] == []


def test_api_another_users_label_is_404(api_client, other_user):
    theirs = labels.label_create(user=other_user, name="secret")
    assert api_client.patch(f"/api/labels/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api_client.delete(f"/api/labels/{theirs.pk}/").status_code == 404
    assert Label.objects.filter(pk=theirs.pk, name="secret").exists()


def test_api_quick_add_preview_saves_nothing_and_quick_add_creates(api_client, user):
    text = "pay rent every month on the 1st #home !high"
    preview = api_client.post("/api/tasks/quick-add/preview/", {"text": text}, format="json")
    assert preview.status_code == 200
    body = preview.json()
    assert body["title"] == "Pay rent" and body["labels"] == ["home"] and body["priority"] == "high"
    assert body["recurrence_text"] == "every month on the 1st" and body["due_date"].endswith("-01")
    assert not Label.objects.exists()

    created = api_client.post("/api/tasks/quick-add/", {"text": text}, format="json")
    assert created.status_code == 201
    task = created.json()
    assert (task["title"], task["labels"], task["priority"], task["recurrence"]) == ("Pay rent", ["home"], "high", "FREQ=MONTHLY;BYMONTHDAY=1")
    assert task["due_date"] == body["due_date"]


def test_api_quick_add_without_a_title_is_a_400(api_client):
    response = api_client.post("/api/tasks/quick-add/", {"text": "#home !high tomorrow"}, format="json")
    assert response.status_code == 400 and "title" in str(response.json())


def test_task_counts_of_a_list_with_labels_do_not_grow_with_the_page(api_client, user, django_assert_max_num_queries):
    for n in range(30):
        make_task(user, f"Task {n}", labels=["work", f"l{n % 3}"], due_date=date(2027, 1, 1))
    with django_assert_max_num_queries(8):
        body = api_client.get("/api/tasks/?limit=30").json()
    assert all("work" in t["labels"] for t in body["results"])


def test_api_label_filter_counts_a_full_page_right(api_client, user, other_user):
    for n in range(5):
        make_task(user, f"Work {n}", labels=["work", "urgent"] if n % 2 else ["work"])
    make_task(user, "Home", labels=["home"])
    make_task(other_user, "Theirs", labels=["work"])
    assert api_client.get("/api/tasks/?label=work&limit=2").json()["count"] == 5
    assert api_client.get("/api/tasks/?label=work&label=urgent&limit=1").json()["count"] == 2
    assert api_client.get("/api/tasks/?label=work&completed=false&limit=2").json()["count"] == 5


def test_api_quick_add_with_a_title_too_long_is_a_400_that_says_so_and_saves_nothing(api_client, user):
    response = api_client.post("/api/tasks/quick-add/", {"text": "x" * 300 + " #home tomorrow"}, format="json")
    assert response.status_code == 400 and "300 characters" in str(response.json()["text"])
    preview = api_client.post("/api/tasks/quick-add/preview/", {"text": "x" * 300}, format="json").json()
    assert "300 characters" in preview["problems"][0]
    assert api_client.get("/api/tasks/").json()["count"] == 0
