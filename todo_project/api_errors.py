"""One shape for every /api/ error: {"detail": ..., "code": ...} plus field errors on 400.

Django's ValidationError (raised by services' full_clean) becomes a 400, and a domain error
(core.errors.ApplicationError, e.g. a task that is missing or someone else's) answers its own code
and status: services name the error, only this module knows HTTP.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import ApplicationError

logger = logging.getLogger(__name__)


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field in ("non_field_errors", "__all__", "detail") else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def _codes(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _codes(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_codes(v) for v in detail]
    return getattr(detail, "code", None)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


# Keys of the error body itself; a field with one of these names is still named in `detail`.
_RESERVED = ("detail", "code")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail={("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()})
    elif isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return Response({"detail": exc.detail, "code": exc.code}, status=exc.status, headers=headers)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()

    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: the middleware answers JSON 500 on /api/ and logs it

    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        body = {"detail": _first_message(fields), "code": "invalid"}
        body.update({k: v for k, v in fields.items() if k not in _RESERVED})
    else:
        detail = data.get("detail", data) if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            code = data["code"]  # simplejwt puts its own code ("token_not_valid") next to detail
        if isinstance(exc, exceptions.PermissionDenied) and str(detail).startswith("CSRF Failed"):
            code = "csrf_failed"  # a session client forgot the token; tell it so, not "forbidden"
        body = {"detail": str(detail), "code": code}
        if isinstance(data, dict):
            body.update({k: v for k, v in data.items() if k not in _RESERVED})
    response.data = body
    return response


@csrf_exempt  # nothing here changes state; a 404 must not turn into a CSRF page
def api_not_found(request, *args, **kwargs):
    """Any /api/ URL that names no endpoint: a JSON 404, also with DEBUG on."""
    detail = "Not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = f"Not found. API URLs end with a slash: {request.path}/"
    return json_error(status.HTTP_404_NOT_FOUND, detail, "not_found")


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: JSON on /api/, Django's page elsewhere."""
    if is_api(request):
        return json_error(status.HTTP_403_FORBIDDEN, f"CSRF check failed: {reason}", "csrf_failed")
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if is_api(request):
        return json_error(status.HTTP_404_NOT_FOUND, "Not found.", "not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception, template_name="404.html")


def handler500(request):
    if is_api(request):
        return json_error(status.HTTP_500_INTERNAL_SERVER_ERROR, "Server error.", "server_error")
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if is_api(request):
        return json_error(status.HTTP_400_BAD_REQUEST, "Bad request.", "bad_request")
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if is_api(request):
        return json_error(status.HTTP_403_FORBIDDEN, "Forbidden.", "forbidden")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)
