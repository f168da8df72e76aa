"""Announcements made from a worker thread under a deferral (an agent turn's tool writes)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from tasks import events
from tasks.events import announce, defer_announcements, user_group

USER_ID = 4242


async def listening() -> tuple:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(USER_ID), channel)
    return layer, channel


async def received(layer, channel, count: int) -> list[dict]:
    return [await asyncio.wait_for(layer.receive(channel), timeout=5) for _ in range(count)]


def in_worker_thread(fn, *args):
    """As orm_unit runs a tool's unit of work: another thread, the caller's context copied in."""
    return sync_to_async(fn, thread_sensitive=False)(*args)


def announce_many(actions: list[str]) -> None:
    for number, action in enumerate(actions):
        announce(USER_ID, action, {"id": number})


async def test_deferred_announcements_reach_the_page_in_the_order_they_were_made():
    layer, channel = await listening()
    deferred = defer_announcements()
    actions = [f"step-{n}" for n in range(20)]
    await in_worker_thread(announce_many, actions)
    await deferred.close()
    frames = await received(layer, channel, len(actions))
    assert [f["action"] for f in frames] == actions
    assert [f["task"]["id"] for f in frames] == list(range(20))


async def test_a_deferred_announcement_does_not_hold_up_the_thread_that_made_it(monkeypatch):
    layer_free = asyncio.Event()
    sent = []

    async def slow_send(group, message):
        await layer_free.wait()  # the channel layer is slow to answer
        sent.append(message["action"])

    monkeypatch.setattr(events, "_send", slow_send)
    deferred = defer_announcements()
    # Sending inline would wait for the layer, which only answers after this returns: a hang.
    await asyncio.wait_for(in_worker_thread(announce, USER_ID, "created", None), timeout=5)
    assert sent == []
    layer_free.set()
    await deferred.close()
    assert sent == ["created"]


async def test_after_close_announcements_are_sent_before_the_writer_goes_on():
    layer, channel = await listening()
    deferred = defer_announcements()
    await deferred.close()
    await in_worker_thread(announce, USER_ID, "updated", {"id": 1})
    # Already in the layer: nothing is left queued on a turn that has ended.
    frame = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
    assert frame["action"] == "updated"


@pytest.mark.django_db(transaction=True)
def test_a_rest_chat_turn_has_announced_its_task_change_when_it_answers(api_client, user, settings, monkeypatch):
    # The REST endpoint runs the turn on an event loop that ends with the request: a send still
    # queued there when the turn answers would be lost with it. A slow layer makes that visible.
    from asgiref.sync import async_to_sync

    real_send = events._send

    async def slow_send(group, message):
        await asyncio.sleep(0.2)
        await real_send(group, message)

    monkeypatch.setattr(events, "_send", slow_send)
    settings.AGENT_MODEL = "local"
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user.pk), channel)
    response = api_client.post("/api/chat/", {"message": "add water the plants"}, format="json")
    assert response.status_code == 200, response.json()
    frame = async_to_sync(received)(layer, channel, 1)[0]
    assert frame["type"] == "tasks.changed" and frame["action"] == "created"
    assert frame["task"]["title"].lower() == "water the plants"
