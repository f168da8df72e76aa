"""An open chat socket dies with what it was opened with: logout, deactivation, a password change
or deletion close every socket of the user with 4401, and a socket re-checks before each turn."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from tasks.models import Task
from tasks.tests.factories import make_task

from .wsclient import ORIGIN, closed_code, frames_until, message_frame, message_rows, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_browser(user) -> tuple[Client, list]:
    client = Client()
    client.force_login(user)
    return client, [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


async def token_socket(user):
    return await open_socket([ORIGIN], subprotocols=["todo.v1", f"access_token.{await sync_to_async(access_token)(user)}"])


async def assert_ended(comm) -> None:
    error = await comm.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "session_ended"
    assert await closed_code(comm) == 4401


async def test_logging_out_closes_the_open_sockets_of_the_user(user):
    browser, headers = await sync_to_async(signed_in_browser)(user)
    page, api = await open_socket(headers), await token_socket(user)
    try:
        await sync_to_async(browser.post)("/accounts/logout/")

        await assert_ended(page)
        await assert_ended(api)
    finally:
        await page.disconnect()
        await api.disconnect()


async def test_logging_out_through_the_api_closes_the_open_sockets_of_the_user(user):
    from rest_framework.test import APIClient

    refresh = await sync_to_async(lambda: str(RefreshToken.for_user(user)))()
    api = await token_socket(user)
    try:
        logout = await sync_to_async(APIClient().post)("/api/auth/logout/", {"refresh": refresh}, format="json")
        assert logout.status_code == 205

        await assert_ended(api)
    finally:
        await api.disconnect()


async def test_deactivating_the_account_closes_its_sockets_and_no_more_tasks_are_deleted(user):
    await sync_to_async(make_task)(user, "Keep me")
    _, headers = await sync_to_async(signed_in_browser)(user)
    page, api = await open_socket(headers), await token_socket(user)

    def deactivate():
        user.is_active = False
        user.save()  # what the admin's change form does

    try:
        await sync_to_async(deactivate)()

        await assert_ended(page)
        await assert_ended(api)
    finally:
        await page.disconnect()
        await api.disconnect()
    assert await sync_to_async(Task.objects.filter(owner=user).count)() == 1


async def test_a_password_change_through_the_api_closes_every_socket_of_the_user(user, other_user):
    _, headers = await sync_to_async(signed_in_browser)(user)
    page, api = await open_socket(headers), await token_socket(user)
    bystander = await token_socket(other_user)

    def change_password():
        client = Client()
        client.force_login(user)
        body = {"old_password": "a-Strong-pass-123", "new_password": "brand-New-pass-789"}
        assert client.post("/api/auth/password/", body, content_type="application/json").status_code == 204

    try:
        await sync_to_async(change_password)()

        await assert_ended(page)
        await assert_ended(api)
        # Another user's socket is untouched and keeps working.
        await bystander.send_json_to(message_frame("list my tasks"))
        assert (await frames_until(bystander, "turn.end"))[-1]["status"] == "complete"
    finally:
        for comm in (page, api, bystander):
            await comm.disconnect()


async def test_a_socket_whose_session_is_gone_refuses_the_next_turn(user):
    _, headers = await sync_to_async(signed_in_browser)(user)
    comm = await open_socket(headers)
    try:
        # No signal: a session flushed from the store directly (or by an expiry clean-up).
        await sync_to_async(lambda: Session.objects.all().delete())()
        await comm.send_json_to(message_frame("delete all my tasks"))

        await assert_ended(comm)
    finally:
        await comm.disconnect()
    assert await message_rows() == []


async def test_a_token_socket_of_an_account_deactivated_without_a_signal_refuses_the_next_turn(user):
    comm = await token_socket(user)
    try:
        await sync_to_async(lambda: get_user_model().objects.filter(pk=user.pk).update(is_active=False))()
        await comm.send_json_to(message_frame("delete all my tasks"))

        await assert_ended(comm)
    finally:
        await comm.disconnect()
    assert await message_rows() == []
