import logging
import re
import time
import uuid

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.utils.cache import add_never_cache_headers

from core.logging import request_id_var, user_id_var

logger = logging.getLogger("todo.request")
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Tags each request with an id (kept from X-Request-ID when a proxy set one) and logs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # Only a short token of safe characters is echoed back and logged; anything else gets a fresh id.
        request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Set, not reset at the end: Django logs the response ("django.request") after this
        # middleware returns, and that line should carry the id too. The next request sets its own.
        request_id_var.set(request_id)
        user_id_var.set(None)
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(user.pk)
        response["X-Request-ID"] = request_id
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response


class ApiExceptionMiddleware:
    """An exception escaping a view under /api/ becomes a JSON {detail, code}, with DEBUG on or off.

    DRF views handle their own errors; this catches the rest (a bug: 500, logged with its
    traceback; or Django's own 404/403/400 raised outside DRF) so an API client never gets HTML.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
        from django.http import Http404

        from .api_errors import is_api, json_error

        if not is_api(request):
            return None
        if isinstance(exception, Http404):
            return json_error(404, "Not found.", "not_found")
        if isinstance(exception, PermissionDenied):
            return json_error(403, "You do not have permission to perform this action.", "permission_denied")
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "The request body is too large.", "request_too_large")
        if isinstance(exception, SuspiciousOperation):
            return json_error(400, "Bad request.", "bad_request")
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500}
        )
        return json_error(500, "Server error. It has been logged; please try again later.", "server_error")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (CONTENT_SECURITY_POLICY in settings). Our own pages load only their own
    scripts and styles; the admin, the browsable API and Swagger UI are third-party templates with
    inline styles (never inline scripts), so under those prefixes styles may also be inline."""

    INLINE_STYLE_PREFIXES = ("/admin/", "/api/")

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(self.INLINE_STYLE_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


# Features none of our pages use; a page that is ever subverted cannot ask for them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)


class PrivateResponseMiddleware:
    """Permissions-Policy on every response, and `Cache-Control: no-store` on what a signed-in
    person sees (a session page, or an API answer to a token): no copy of their tasks or chats
    stays in a browser or proxy cache for the next person at that computer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response
