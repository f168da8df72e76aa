"""ASGI entry point: HTTP goes to Django, websockets to the chat consumer (origin-checked, authenticated)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")
# Django must be set up before importing consumers (they import models).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.auth import OriginCheck, SessionOrJWTAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # OriginCheck wraps channels' AllowedHostsOriginValidator (see chat/auth.py for the one exception).
        "websocket": OriginCheck(SessionOrJWTAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
