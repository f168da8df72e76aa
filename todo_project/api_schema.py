"""The OpenAPI side of the API's error contract.

Every operation documents the ``Error`` shape ``{detail, code}`` on each status it can really
answer with (400/401/403/404/413/415/429), so a fuzzer checking status codes and response
schemas against the schema finds the truth. Strict request serializers are ``additionalProperties: false``.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every /api/ error. A 400 also carries one key per invalid field with its messages.",
    "properties": {
        "detail": {"type": "string", "description": "A sentence naming the problem."},
        "code": {"type": "string", "description": "Machine-readable reason, e.g. invalid, not_found, not_authenticated."},
    },
    "required": ["detail", "code"],
    "additionalProperties": True,
}
ERROR_COMPONENT = ResolvedComponent(
    name="Error", type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="todo_project.api_schema.Error"
)

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the body, a field or a query parameter (`detail` names it; field errors by name).",
    "401": "Missing, expired or invalid credentials.",
    "403": "Not allowed (for session clients: a missing CSRF token).",
    "404": "No such object, or it belongs to someone else.",
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "429": "Too many requests; try again later.",
}


class CachedUserJWTScheme(SimpleJWTScheme):
    """The API's JWT authentication (todo_project.authentication) is simplejwt's with a cached user
    lookup: the same bearer scheme ("jwtAuth") in the schema."""

    target_class = "todo_project.authentication.JWTAuthentication"


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses each operation can produce."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        self.registry.register_on_missing(ERROR_COMPONENT)
        for code in self._error_codes(operation):
            operation["responses"].setdefault(
                code,
                {
                    "description": _ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_COMPONENT.ref}},
                },
            )
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        codes = []
        view, request = self.view, getattr(self.view, "request", None)
        has_body = "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if has_body or has_query:
            codes.append("400")
        # DRF answers 401 when the first authenticator names a scheme (Bearer), else 403.
        if view.get_authenticate_header(request):
            codes.append("401")
        needs_login = any(
            not isinstance(permission, permissions.AllowAny) for permission in view.get_permissions()
        )
        uses_session = any(isinstance(a, SessionAuthentication) for a in view.get_authenticators())
        if needs_login or uses_session:
            codes.append("403")
        if re.search(r"{[^}]+}", self.path):
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        if view.get_throttles():
            codes.append("429")
        return codes

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # A strict serializer rejects unknown fields; say so, so generated clients and fuzzers know.
        from core.serializers import StrictSerializerMixin

        strict = isinstance(force_instance(serializer), StrictSerializerMixin)
        if direction == "request" and strict and schema.get("type") == "object":
            schema["additionalProperties"] = False
        return schema
