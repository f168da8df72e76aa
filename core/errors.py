"""Domain errors. Services and selectors raise these; they never build an HTTP response.

`code` is machine-readable and part of every door's contract (the API's `{"detail", "code"}`,
the websocket's error frames, the agent tools' outputs). `status` is the HTTP status the one API
exception handler (todo_project.api_errors) answers with; nothing below the API reads it.
"""


class ApplicationError(Exception):
    code = "invalid"
    status = 400
    detail = "The request cannot be carried out."

    retry_after: int | None = None  # seconds, for a limit that will let the same request through later

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, status: int | None = None, retry_after: int | None = None
    ) -> None:
        self.detail = detail if detail is not None else self.detail
        self.retry_after = retry_after
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(self.detail)


class NotFoundError(ApplicationError):
    """Missing and someone else's look the same: the caller cannot tell which."""

    code = "not_found"
    status = 404
    detail = "Not found."
