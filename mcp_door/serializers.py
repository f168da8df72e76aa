from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from core.serializers import StrictSerializerMixin

from .models import PersonalAccessToken, TokenScope

MAX_EXPIRY_DAYS = 366


class TokenSerializer(serializers.ModelSerializer):
    """A personal access token as its owner sees it later: never the secret."""

    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "scope", "hint", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class NewTokenSerializer(StrictSerializerMixin, serializers.Serializer):
    """name (1-100 characters), scope "read" or "read_write" (the default), and an optional expiry in days."""

    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ_WRITE)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=MAX_EXPIRY_DAYS, required=False, allow_null=True)

    def to_service_arguments(self) -> dict:
        days = self.validated_data.get("expires_in_days")
        return {
            "name": self.validated_data["name"],
            "scope": self.validated_data["scope"],
            "expires_at": timezone.now() + timedelta(days=days) if days else None,
        }


class CreatedTokenSerializer(TokenSerializer):
    """The token just made, with its secret: shown this once, stored only as a digest."""

    token = serializers.CharField(read_only=True)

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
