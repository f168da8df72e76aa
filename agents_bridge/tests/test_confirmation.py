import pytest

from agents_bridge import confirmation


@pytest.mark.parametrize(
    "text, expected",
    [("yes", True), ("Yep, do it.", True), ("sure", True), ("go ahead", True), ("OK!", True), ("Yes, go ahead!", True),
     ("no", False), ("not yet", False), ("yes but keep the report", False), ("delete the milk task", False),
     ("what would that delete?", False), ("", False)],
)
def test_a_plain_yes_confirms_and_anything_else_does_not(text, expected):
    assert confirmation.confirms(text) is expected


def test_delete_them_answers_a_confirmation_but_is_not_a_plain_yes():
    assert confirmation.confirms("delete them") and not confirmation.is_yes("delete them")


@pytest.mark.parametrize("text", ["no", "nope", "never mind", "no wait, keep them", "don't delete them"])
def test_a_plain_no_is_no(text):
    assert confirmation.is_no(text) and not confirmation.confirms(text)


def test_a_no_followed_by_a_new_request_is_not_a_refusal():
    assert not confirmation.is_no("no, add buy bread instead")


def test_only_a_yes_to_a_confirmation_question_names_the_tool_to_run():
    asked = confirmation.confirm_question("delete_all_tasks", 4)
    assert confirmation.confirmed_tool(asked, "yes please") == "delete_all_tasks"
    assert confirmation.confirmed_tool(asked, "no") is None
    assert confirmation.confirmed_tool({"ask": "add", "title": "Milk"}, "yes") is None
    assert confirmation.confirmed_tool(None, "yes") is None
