"""When a user's sign-in ends, their open chat sockets end with it (chat.auth.end_user_sockets).

Logging out, deactivating the account, changing its password or deleting it end every socket of
the user, in every process sharing the channel layer. Signal receivers rather than a call in each
view: those changes are also made by the admin, `manage.py changepassword` and the shell. A change
that sends no signal (a queryset update) is caught by the check each socket makes before a turn.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chat.auth import end_user_sockets


def end_sockets_after_commit(user_id: Any) -> None:
    transaction.on_commit(lambda: end_user_sockets(user_id))


def note_sign_in_change(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: whether this save ends the user's sign-ins (read before it)."""
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return  # a new user, or a save of other fields only (last_login on every log-in)
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._ends_sign_ins = before is not None and (
        before["password"] != instance.password or (before["is_active"] and not instance.is_active)
    )


def user_saved(sender, instance, **kwargs) -> None:
    if instance.__dict__.pop("_ends_sign_ins", False):
        end_sockets_after_commit(instance.pk)


def user_deleted(sender, instance, **kwargs) -> None:
    end_sockets_after_commit(instance.pk)


def user_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        end_sockets_after_commit(user.pk)
