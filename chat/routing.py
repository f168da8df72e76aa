from django.urls import path

from .consumers import ChatConsumer

SOCKET_PATH = "ws/chat/"

websocket_urlpatterns = [
    path(SOCKET_PATH, ChatConsumer.as_asgi(), name="ws-chat"),
]
