"""One user cannot hold more than CHAT_MAX_SOCKETS_PER_USER chat sockets open at once."""

import pytest

from .wsclient import closed_code, frames_until, message_frame, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_socket_over_the_per_user_cap_is_closed_with_4429_and_a_closed_one_frees_a_place(user, other_user, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 3
    held = [await open_socket(user) for _ in range(3)]
    extra = await open_socket(user)
    try:
        error = await extra.receive_json_from(timeout=5)
        assert error["type"] == "error" and error["code"] == "too_many_sockets"
        assert await closed_code(extra) == 4429
        # Another user is not affected by alice's sockets.
        mallory = await open_socket(other_user)
        await mallory.send_json_to(message_frame("list my tasks"))
        assert (await frames_until(mallory, "turn.end"))[-1]["status"] == "complete"
        await mallory.disconnect()

        await held.pop().disconnect()
        again = await open_socket(user)
        held.append(again)
        await again.send_json_to(message_frame("list my tasks"))
        assert (await frames_until(again, "turn.end"))[-1]["status"] == "complete"
    finally:
        await extra.disconnect()
        for comm in held:
            await comm.disconnect()
