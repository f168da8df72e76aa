"""Personal access tokens: how an outside agent (an MCP client) acts for a person."""

from django.conf import settings
from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


class PersonalAccessToken(models.Model):
    """A named credential a person hands to an MCP client. Only a SHA-256 digest of the secret is
    stored (the secret is long and random, so a slow hash buys nothing); the person sees the secret
    once, when it is made. Revoking keeps the row, so what a token did can still name it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.READ_WRITE)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The secret's first characters, so a person can tell their tokens apart ("todo_pat_3fQ9…").
    hint = models.CharField(max_length=24, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="pat_owner_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
