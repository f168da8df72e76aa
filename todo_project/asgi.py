"""ASGI entry point: HTTP goes to Django, websockets to the chat consumer (origin-checked, authenticated)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
# Django must be set up before importing consumers (they import models).
django_asgi_app = get_asgi_application()

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
        # OriginCheck wraps channels' AllowedHostsOriginValidator (see chat/auth.py for the one exception).
        "websocket": OriginCheck(SessionOrJWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# Everything loaded so far lives as long as the process: Django, the agents SDK (imported here
# rather than on the first chat turn) and the rest, about 230,000 objects. Left to the cyclic
# garbage collector, each full collection walks all of them (0.1 s on a small VM, a stall in
# whatever turn or request triggers it); frozen, collections only look at what requests create.
import chat.services  # noqa: E402,F401

gc.freeze()
