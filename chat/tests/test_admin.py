"""Support staff read conversations (with the agent's tool calls) in the admin and change nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from chat.models import Conversation, Message
from chat.tests.factories import add_message, make_conversation

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def support(db):
    call_command("create_support_user", "helen", "--password", "h3len-Strong-pass")
    client = Client()
    client.force_login(User.objects.get(username="helen"))
    return client


@pytest.fixture
def conversation(user):
    conversation = make_conversation(user, "Groceries", [("user", "add buy oat milk for friday")])
    add_message(
        conversation,
        "assistant",
        "Added “buy oat milk”, due Friday.",
        tool_calls=[{"name": "add_task", "arguments": {"title": "buy oat milk", "due_date": "2027-01-08"}, "output": {"task_id": 7, "status": "created"}}],
    )
    return conversation


def test_support_opens_a_conversation_and_reads_the_transcript_with_tool_calls(support, conversation):
    listing = support.get("/admin/chat/conversation/")
    assert listing.status_code == 200 and "Groceries" in listing.content.decode()
    page = support.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "add buy oat milk for friday" in html
    assert "Added “buy oat milk”, due Friday." in html
    assert "add_task" in html and "2027-01-08" in html and "created" in html
    assert 'name="messages-0-content"' not in html  # the transcript is text, not a form


def test_support_cannot_edit_or_delete_a_message(support, conversation):
    message = conversation.messages.get(role="user")
    assert support.get(f"/admin/chat/message/{message.pk}/change/").status_code == 200
    response = support.post(
        f"/admin/chat/message/{message.pk}/change/", {"content": "rewritten", "role": "user", "status": "complete"}
    )
    assert response.status_code == 403
    assert support.post(f"/admin/chat/message/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.content == "add buy oat milk for friday"


def test_support_cannot_change_or_delete_a_conversation(support, conversation):
    response = support.post(
        f"/admin/chat/conversation/{conversation.pk}/change/",
        {"title": "renamed", "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 403
    assert support.post(f"/admin/chat/conversation/{conversation.pk}/delete/", {"post": "yes"}).status_code == 403
    conversation.refresh_from_db()
    assert conversation.title == "Groceries"
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_even_a_superuser_sees_the_transcript_read_only(conversation):
    root = User.objects.create_superuser("root", "root@example.com", "r00t-Strong-pass")
    client = Client()
    client.force_login(root)
    html = client.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()
    assert "add_task" in html
    assert 'name="messages-0-content"' not in html


def test_support_user_is_staff_in_the_support_group_and_not_a_superuser():
    call_command("create_support_user", "helen", "--password", "h3len-Strong-pass")
    helen = User.objects.get(username="helen")
    assert helen.is_staff and not helen.is_superuser
    assert list(helen.groups.values_list("name", flat=True)) == ["Support"]
    assert helen.has_perm("chat.view_message") and not helen.has_perm("chat.change_message")
    assert helen.has_perm("tasks.view_task") and not helen.has_perm("tasks.change_task")


def test_create_support_user_refuses_a_weak_or_missing_password(monkeypatch):
    monkeypatch.delenv("SUPPORT_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="too short|too common"):
        call_command("create_support_user", "helen", "--password", "abc")
    with pytest.raises(CommandError, match="--password"):
        call_command("create_support_user", "helen")
    assert not User.objects.filter(username="helen").exists()


def test_create_support_user_updates_an_existing_account(user):
    call_command("create_support_user", "alice", "--password", "n3w-Strong-pass")
    alice = User.objects.get(username="alice")
    assert alice.is_staff and alice.check_password("n3w-Strong-pass")
    assert alice.groups.filter(name="Support").exists()


def test_a_long_conversation_shows_its_latest_messages_and_links_to_all_of_them(support, user, monkeypatch):
    monkeypatch.setattr("chat.admin.TRANSCRIPT_MESSAGES", 3)
    conversation = make_conversation(user, "Long", [("user", f"message {n}") for n in range(5)])
    make_conversation(user, "Other", [("user", "elsewhere")])

    html = support.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()
    assert [f"message {n}" in html for n in range(5)] == [False, False, True, True, True]
    assert "elsewhere" not in html
    link = f"/admin/chat/message/?conversation__id__exact={conversation.pk}"
    assert link.replace("&", "&amp;") in html and "All 5 messages" in html

    listing = support.get(link)
    assert listing.status_code == 200
    shown = listing.content.decode()
    assert all(f"message {n}" in shown for n in range(5)) and "elsewhere" not in shown
    positions = [shown.index(f"message {n}") for n in range(5)]
    assert positions == sorted(positions)  # a transcript reads oldest first

    everything = support.get("/admin/chat/message/").content.decode()
    assert everything.index("elsewhere") < everything.index("message 4")  # all messages: newest first


def test_the_conversation_list_counts_each_conversations_messages(support, user):
    make_conversation(user, "Chatty", [("user", "one"), ("assistant", "two"), ("user", "three")])
    make_conversation(user, "Quiet")
    html = support.get("/admin/chat/conversation/").content.decode()
    rows = {title: html[html.index(title):][:600] for title in ("Chatty", "Quiet")}
    assert '<td class="field-message_count">3</td>' in rows["Chatty"]
    assert '<td class="field-message_count">0</td>' in rows["Quiet"]


def test_a_long_tool_output_is_marked_cut_and_links_to_the_whole_message(support, user):
    conversation = make_conversation(user, "Big list", [("user", "show everything")])
    rows = [{"id": n, "title": f"Task number {n}"} for n in range(40)]
    reply = add_message(conversation, "assistant", "Here they are.", tool_calls=[{"name": "list_tasks", "arguments": {}, "output": {"tasks": rows}}])

    html = support.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()

    assert "… cut: the full text" in html
    assert f'href="/admin/chat/message/{reply.pk}/change/"' in html
    assert "Task number 39" not in html  # cut, not shown whole
    whole = support.get(f"/admin/chat/message/{reply.pk}/change/").content.decode()
    assert "Task number 39" in whole


def test_a_short_tool_output_is_shown_whole_without_a_cut_mark(support, conversation):
    html = support.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()
    assert "cut: the full text" not in html


def test_support_sees_no_reset_password_link_they_could_not_follow(support, user):
    page = support.get(f"/admin/auth/user/{user.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert user.username in html
    assert f"/admin/auth/user/{user.pk}/password/" not in html
    assert "Reset password" not in html  # the header's "Change password" is their own, and works


def test_a_superuser_still_has_the_reset_password_link(admin_client, user):
    html = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "../password/" in html or f"/admin/auth/user/{user.pk}/password/" in html


def test_support_sees_the_question_a_reply_left_open(support, conversation):
    asking = add_message(
        conversation, "assistant", "Delete all 4 tasks? Reply yes to confirm.",
        pending={"ask": "confirm", "tool": "delete_all_tasks", "count": 4},
    )
    html = support.get(f"/admin/chat/message/{asking.pk}/change/").content.decode()
    assert "delete_all_tasks" in html and 'name="pending"' not in html  # shown, not editable


def test_support_sees_the_task_changes_of_a_conversations_turns(support, user, conversation):
    from tasks import services
    from tasks.journal import ChangeSource
    from tasks.models import Door

    reply = conversation.messages.get(role="assistant")
    services.task_create(owner=user, title="buy oat milk", source=ChangeSource(door=Door.CHAT, message_id=reply.pk))
    services.task_create(owner=user, title="not from this chat")

    html = support.get(f"/admin/chat/conversation/{conversation.pk}/change/").content.decode()

    assert "Chat · created “buy oat milk”" in html
    assert "not from this chat" not in html
