"""Small helpers to drive /ws/chat/ through the real ASGI app (origin check and auth included)."""

import asyncio

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat.models import Message

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 15


def session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def open_socket(user_or_headers, subprotocols=None) -> WebsocketCommunicator:
    from todo_project.asgi import application

    headers = user_or_headers if isinstance(user_or_headers, list) else await database_sync_to_async(session_headers)(user_or_headers)
    headers = [*headers, (b"host", b"testserver")]  # as a browser sends it: the origin check compares the two
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=headers, subprotocols=subprotocols or ["todo.v1"])
    connected, _ = await comm.connect(timeout=5)
    assert connected, "the socket was refused"
    return comm


async def frames_until(comm, *frame_types: str, timeout: float = TIMEOUT) -> list[dict]:
    """Every frame up to and including the first whose type is one of `frame_types`."""
    frames = []
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] in frame_types:
            return frames


def message_frame(text, conversation_id=None, **extra) -> dict:
    return {"type": "message", "text": text, "conversation_id": conversation_id, **extra}


@database_sync_to_async
def message_rows(**filters) -> list[dict]:
    return list(Message.objects.filter(**filters).order_by("id").values())


async def closed_code(comm, timeout: float = 5) -> int | None:
    # The consumer runs on after closing, until the server tells it the socket is gone: the test
    # still owes it comm.disconnect(), or it outlives the test.
    while True:
        output = await comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output.get("code")


__all__ = ["asyncio", "open_socket", "frames_until", "message_frame", "message_rows", "closed_code", "session_headers"]
