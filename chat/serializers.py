from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from core.serializers import StrictSerializerMixin

from .models import Conversation, Message
from .services import CLIENT_ID_MAX_CHARS


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": settings.CHAT_MAX_MESSAGE_CHARS, "pattern": r"\S"}
)
class MessageTextField(serializers.CharField):
    """The text of a chat message. Length and emptiness are checked by ChatTurn (codes
    empty_message / message_too_long), the same rule for the websocket and the REST doors; the
    schema states them so clients (and the fuzzer) know the limits."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def run_validation(self, data=empty):
        # "" too is ChatTurn's to refuse (empty_message), not DRF's generic "blank".
        return "" if data == "" else super().run_validation(data)


class ChatRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    message = MessageTextField(
        help_text=f"What the user says: 1 to {settings.CHAT_MAX_MESSAGE_CHARS} characters, not only spaces."
    )
    conversation_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Continue this conversation; leave out to start a new one."
    )
    timezone = serializers.CharField(
        required=False, allow_null=True, max_length=64, help_text="IANA zone for dates like 'tomorrow', e.g. Europe/Paris."
    )
    client_id = serializers.CharField(
        required=False, allow_null=True, max_length=CLIENT_ID_MAX_CHARS, help_text="Client-chosen id so a retried send is stored once."
    )


class ToolCallSerializer(serializers.Serializer):
    name = serializers.CharField()
    arguments = serializers.JSONField()
    output = serializers.JSONField(allow_null=True)


class ChatResponseSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    message_id = serializers.IntegerField(help_text="The assistant message saved for this turn.")
    response = serializers.CharField(allow_blank=True)
    tool_calls = ToolCallSerializer(many=True)
    needs_confirmation = serializers.BooleanField(
        help_text="The reply asks the user to confirm a bulk change (a tool answered status \"needs_confirmation\"); "
        "send \"yes\" in the same conversation to go ahead."
    )


class ChatInputErrorSerializer(serializers.Serializer):
    """A refused turn (nothing saved). A 400 for a bad field also names the field, with its messages."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ChatErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    conversation_id = serializers.IntegerField(required=False)
    message_id = serializers.IntegerField(required=False, help_text="The assistant message saved with status error.")


class MessageSerializer(serializers.ModelSerializer):
    tool_calls = ToolCallSerializer(many=True, read_only=True)
    undoable = serializers.SerializerMethodField(
        help_text="An agent turn that changed tasks: POST /api/chat/turns/{id}/undo/ takes it back."
    )
    undone = serializers.SerializerMethodField(
        help_text="That turn's changes stand undone (an undo took them back and no redo put them back)."
    )

    class Meta:
        model = Message
        fields = ["id", "role", "content", "tool_calls", "status", "created_at", "undoable", "undone"]
        read_only_fields = fields

    def get_undoable(self, message: Message) -> bool:
        return message.pk in self.context.get("undoable_ids", ())

    def get_undone(self, message: Message) -> bool:
        return message.pk in self.context.get("undone_ids", ())


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "title", "created_at", "updated_at"]
        read_only_fields = fields


class ConversationRenameSerializer(StrictSerializerMixin, serializers.Serializer):
    title = serializers.CharField(max_length=120, help_text="The conversation's new title (1-120 characters).")


class ConversationDetailSerializer(ConversationSerializer):
    """A conversation with one page of its messages: the latest, oldest first. When
    `earlier_messages` is true, GET again with `?before=<id of the first message>` for the page before."""

    messages = serializers.SerializerMethodField()
    earlier_messages = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages", "earlier_messages"]
        read_only_fields = fields

    # The page is read by the view (it takes ?before=) and handed over in the context.
    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation: Conversation) -> list[dict]:
        return MessageSerializer(self.context["messages"], many=True, context=self.context).data

    def get_earlier_messages(self, conversation: Conversation) -> bool:
        return self.context["earlier_messages"]


class ConversationMessagesQuerySerializer(serializers.Serializer):
    """The query of GET /api/conversations/{id}/."""

    before = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="A message id of this conversation: return the messages just before it.",
    )
