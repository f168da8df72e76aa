from django.conf import settings
from django.db import models


class Conversation(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="conv_owner_updated_idx")]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    class Status(models.TextChoices):
        COMPLETE = "complete", "Complete"
        ERROR = "error", "Error"
        INTERRUPTED = "interrupted", "Interrupted"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=9, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    tool_calls = models.JSONField(default=list, blank=True)
    # On an assistant reply: the question it left open for the next turn, as plain data (a bulk
    # change awaiting "yes", "which one?", "should I add it?"; see agents_bridge.confirmation).
    # The next turn reads it from here, never from the reply's words.
    pending = models.JSONField(null=True, blank=True, default=None)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.COMPLETE)
    # Set by clients so a retried send is stored once; unique per conversation.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="msg_conv_created_idx"),
            # A retried first message of a new conversation is looked up by client_id across all
            # the user's conversations (chat.services.turn_begin). Without this index PostgreSQL
            # read the whole unique (conversation, client_id) index on every new chat: 3.5 ms with
            # 2,000 client ids stored, 12 ms with 7,000, growing with every user's messages.
            models.Index(fields=["client_id"], name="msg_client_id_idx", condition=models.Q(client_id__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="msg_unique_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"
