"""Short conversation titles from what the first turn did."""

from chat.titles import cut_title, first_turn_title


def call(name: str, arguments: dict | None = None, output: dict | None = None) -> dict:
    return {"name": name, "arguments": arguments or {}, "output": output or {"status": "ok"}}


def test_a_conversation_that_added_a_task_is_titled_by_the_task():
    calls = [call("add_task", {"title": "Buy milk"}, {"status": "created", "task_id": 1, "title": "Buy milk"})]
    assert first_turn_title("add buy milk tomorrow please, and quickly", calls) == "Add Buy milk"


def test_several_changes_of_a_kind_name_the_first_and_count_the_rest():
    calls = [call("add_task", {"title": t}, {"status": "created", "title": t}) for t in ("Eggs", "Bread", "Tea")]
    assert first_turn_title("add eggs, bread and tea", calls) == "Add Eggs and 2 more"


def test_a_change_names_the_title_rather_than_the_listing_done_to_find_the_task():
    calls = [
        call("list_tasks", {"search": "dentist"}, {"status": "ok", "count": 1, "tasks": []}),
        call("complete_task", {"task_id": 4}, {"status": "completed", "task_id": 4, "title": "Dentist appointment"}),
    ]
    assert first_turn_title("I went to the dentist", calls) == "Complete Dentist appointment"


def test_a_listing_is_titled_by_what_it_looked_for():
    assert first_turn_title("what's due today?", [call("list_tasks", {"due": "today"})]) == "Due today"
    assert first_turn_title("find milk", [call("list_tasks", {"search": "milk"})]) == "Find “milk”"
    assert first_turn_title("show all", [call("list_tasks", {"status": "all"})]) == "Task list"
    assert first_turn_title("delete everything", [call("delete_all_tasks", {}, {"status": "needs_confirmation", "count": 3})]) == "Delete all tasks"


def test_a_failed_call_does_not_name_the_conversation():
    calls = [call("complete_task", {"task_id": 99}, {"status": "error", "error": "not_found"})]
    assert first_turn_title("complete task 99", calls) == "complete task 99"


def test_without_tools_the_first_message_is_the_title_cut_at_a_word():
    assert first_turn_title("hello there", []) == "hello there"
    long = "please tell me everything you can do for me today because I have a very long list of chores"
    assert first_turn_title(long, []) == cut_title(long)
    assert len(cut_title(long)) <= 61 and cut_title(long).endswith("…")
    assert first_turn_title("a  multi\nline   message", []) == "a multi line message"
