"""Request-scoped log context: every JSON log line carries who and what it was about.

Context variables follow the request (or websocket turn) across sync_to_async hops,
so a line logged inside an agent tool still names the request, user and conversation.
"""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
conversation_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("conversation_id", default=None)

# Keys whose values must never reach a log line, whatever a caller passes in `extra`.
SECRET_KEYS = {"password", "token", "access", "refresh", "authorization", "secret", "api_key", "cookie"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        # Django logs 4xx/5xx ("Not Found: ...") after the middleware has returned, when the
        # context is already reset; such records carry the request, which carries the ids.
        request = getattr(record, "request", None)
        if record.request_id is None and request is not None:
            record.request_id = getattr(request, "request_id", None)
            user = getattr(request, "user", None)
            if record.user_id is None and getattr(user, "is_authenticated", False):
                record.user_id = user.pk
        record.conversation_id = conversation_id_var.get()
        for key in list(vars(record)):
            if key.lower() in SECRET_KEYS:
                setattr(record, key, "[redacted]")
        return True
