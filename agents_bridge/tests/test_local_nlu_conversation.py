"""The offline model in ordinary conversation (issue 22): several tasks by reference, questions
about one task, pleasantries, requests inside a clause, literal titles, statements of intent and
other languages. The eval (chat/evals/conversation.json) runs the same families end to end."""

from datetime import date

import pytest

from agents_bridge.local_nlu.intents import Clock, Ref, parse_message
from agents_bridge.local_nlu.planner import plan
from agents_bridge.local_nlu.replay import ToolRecord, TurnInput
from agents_bridge.local_nlu.resolving import _plural_pool

MONDAY = date(2026, 11, 23)
CLOCK = Clock(MONDAY)


def read(text: str):
    actions, _ = parse_message(text, CLOCK)
    return actions


@pytest.mark.parametrize(
    "text",
    [
        "remind me to call the vet tomorrow, thanks a lot",
        "add call the vet tomorrow, cheers",
        "please add call the vet tomorrow, much appreciated",
        "add call the vet tomorrow thank you so much",
        "add please call the vet tomorrow please, you're a star",
    ],
)
def test_pleasantries_are_never_tasks_nor_part_of_a_title(text):
    actions = read(text)
    assert [a.kind for a in actions] == ["add"]
    assert [(i.title, i.due) for i in actions[0].items] == [("Call the vet", date(2026, 11, 24))]


def test_only_pleasantries_is_thanks():
    assert [(a.kind, a.topic) for a in read("cheers mate, much appreciated!")] == [("small_talk", "thanks")]


def test_a_request_inside_a_clause_is_read_as_a_request():
    actions = read("I paid the gas bill, and could you please add book a haircut")
    assert [a.kind for a in actions] == ["complete_past", "add"]
    assert actions[1].items[0].title == "Book a haircut"


@pytest.mark.parametrize(
    "typed, title",
    [
        ('add fix "login"; deploy -- v2 (prod)', 'Fix "login"; deploy -- v2 (prod)'),
        ("add Robert'); DROP TABLE tasks;--", "Robert'); DROP TABLE tasks;--"),
        ("add update README (setup section) [docs]", "Update README (setup section) [docs]"),
    ],
)
def test_a_title_with_code_punctuation_is_one_title_as_typed(typed, title):
    actions = read(typed)
    assert [a.kind for a in actions] == ["add"]
    assert [i.title for i in actions[0].items] == [title]


def test_a_literal_title_still_takes_a_date_said_after_it():
    actions = read("add fix login (prod) tomorrow")
    assert [(i.title, i.due) for i in actions[0].items] == [("Fix login (prod)", date(2026, 11, 24))]


def test_a_plain_list_with_semicolons_is_still_a_list():
    assert [i.title for i in read("add milk; eggs; bread")[0].items] == ["Milk", "Eggs", "Bread"]


def test_each_new_task_keeps_its_own_date():
    items = read("add bread today and stamps on thursday")[0].items
    assert [(i.title, i.due) for i in items] == [("Bread", MONDAY), ("Stamps", date(2026, 11, 26))]


@pytest.mark.parametrize(
    "text, title",
    [
        ("argh, I always forget to stretch", "Stretch"),
        ("I keep putting off booking the dentist", "Book the dentist"),
        ("ugh, I forgot to pay the phone bill again", "Pay the phone bill"),
        ("I've been meaning to fix the shed door", "Fix the shed door"),
    ],
)
def test_a_statement_of_intent_offers_the_task_not_the_sentence(text, title):
    actions = read(text)
    assert [a.kind for a in actions] == ["offer_add"]
    assert actions[0].items[0].title == title


@pytest.mark.parametrize(
    "text, topic",
    [
        ("when's the vet appointment?", "due"),
        ("what's the deadline for the grant application?", "due"),
        ("when do I have to pay the gas bill?", "due"),
        ("is the rent paid?", "done"),
        ("did I call the plumber?", "done"),
        ("have I paid the electricity bill yet?", "done"),
    ],
)
def test_a_question_about_one_task_asks_about_it(text, topic):
    actions = read(text)
    assert [(a.kind, a.topic) for a in actions] == [("ask_task", topic)]
    assert actions[0].refs and not actions[0].refs[0].pronoun


@pytest.mark.parametrize("text", ["is there anything due today?", "did I finish anything today?", "what did I get done?"])
def test_a_question_about_the_whole_list_is_a_listing(text):
    assert [a.kind for a in read(text)] == ["list"]


def test_what_did_i_get_done_lists_completed_tasks():
    action = read("what got done today?")[0]
    assert (action.kind, action.status, action.due_filter) == ("list", "completed", None)


@pytest.mark.parametrize(
    "text",
    ["pon pagar la luz", "erinnere mich an den Arzttermin", "ajoute acheter du pain demain", "voeg boodschappen doen toe", "добавь купить хлеб"],
)
def test_another_language_gets_a_plain_answer_never_an_offer(text):
    assert [(a.kind, a.topic) for a in read(text)] == [("small_talk", "other_language")]
    step = plan(TurnInput(user_text=text, history=[], records=[], today=MONDAY))
    assert "English" in step.text and "AGENT_MODEL" in step.text and step.pending is None


def test_an_english_request_with_a_foreign_title_is_added():
    assert [i.title for i in read("add pagar la luz")[0].items] == ["Pagar la luz"]


def test_both_reaches_back_through_earlier_replies_for_two_tasks():
    replies = ["Added “Buy stamps” (#2).", "Added “Call the bank” (#1).", "Added “Old thing” (#9)."]
    pool = _plural_pool(Ref(pronoun="many", count=2), replies, [{"task_id": 2, "title": "Buy stamps"}])
    assert [t["task_id"] for t in pool] == [1, 2]


def test_those_reaches_back_through_replies_of_the_same_kind_only():
    replies = ["Added “Dust” (#6).", "Added “Mop” (#5).", "Marked “Old” (#1) as done."]
    pool = _plural_pool(Ref(pronoun="many"), replies, [{"task_id": 6, "title": "Dust"}])
    assert [t["task_id"] for t in pool] == [5, 6]


def test_tick_both_off_after_two_adds_completes_both():
    history = [("user", "add call the bank"), ("assistant", "Added “Call the bank” (#1)."),
               ("user", "add buy stamps"), ("assistant", "Added “Buy stamps” (#2).")]
    step = plan(TurnInput(user_text="tick both off", history=history, records=[], today=MONDAY))
    assert sorted((c.name, c.args["task_id"]) for c in step.calls) == [("complete_task", 1), ("complete_task", 2)]
    done = [ToolRecord(c.name, c.args, {"status": "completed", "task_id": c.args["task_id"], "title": "x"}) for c in step.calls]
    final = plan(TurnInput(user_text="tick both off", history=history, records=done, today=MONDAY, rounds=1))
    assert final.text.startswith("Marked")
