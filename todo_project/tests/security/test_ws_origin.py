"""The websocket's Origin must be the site's own (scheme, host and port) or a trusted origin, as
Django's CSRF check requires of an HTTP POST; a host in ALLOWED_HOSTS is not enough."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from todo_project.asgi import application

from .wsclient import session_headers

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(user, origin: str, host: str = "testserver", extra=()) -> bool:
    cookie = dict(await database_sync_to_async(session_headers)(user))[b"cookie"]
    headers = [(b"origin", origin.encode()), (b"host", host.encode()), (b"cookie", cookie), *extra]
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=headers, subprotocols=["todo.v1"])
    connected, _ = await comm.connect(timeout=5)
    await comm.disconnect()
    return connected


@pytest.mark.parametrize(
    "origin, host",
    [
        ("http://127.0.0.1:9999", "127.0.0.1:8000"),  # another port of an allowed host
        ("https://localhost", "localhost"),  # another scheme
        ("http://testserver:8080", "testserver"),
        ("https://testserver", "testserver"),
        ("http://localhost", "testserver"),  # an allowed host, but not this site's
        ("null", "testserver"),
    ],
)
async def test_a_foreign_origin_with_a_session_cookie_is_refused(user, origin, host):
    assert not await handshake(user, origin, host)


async def test_the_sites_own_origin_is_accepted(user):
    assert await handshake(user, "http://testserver")
    assert await handshake(user, "http://127.0.0.1:8000", "127.0.0.1:8000")


async def test_a_host_header_outside_allowed_hosts_is_refused(user):
    assert not await handshake(user, "http://evil.example", "evil.example")


async def test_a_trusted_origin_is_accepted(user, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://todo.example.com"]

    assert await handshake(user, "https://todo.example.com")
    assert not await handshake(user, "http://todo.example.com")


async def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(user, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]

    assert await handshake(user, "https://testserver", extra=proxied)
    assert not await handshake(user, "http://testserver", extra=proxied)
