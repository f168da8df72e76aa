"""ASGI entry point: HTTP goes to Django, websockets to the chat consumer (origin-checked, authenticated)."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
# Django must be set up before importing consumers (they import models).
django.setup(set_prefix=False)

from todo_project.http_handler import OneHopASGIHandler  # noqa: E402

# Django's ASGIHandler, crossing into a thread once per request rather than six times (see there).
django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.auth import OriginCheck, SessionOrJWTAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402
from mcp_door.door import PATH as MCP_PATH  # noqa: E402
from mcp_door.door import mcp_door  # noqa: E402


async def http_app(scope, receive, send):
    """/mcp is the MCP door (its own ASGI app, the MCP SDK's transport); everything else is Django."""
    if scope["path"] in (MCP_PATH, MCP_PATH + "/"):
        return await mcp_door(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        # OriginCheck: the full origin, as Django's CSRF check (see chat/auth.py for the one exception).
        "websocket": OriginCheck(SessionOrJWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# What the first request or chat turn would otherwise import on the spot (half a second and more:
# the URLconf with every view, DRF's serializers that a task's payload goes through), loaded now
# so the first person to chat waits no longer than the second.
import chat.turn  # noqa: E402,F401 - and with it the agents SDK
import tasks.serializers  # noqa: E402,F401
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports the URLconf and with it every view

from agents_bridge.providers import warm_up  # noqa: E402

warm_up()

# Everything loaded so far lives as long as the process: Django, the agents SDK (imported here
# rather than on the first chat turn) and the rest, about 230,000 objects. Left to the cyclic
# garbage collector, each full collection walks all of them (0.1 s on a small VM, a stall in
# whatever turn or request triggers it); frozen, collections only look at what requests create.
gc.freeze()
