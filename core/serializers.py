from django.http import QueryDict
from rest_framework import serializers


class StrictSerializerMixin:
    # Rejects fields the endpoint does not take, so a typo is an error, not a silent no-op.
    # (A comment, not a docstring: drf-spectacular would show it as every serializer's description.)

    # Sent by the browsable API's HTML forms along with the fields; not data.
    FORM_ONLY_KEYS = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            read_only = set(self.fields) - writable
            sent = set(data) - (self.FORM_ONLY_KEYS if isinstance(data, QueryDict) else set())
            errors = {name: ["This field is read-only."] for name in sorted(sent & read_only)}
            errors.update({name: ["Unknown field."] for name in sorted(sent - writable - read_only)})
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
