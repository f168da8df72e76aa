"""Repeating tasks: phrases to rules, rules to words, and what completing one does."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tasks import recurrence, services, undo
from tasks.models import Action, TaskChange
from tasks.recurrence import RecurrenceError, Rule, first_on_or_after, next_after, parse
from tasks.tests.factories import make_task

SAT = date(2026, 12, 5)  # a Saturday


@pytest.mark.parametrize(
    "phrase, rrule, words",
    [
        ("every day", "FREQ=DAILY", "every day"),
        ("daily", "FREQ=DAILY", "every day"),
        ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
        ("every monday", "FREQ=WEEKLY;BYDAY=MO", "every Monday"),
        ("every mon, fri", "FREQ=WEEKLY;BYDAY=MO,FR", "every Monday and Friday"),
        ("every other week", "FREQ=WEEKLY;INTERVAL=2", "every other week"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", "every other week"),
        ("every 3 days", "FREQ=DAILY;INTERVAL=3", "every 3 days"),
        ("every month on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15", "every month on the 15th"),
        ("monthly on the 1st", "FREQ=MONTHLY;BYMONTHDAY=1", "every month on the 1st"),
        ("every last day of the month", "FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day"),
        ("every year on dec 24", "FREQ=YEARLY;BYMONTHDAY=24;BYMONTH=12", "every year on Dec 24"),
        ("every first monday of the month", "FREQ=MONTHLY;BYDAY=1MO", "every month on the first Monday"),
        ("every other tuesday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every other Tuesday"),
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO", "every Monday"),
        ("rrule:freq=daily;interval=2", "FREQ=DAILY;INTERVAL=2", "every 2 days"),
        ("3 days", "FREQ=DAILY;INTERVAL=3", "every 3 days"),
    ],
)
def test_a_phrase_becomes_a_rule_and_the_rule_reads_back_in_words(phrase, rrule, words):
    parsed = parse(phrase, SAT)
    assert parsed.rule.rrule == rrule
    assert parsed.rule.text == words


def test_every_bang_counts_from_completion_and_says_so():
    parsed = parse("every! 3 days", SAT)
    assert parsed.rule == Rule("FREQ=DAILY;INTERVAL=3", from_completion=True)
    assert parsed.rule.text == "every 3 days after it is done"


def test_starting_and_until_are_read_as_the_start_and_the_end():
    parsed = parse("every month starting jan 1 until mar 31", SAT)
    assert parsed.start == date(2027, 1, 1)
    assert parsed.rule.rrule == "FREQ=MONTHLY;UNTIL=20270331"
    assert "until" in parsed.rule.text


@pytest.mark.parametrize(
    "value, says",
    [
        ("every blorp", "blorp"),
        ("FREQ=HOURLY", "FREQ"),
        ("FREQ=WEEKLY;BYHOUR=9", "BYHOUR"),
        ("every month on the 32nd", "32"),
        ("every monday until someday", "until"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "COUNT or UNTIL"),
    ],
)
def test_what_cannot_be_read_is_an_error_that_names_it(value, says):
    with pytest.raises(RecurrenceError) as error:
        parse(value, SAT)
    assert says in error.value.detail
    assert error.value.status == 400


def test_the_31st_falls_back_to_the_last_day_of_a_30_day_month_and_returns_to_the_31st():
    rule = parse("every month on the 31st", SAT).rule
    assert next_after(rule, due=date(2027, 3, 31), today=date(2027, 3, 1)) == date(2027, 4, 30)
    assert next_after(rule, due=date(2027, 4, 30), today=date(2027, 3, 1)) == date(2027, 5, 31)
    assert next_after(rule, due=date(2027, 1, 31), today=date(2027, 1, 1)) == date(2027, 2, 28)


def test_feb_29_repeats_on_feb_28_in_common_years_and_29_in_leap_years():
    rule = parse("every year on feb 29", SAT).rule
    assert next_after(rule, due=date(2028, 2, 29), today=date(2028, 1, 1)) == date(2029, 2, 28)
    assert next_after(rule, due=date(2031, 2, 28), today=date(2031, 1, 1)) == date(2032, 2, 29)


def test_a_weekly_rule_keeps_its_weekday_across_a_dst_change():
    # Europe/London goes back an hour on Sunday 2027-10-31: dates, not instants, so Monday stays Monday.
    rule = parse("every monday", SAT).rule
    assert next_after(rule, due=date(2027, 10, 25), today=date(2027, 10, 25)) == date(2027, 11, 1)
    assert next_after(rule, due=date(2027, 3, 22), today=date(2027, 3, 22)) == date(2027, 3, 29)  # spring forward 03-28


def test_the_first_date_is_on_or_after_the_start():
    assert first_on_or_after("FREQ=WEEKLY;BYDAY=MO", date(2026, 12, 3)) == date(2026, 12, 7)
    assert first_on_or_after("FREQ=WEEKLY;BYDAY=MO", date(2026, 12, 7)) == date(2026, 12, 7)
    assert first_on_or_after("FREQ=MONTHLY;BYMONTHDAY=1", SAT) == date(2027, 1, 1)


def test_an_overdue_task_moves_to_its_first_date_after_today():
    rule = parse("every monday", SAT).rule
    assert next_after(rule, due=date(2026, 11, 2), today=SAT) == date(2026, 12, 7)


def test_a_rule_that_has_ended_has_no_next_date():
    rule = parse("every day until dec 6", SAT).rule
    assert next_after(rule, due=date(2026, 12, 6), today=SAT) is None


# --- the services ---

@pytest.mark.django_db
def test_a_task_set_to_repeat_starts_on_the_rules_first_date(user):
    task = services.task_create(owner=user, title="Bins", due_date=date(2026, 12, 3), recurrence="every tuesday")
    assert task.due_date == date(2026, 12, 8)
    assert task.recurrence == "FREQ=WEEKLY;BYDAY=TU" and task.recurrence_text == "every Tuesday"


@pytest.mark.django_db
def test_a_repeat_without_a_due_date_starts_today_in_the_persons_zone(user):
    task = services.task_create(owner=user, title="Water plants", recurrence="every 3 days", today=SAT)
    assert task.due_date == SAT


@pytest.mark.django_db
def test_completing_a_repeating_task_moves_it_on_keeps_it_open_and_journals_the_occurrence(user):
    task = services.task_create(owner=user, title="Pay rent", recurrence="every month on the 1st", today=SAT)
    assert task.due_date == date(2027, 1, 1)

    done, changed = services.task_set_completed(user=user, task_id=task.pk, completed=True, today=SAT)

    assert changed and not done.completed and done.completed_at is None
    assert done.due_date == date(2027, 2, 1)
    entry = TaskChange.objects.filter(task_id=task.pk).order_by("-id").first()
    assert entry.action == Action.COMPLETED
    assert entry.before["due_date"] == "2027-01-01" and entry.after["due_date"] == "2027-02-01"


@pytest.mark.django_db
def test_undoing_a_completed_occurrence_puts_the_old_due_date_back(user):
    task = services.task_create(owner=user, title="Pay rent", recurrence="every month on the 1st", today=SAT)
    services.task_complete(user=user, task_id=task.pk, today=SAT)
    entry = TaskChange.objects.filter(task_id=task.pk, action=Action.COMPLETED).get()

    undo.change_undo(user=user, change_id=entry.pk)

    task.refresh_from_db()
    assert task.due_date == date(2027, 1, 1) and not task.completed


@pytest.mark.django_db
def test_patching_completed_on_a_repeating_task_moves_it_too(user):
    task = services.task_create(owner=user, title="Bins", recurrence="every tuesday", today=SAT)
    updated = services.task_update(user=user, task_id=task.pk, completed=True, today=SAT)
    assert not updated.completed and updated.due_date == date(2026, 12, 15)
    assert TaskChange.objects.filter(task_id=task.pk).order_by("-id").first().action == Action.COMPLETED


@pytest.mark.django_db
def test_every_bang_moves_from_the_completion_day_in_the_persons_zone(user):
    task = services.task_create(owner=user, title="Water plants", due_date=date(2026, 12, 1), recurrence="every! 3 days", today=date(2026, 12, 1))
    # Completed late on Saturday evening in New York: already Sunday in UTC, still Saturday there.
    evening = datetime(2026, 12, 5, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    today = timezone.localtime(evening, ZoneInfo("America/New_York")).date()
    moved = services.task_complete(user=user, task_id=task.pk, today=today)
    assert moved.due_date == date(2026, 12, 8)


@pytest.mark.django_db
def test_completing_the_last_occurrence_completes_the_task(user):
    task = services.task_create(owner=user, title="Course", due_date=SAT, recurrence="every day until dec 6", today=SAT)
    services.task_complete(user=user, task_id=task.pk, today=SAT)  # -> the 6th
    last = services.task_complete(user=user, task_id=task.pk, today=SAT)
    assert last.completed and last.due_date == date(2026, 12, 6)


@pytest.mark.django_db
def test_stop_repeating_clears_the_rule_and_keeps_the_date(user):
    task = services.task_create(owner=user, title="Bins", recurrence="every tuesday", today=SAT)
    stopped = services.task_update(user=user, task_id=task.pk, recurrence="")
    assert stopped.recurrence == "" and stopped.recurrence_text == "" and stopped.due_date == date(2026, 12, 8)
    done = services.task_complete(user=user, task_id=task.pk, today=SAT)
    assert done.completed


@pytest.mark.django_db
def test_a_bad_phrase_changes_nothing(user):
    task = make_task(user, "Bins", due_date=SAT)
    with pytest.raises(RecurrenceError):
        services.task_update(user=user, task_id=task.pk, recurrence="every blue moon", title="Changed")
    task.refresh_from_db()
    assert task.title == "Bins" and task.recurrence == ""



# --- counting from completion through the API: a flag beside the RRULE text -------------------


@pytest.mark.django_db
def test_every_bang_reads_back_as_a_flag_and_survives_a_put_of_what_was_read(api_client):
    created = api_client.post("/api/tasks/", {"title": "Water plants", "recurrence": "every! 3 days"}, format="json").json()
    assert created["recurrence"] == "FREQ=DAILY;INTERVAL=3"
    assert created["recurrence_from_completion"] is True
    assert created["recurrence_text"] == "every 3 days after it is done"
    # A client that reads the task and writes it back whole keeps the repeat as it was.
    body = {k: created[k] for k in ("title", "description", "priority", "due_date", "recurrence", "recurrence_from_completion", "labels")}
    body["title"] = "Water the plants"
    put = api_client.put(f"/api/tasks/{created['id']}/", body, format="json").json()
    assert (put["title"], put["recurrence_from_completion"], put["due_date"]) == ("Water the plants", True, created["due_date"])


@pytest.mark.django_db
def test_rrule_text_with_the_flag_counts_from_completion_and_rrule_text_alone_keeps_it(api_client, user):
    task = api_client.post(
        "/api/tasks/", {"title": "Stretch", "recurrence": "FREQ=DAILY;INTERVAL=2", "recurrence_from_completion": True}, format="json"
    ).json()
    assert task["recurrence_from_completion"] is True and task["recurrence_text"] == "every 2 days after it is done"
    changed = api_client.patch(f"/api/tasks/{task['id']}/", {"recurrence": "FREQ=WEEKLY"}, format="json").json()
    assert changed["recurrence_text"] == "every week after it is done"
    # A phrase says which: plain "every" counts from the due date again.
    phrase = api_client.patch(f"/api/tasks/{task['id']}/", {"recurrence": "every 4 days"}, format="json").json()
    assert phrase["recurrence_from_completion"] is False and phrase["recurrence_text"] == "every 4 days"
    # And the flag alone switches an existing repeat.
    flag = api_client.patch(f"/api/tasks/{task['id']}/", {"recurrence_from_completion": True}, format="json").json()
    assert flag["recurrence"] == "FREQ=DAILY;INTERVAL=4" and flag["recurrence_text"] == "every 4 days after it is done"
    assert TaskChange.objects.filter(task_id=task["id"]).count() == 4  # each change journalled


@pytest.mark.django_db
def test_completing_a_task_repeating_from_completion_set_by_rrule_moves_it_from_today(api_client, user):
    task = services.task_create(
        owner=user, title="Water plants", due_date=date(2026, 12, 1), recurrence="FREQ=DAILY;INTERVAL=3",
        recurrence_from_completion=True, today=date(2026, 12, 1),
    )
    moved = services.task_complete(user=user, task_id=task.pk, today=SAT)
    assert moved.due_date == date(2026, 12, 8) and not moved.completed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, says",
    [
        ({"title": "Nap", "recurrence_from_completion": True}, "Only a repeating task"),
        ({"title": "Nap", "recurrence": "every! day", "recurrence_from_completion": False}, "counts from completion"),
        ({"title": "Nap", "recurrence": "", "recurrence_from_completion": True}, "Only a repeating task"),
    ],
)
def test_a_flag_that_contradicts_the_repeat_is_a_400_naming_it_and_saves_nothing(api_client, body, says):
    response = api_client.post("/api/tasks/", body, format="json")
    assert response.status_code == 400, response.content
    assert says in str(response.json())
    assert "recurrence_from_completion" in str(response.json())
    assert api_client.get("/api/tasks/").json()["count"] == 0


@pytest.mark.parametrize("phrase", ["every 3 days after it is done", "every monday after completion", "every 2 weeks from completion"])
def test_the_words_a_repeat_from_completion_is_shown_in_read_back_as_it(phrase):
    parsed = parse(phrase, SAT)
    assert parsed.rule.from_completion
    assert parse(parsed.rule.text, SAT).rule == parsed.rule

