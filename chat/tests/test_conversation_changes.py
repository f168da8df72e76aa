"""Renaming a conversation (PATCH /api/conversations/{id}/) and the conversations.changed frames
that keep every open page's conversation list current."""

import pytest
from channels.db import database_sync_to_async

from chat.models import Conversation
from chat.tests.test_consumers import ORIGIN, frames_until, message_frame, next_frame_of, open_socket, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


def make_conversation(owner, title="add buy milk") -> Conversation:
    return Conversation.objects.create(owner=owner, title=title)


def test_a_person_renames_their_conversation_and_its_place_in_the_list_stays(api_client, user):
    older = make_conversation(user, "older")
    make_conversation(user, "newer")
    response = api_client.patch(f"/api/conversations/{older.pk}/", {"title": "  Groceries   for Sunday "}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Groceries for Sunday"
    listed = api_client.get("/api/conversations/").json()
    titles = [c["title"] for c in listed.get("results", listed)]
    assert titles == ["newer", "Groceries for Sunday"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": "   "}, "title"), ({"title": "x" * 121}, "title"), ({}, "title"), ({"title": "ok", "owner": 2}, "owner")],
)
def test_a_bad_rename_is_a_400_that_names_the_field_and_changes_nothing(api_client, user, body, field):
    conversation = make_conversation(user)
    response = api_client.patch(f"/api/conversations/{conversation.pk}/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    conversation.refresh_from_db()
    assert conversation.title == "add buy milk"


def test_another_persons_conversation_cannot_be_renamed_and_looks_missing(other_api_client, user):
    conversation = make_conversation(user)
    response = other_api_client.patch(f"/api/conversations/{conversation.pk}/", {"title": "mine now"}, format="json")
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.title == "add buy milk"


def test_a_conversation_cannot_be_replaced_whole(api_client, user):
    conversation = make_conversation(user)
    assert api_client.put(f"/api/conversations/{conversation.pk}/", {"title": "x"}, format="json").status_code == 405


async def test_a_new_conversation_its_title_and_a_rename_reach_the_persons_other_tab(user, other_user, api_client):
    alice = [ORIGIN, (b"cookie", await database_sync_to_async(session_cookie_for)(user))]
    mallory = [ORIGIN, (b"cookie", await database_sync_to_async(session_cookie_for)(other_user))]
    chatting, _ = await open_socket(alice)
    other_tab, _ = await open_socket(alice)
    stranger, _ = await open_socket(mallory)
    try:
        await chatting.send_json_to(message_frame("add buy milk tomorrow"))
        await frames_until(chatting, "turn.end")
        # Announced once its first turn has titled it, so no tab lists the raw message first.
        created = await next_frame_of(other_tab, "conversations.changed")
        assert created["action"] == "created" and created["conversation"]["title"].lower() == "add buy milk"
        conversation_id = created["conversation"]["id"]
        await chatting.send_json_to(message_frame("add eggs", conversation_id=conversation_id))
        await frames_until(chatting, "turn.end")
        busier = await next_frame_of(other_tab, "conversations.changed")
        assert busier["action"] == "updated" and set(busier["conversation"]) == {"id", "updated_at"}

        await database_sync_to_async(api_client.patch)(
            f"/api/conversations/{conversation_id}/", {"title": "Shopping"}, format="json"
        )
        renamed = await next_frame_of(other_tab, "conversations.changed")
        assert renamed == {
            "type": "conversations.changed",
            "action": "updated",
            "conversation": {"id": conversation_id, "title": "Shopping", "updated_at": renamed["conversation"]["updated_at"]},
        }
        await database_sync_to_async(api_client.delete)(f"/api/conversations/{conversation_id}/")
        deleted = await next_frame_of(other_tab, "conversations.changed")
        assert (deleted["action"], deleted["conversation"]["id"]) == ("deleted", conversation_id)
        # Nobody else hears of it.
        assert await stranger.receive_nothing(timeout=0.3)
    finally:
        for comm in (chatting, other_tab, stranger):
            await comm.disconnect()
