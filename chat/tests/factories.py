from chat.models import Conversation, Message


def make_conversation(owner, title: str = "Groceries", messages: list[tuple[str, str]] | None = None, **fields) -> Conversation:
    """A conversation with messages given as (role, content) pairs, oldest first."""
    conversation = Conversation.objects.create(owner=owner, title=title)
    for role, content in messages or []:
        Message.objects.create(conversation=conversation, role=role, content=content, **fields)
    return conversation


def add_message(conversation: Conversation, role: str, content: str, **fields) -> Message:
    return Message.objects.create(conversation=conversation, role=role, content=content, **fields)
