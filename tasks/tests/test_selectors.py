import re
from datetime import date, timedelta

import pytest
from django.db import connection

from tasks import labels, selectors, services
from tasks.models import Task
from tasks.selectors import TaskFilters, TaskNotFound
from tasks.tests.factories import make_task

pytestmark = pytest.mark.django_db

TODAY = date(2027, 6, 15)


def titles(tasks) -> list[str]:
    return [task.title for task in tasks]


def test_task_get_returns_the_users_own_task(user):
    task = make_task(user, "Mine")
    assert selectors.task_get(user=user, task_id=task.pk) == task
    assert selectors.task_get(user=user, task_id=str(task.pk)) == task


def test_task_get_hides_other_users_tasks_exactly_like_missing_ones(user, other_user):
    theirs = make_task(other_user, "Secret")
    with pytest.raises(TaskNotFound) as hidden:
        selectors.task_get(user=user, task_id=theirs.pk)
    with pytest.raises(TaskNotFound) as missing:
        selectors.task_get(user=user, task_id=theirs.pk + 1000)
    assert str(hidden.value) == f"No task {theirs.pk}"
    assert str(missing.value) == f"No task {theirs.pk + 1000}"


NOT_IDS = ["abc", "", None, 7.5, True, -1, 0, 2**70, "1e3", [1]]


@pytest.mark.parametrize("task_id", NOT_IDS)
def test_task_get_treats_anything_that_is_not_an_id_as_not_found(user, task_id):
    make_task(user)
    with pytest.raises(TaskNotFound):
        selectors.task_get(user=user, task_id=task_id)


@pytest.mark.parametrize("raw_id", NOT_IDS)
def test_labels_and_journal_entries_treat_anything_that_is_not_an_id_as_not_found(user, raw_id):
    make_task(user, labels=["work"])
    with pytest.raises(labels.LabelNotFound):
        labels.label_get(user=user, label_id=raw_id)
    with pytest.raises(selectors.ChangeNotFound):
        selectors.change_get(user=user, change_id=raw_id)


def test_another_users_label_and_journal_entry_are_not_found(user, other_user):
    make_task(other_user, "Theirs", labels=["work"])
    label = labels.label_list_counted(user=other_user).get()
    entry = selectors.change_list(user=other_user).get()
    with pytest.raises(labels.LabelNotFound):
        labels.label_get(user=user, label_id=label.pk)
    with pytest.raises(selectors.ChangeNotFound):
        selectors.change_get(user=user, change_id=entry.pk)
    # Their own, by the id as a client sends it (a string in a URL), is found.
    assert labels.label_get(user=other_user, label_id=str(label.pk)) == label
    assert selectors.change_get(user=other_user, change_id=str(entry.pk)) == entry


def test_task_list_shows_only_the_users_tasks_newest_first(user, other_user):
    make_task(user, "first")
    make_task(other_user, "theirs")
    make_task(user, "second")
    assert titles(selectors.task_list(user=user)) == ["second", "first"]


def test_task_list_filters_by_completion(user):
    make_task(user, "open")
    make_task(user, "done", completed=True)
    assert titles(selectors.task_list(user=user, filters=TaskFilters(completed=True))) == ["done"]
    assert titles(selectors.task_list(user=user, filters=TaskFilters(completed=False))) == ["open"]


def test_task_list_filters_by_priority(user):
    make_task(user, "low", priority="low")
    make_task(user, "high", priority="high")
    assert titles(selectors.task_list(user=user, filters=TaskFilters(priority="high"))) == ["high"]


def test_task_list_search_looks_in_title_and_description_ignoring_case(user, other_user):
    make_task(user, "Buy MILK")
    make_task(user, "Shopping", description="eggs and milk")
    make_task(user, "Call mum")
    make_task(other_user, "milk for mallory")
    found = titles(selectors.task_list(user=user, filters=TaskFilters(search="milk")))
    assert sorted(found) == ["Buy MILK", "Shopping"]


def test_task_list_search_does_not_join_the_end_of_a_title_to_the_description(user):
    make_task(user, "Buy oat", description="milk from the corner shop")
    make_task(user, "Buy oat milk")
    for text in ("oat milk", "OAT MILK"):
        assert titles(selectors.task_list(user=user, filters=TaskFilters(search=text))) == ["Buy oat milk"], text
    assert titles(selectors.task_list(user=user, filters=TaskFilters(search="oat\nmilk"))) == []


def test_task_list_search_takes_percent_and_underscore_literally(user):
    make_task(user, "Save 50% on tyres")
    make_task(user, "Save 500 on tyres")
    make_task(user, "rename file_1")
    make_task(user, "rename file11")
    assert titles(selectors.task_list(user=user, filters=TaskFilters(search="50%"))) == ["Save 50% on tyres"]
    assert titles(selectors.task_list(user=user, filters=TaskFilters(search="file_1"))) == ["rename file_1"]


def test_task_list_search_finds_a_task_by_its_new_words_after_an_edit(user):
    # What search reads is stored by the database (Task.search_text); an edit must restore it.
    task = make_task(user, "Buy milk", description="semi-skimmed")
    services.task_update(user=user, task_id=task.pk, title="Buy bread", description="sourdough")
    for gone in ("milk", "skimmed"):
        assert titles(selectors.task_list(user=user, filters=TaskFilters(search=gone))) == [], gone
    for found in ("bread", "SOURDOUGH"):
        assert titles(selectors.task_list(user=user, filters=TaskFilters(search=found))) == ["Buy bread"], found


def test_task_list_search_matches_words_with_letters_beyond_ascii(user):
    make_task(user, "Renew the Straßenbahn pass")
    make_task(user, "Café with Zoë")
    assert titles(selectors.task_list(user=user, filters=TaskFilters(search="straße"))) == ["Renew the Straßenbahn pass"]
    assert titles(selectors.task_list(user=user, filters=TaskFilters(search="café with zoë"))) == ["Café with Zoë"]


def test_task_list_search_words_must_all_appear_somewhere(user):
    make_task(user, "Dentist", description="call to book a checkup")
    make_task(user, "Call mum")
    found = titles(selectors.task_list(user=user, filters=TaskFilters(search_words=("call", "dentist"))))
    assert found == ["Dentist"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram search index is PostgreSQL only")
def test_search_can_use_the_trigram_index(user):
    # The index is on the stored search_text (migration 0006); if the query stops comparing that
    # column as it is (say, wraps it in UPPER() again), or the index drifts from it, PostgreSQL
    # silently falls back to reading every one of the user's tasks. On a few
    # rows the planner prefers other plans anyway, so take those away (inside this test's
    # transaction). Dropping an index of the partitioned table drops it from every partition.
    make_task(user, "Send the invoice")
    query = selectors.task_list(user=user, filters=TaskFilters(search="invoice")).order_by().values("id")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'tasks_task' "
            "AND indexname NOT IN ('tasks_task_pkey', 'task_owner_search_trgm')"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        # The key (id, owner_id) can serve an owner filter too, by reading all of a small index.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks, or no ALTER
        cursor.execute("ALTER TABLE tasks_task DROP CONSTRAINT tasks_task_pkey")
        cursor.execute(
            "SELECT part.relname FROM pg_inherits JOIN pg_class part ON part.oid = inhrelid "
            "JOIN pg_class parent ON parent.oid = inhparent WHERE parent.relname = 'task_owner_search_trgm'"
        )
        search_indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    used = re.findall(r"Bitmap Index Scan on (\w+)", plan)
    assert used and set(used) <= search_indexes, plan
    assert "INVOICE" in plan.split("Index Cond")[-1], plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="tasks are partitioned by owner on PostgreSQL only")
@pytest.mark.parametrize(
    "filters",
    [TaskFilters(), TaskFilters(search="invoice"), TaskFilters(completed=False, ordering="due_date"), TaskFilters(overdue=True)],
    ids=["all", "search", "pending by due date", "overdue"],
)
def test_a_users_task_list_reads_only_their_partition(user, other_user, filters):
    # Migration 0005: each owner's tasks live in one of 32 partitions, and every read names the
    # owner, so PostgreSQL prunes the other 31. A query that lost its owner filter would scan all.
    make_task(user, "Send the invoice")
    make_task(other_user, "Their invoice")
    plan = selectors.task_list(user=user, filters=filters).explain()
    assert len(set(re.findall(r" on (tasks_task_p\d+)", plan))) == 1, plan


def test_task_list_due_before_and_after_include_the_day_itself(user):
    make_task(user, "june 1", due_date=date(2027, 6, 1))
    make_task(user, "june 15", due_date=date(2027, 6, 15))
    make_task(user, "july 1", due_date=date(2027, 7, 1))
    make_task(user, "no date")
    before = selectors.task_list(user=user, filters=TaskFilters(due_before=date(2027, 6, 15)))
    after = selectors.task_list(user=user, filters=TaskFilters(due_after=date(2027, 6, 15)))
    between = selectors.task_list(user=user, filters=TaskFilters(due_after=date(2027, 6, 2), due_before=date(2027, 6, 30)))
    assert sorted(titles(before)) == ["june 1", "june 15"]
    assert sorted(titles(after)) == ["july 1", "june 15"]
    assert titles(between) == ["june 15"]


def test_overdue_means_open_and_due_before_today(user):
    make_task(user, "late", due_date=date(2027, 6, 14))
    make_task(user, "late but done", due_date=date(2027, 6, 1), completed=True)
    make_task(user, "due today", due_date=TODAY)
    make_task(user, "no date")
    overdue = selectors.task_list(user=user, filters=TaskFilters(overdue=True), today=TODAY)
    not_overdue = selectors.task_list(user=user, filters=TaskFilters(overdue=False), today=TODAY)
    assert titles(overdue) == ["late"]
    assert sorted(titles(not_overdue)) == ["due today", "late but done", "no date"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["apple", "banana", "cherry"]),
        ("-title", ["cherry", "banana", "apple"]),
        ("priority", ["banana", "cherry", "apple"]),
        ("-priority", ["apple", "cherry", "banana"]),
        ("due_date", ["cherry", "apple", "banana"]),
        ("-due_date", ["apple", "cherry", "banana"]),
        ("created_at", ["banana", "apple", "cherry"]),
        ("-created_at", ["cherry", "apple", "banana"]),
    ],
)
def test_task_list_orders_by_each_supported_key(user, ordering, expected):
    make_task(user, "banana", priority="low")  # no due date: last whichever way dates are sorted
    make_task(user, "apple", priority="high", due_date=date(2027, 6, 20))
    make_task(user, "cherry", priority="medium", due_date=date(2027, 6, 10))
    assert titles(selectors.task_list(user=user, filters=TaskFilters(ordering=ordering))) == expected


def test_task_list_refuses_an_unknown_ordering(user):
    with pytest.raises(ValueError, match="Unknown ordering"):
        selectors.task_list(user=user, filters=TaskFilters(ordering="owner"))


def test_task_counts_match_the_page_filters(user, other_user):
    make_task(user, "open")
    make_task(user, "late", due_date=date(2027, 6, 1))
    make_task(user, "due now", due_date=TODAY)
    make_task(user, "later", due_date=TODAY + timedelta(days=3))
    make_task(user, "done", completed=True, due_date=TODAY)
    make_task(other_user, "theirs", due_date=TODAY)
    assert selectors.task_counts(user=user, today=TODAY) == {
        "all": 5, "pending": 4, "completed": 1, "overdue": 1, "today": 2, "upcoming": 2,
    }


def test_the_agenda_order_puts_open_tasks_soonest_due_first_and_undated_and_done_ones_last(user):
    make_task(user, "undated")
    make_task(user, "next week", due_date=TODAY + timedelta(days=7))
    make_task(user, "late", due_date=TODAY - timedelta(days=2))
    make_task(user, "done early", completed=True, due_date=TODAY - timedelta(days=9))
    make_task(user, "today", due_date=TODAY)
    ordered = selectors.task_list(user=user, filters=TaskFilters(ordering=selectors.AGENDA), today=TODAY)
    assert titles(ordered) == ["late", "today", "next week", "undated", "done early"]


def test_one_task_read_by_its_compiled_statement_is_the_orms_task_with_its_labels(user, other_user):
    mine = make_task(user, "Mine", labels=["work", "Admin", "home"], description="notes", priority="high")
    theirs = make_task(other_user, "Theirs", labels=["secret"])
    read = selectors.task_get(user=user, task_id=mine.pk)
    orm = Task.objects.get(pk=mine.pk)
    assert [getattr(read, f.attname) for f in Task._meta.concrete_fields] == [getattr(orm, f.attname) for f in Task._meta.concrete_fields]
    assert read.label_names == ["Admin", "home", "work"]
    # The same statement, other values each call: their task is theirs alone.
    assert selectors.task_get(user=other_user, task_id=theirs.pk).label_names == ["secret"]
    with pytest.raises(TaskNotFound):
        selectors.task_get(user=user, task_id=theirs.pk)
    assert selectors.task_get(user=user, task_id=make_task(user, "Bare").pk).label_names == []
