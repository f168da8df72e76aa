from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "chat_api"

router = SimpleRouter(trailing_slash=True)
router.register("conversations", api.ConversationViewSet, basename="conversation")

urlpatterns = [
    path("chat/", api.ChatView.as_view(), name="chat"),
    path("chat/turns/<int:message_id>/undo/", api.TurnUndoView.as_view(), name="chat-turn-undo"),
    path("<int:user_id>/chat", api.UserChatView.as_view(), name="user-chat"),
    *router.urls,
]
