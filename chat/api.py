"""The chat REST door: one whole agent turn per POST, and the user's conversations.

Thin: validation of the shape here, every rule in chat.services and chat.turn (the same ChatTurn the
websocket consumer drives), every read through chat.selectors.
"""

from asgiref.sync import async_to_sync
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agents_bridge import confirmation
from agents_bridge.runner import PROVIDER_TIMEOUT
from tasks import selectors as task_selectors
from tasks import undo
from tasks.api import UNDO_RESPONSES, undo_response
from tasks.journal import API

from . import selectors, services
from .turn import ChatTurn
from .models import Conversation
from .serializers import (
    ChatErrorSerializer,
    ChatInputErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ConversationDetailSerializer,
    ConversationMessagesQuerySerializer,
    ConversationRenameSerializer,
    ConversationSerializer,
)

CHAT_ERRORS = {
    400: OpenApiResponse(ChatInputErrorSerializer, description="Bad input: empty_message, message_too_long, invalid_message, invalid_timezone, invalid."),
    404: OpenApiResponse(ChatInputErrorSerializer, description="conversation_not_found (missing or another user's)."),
    409: OpenApiResponse(ChatInputErrorSerializer, description="busy: a turn of this user is still running (any connection)."),
    429: OpenApiResponse(ChatInputErrorSerializer, description="rate_limited (too many chat requests) or budget_exhausted (today's model tokens are used up)."),
    502: OpenApiResponse(ChatErrorSerializer, description="provider_error: the model failed; the user message and an error reply are saved."),
    503: OpenApiResponse(ChatErrorSerializer, description="provider_timeout: the model did not answer in time; both messages are saved."),
}


class ChatView(APIView):
    """One agent turn: saves the message, runs the agent with the user's tools, returns its reply.

    Its one throttle is the turn's own rate limit (chat.limits, CHAT_RATE), shared with the
    websocket door, so a turn is counted once whichever door it comes through."""

    @extend_schema(
        operation_id="chat_send",
        request=ChatRequestSerializer,
        responses={200: ChatResponseSerializer, **CHAT_ERRORS},
    )
    def post(self, request, user_id: int | None = None):
        if user_id is not None and user_id != request.user.pk:
            raise NotFound()  # another user's chat path looks like a missing one
        body = ChatRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        turn = ChatTurn(
            user=request.user,
            text=body.validated_data["message"],
            conversation_id=body.validated_data.get("conversation_id"),
            client_id=body.validated_data.get("client_id"),
            timezone=body.validated_data.get("timezone"),
        )
        async_to_sync(turn.run)()  # a ChatInputError is answered by the API's error handler
        if turn.status == "error":
            code = turn.error_code or "provider_error"
            http_status = status.HTTP_503_SERVICE_UNAVAILABLE if code == PROVIDER_TIMEOUT else status.HTTP_502_BAD_GATEWAY
            error = {
                "detail": turn.error_detail,
                "code": code,
                "conversation_id": turn.conversation_id,
                "message_id": turn.assistant_message_id,
            }
            return Response(error, status=http_status)
        return Response(
            ChatResponseSerializer(
                {
                    "conversation_id": turn.conversation_id,
                    "message_id": turn.assistant_message_id,
                    "response": turn.reply_text,
                    "tool_calls": turn.tool_calls,
                    "needs_confirmation": confirmation.awaits_confirmation(turn.pending),
                }
            ).data
        )


class UserChatView(ChatView):
    """`POST /api/{user_id}/chat`: the same turn; 404 unless user_id is the caller's own id."""

    @extend_schema(
        operation_id="chat_send_as_user",
        request=ChatRequestSerializer,
        responses={200: ChatResponseSerializer, **CHAT_ERRORS},
    )
    def post(self, request, user_id: int):
        return super().post(request, user_id=user_id)


class ConversationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's conversations, most recent first. Another user's answers 404."""

    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()  # for the schema; get_queryset is what runs

    def get_serializer_class(self):
        return ConversationDetailSerializer if self.action == "retrieve" else ConversationSerializer

    def get_queryset(self):
        return selectors.conversation_list(user=self.request.user)

    def get_object(self):
        try:
            conversation = selectors.conversation_get(user=self.request.user, conversation_id=self.kwargs["pk"])
        except selectors.ConversationNotFound:
            raise NotFound() from None
        self.check_object_permissions(self.request, conversation)
        return conversation

    @extend_schema(summary="One of your conversations, with a page of its messages", parameters=[ConversationMessagesQuerySerializer])
    def retrieve(self, request, *args, **kwargs):
        conversation = self.get_object()  # first, so someone else's conversation is a 404 whatever the query
        query = ConversationMessagesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            messages, earlier = selectors.conversation_messages(
                conversation=conversation, before=query.validated_data.get("before")
            )
        except selectors.MessageNotFound:
            raise ValidationError({"before": ["No message with that id in this conversation."]}) from None
        replies = [m.pk for m in messages if m.role == m.Role.ASSISTANT]
        undoable = task_selectors.turns_with_changes(user=request.user, message_ids=replies)
        undone = task_selectors.turns_undone(user=request.user, message_ids=sorted(undoable))
        context = {
            **self.get_serializer_context(),
            "messages": messages,
            "earlier_messages": earlier,
            "undoable_ids": undoable,
            "undone_ids": undone,
        }
        return Response(ConversationDetailSerializer(conversation, context=context).data)

    @extend_schema(summary="Rename one of your conversations", request=ConversationRenameSerializer, responses=ConversationSerializer)
    def partial_update(self, request, *args, **kwargs):
        conversation = self.get_object()
        body = ConversationRenameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        renamed = services.conversation_rename(
            user=request.user, conversation_id=conversation.pk, title=body.validated_data["title"]
        )
        return Response(ConversationSerializer(renamed).data)

    def perform_destroy(self, instance):
        services.conversation_delete(user=self.request.user, conversation_id=instance.pk)


class TurnUndoView(APIView):
    """`POST /api/chat/turns/{message_id}/undo/`: takes back every task change of that agent turn
    (`message_id` as POST /api/chat/ returns it) in one step; a later edit of one of its tasks
    makes it a 409 that names them. Another user's turn, or a turn that changed nothing, is a 404."""

    @extend_schema(operation_id="chat_turn_undo", request=None, responses=UNDO_RESPONSES)
    def post(self, request, message_id: int):
        return undo_response(lambda: undo.turn_undo(user=request.user, message_id=message_id, source=API))
