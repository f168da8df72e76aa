from django.apps import AppConfig


class TodoProjectConfig(AppConfig):
    """Project-wide wiring that must be in place before any request: signal receivers."""

    name = "todo_project"
    label = "todo_project"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save, pre_save

        from . import sessions
        from .auth_limits import login_failed
        from .authentication import user_changed

        # Connected here, not where the authentication class is first imported: a process that
        # changes users (the admin, a management command) must drop their cached copies even
        # if it never authenticated a token itself.
        user_model = get_user_model()
        post_save.connect(user_changed, sender=user_model, dispatch_uid="auth-user-cache-save")
        post_delete.connect(user_changed, sender=user_model, dispatch_uid="auth-user-cache-delete")
        # Every door's authenticate() reports its failures here: the per-account login limit.
        user_login_failed.connect(login_failed, dispatch_uid="auth-login-failed")
        # Logging out, deactivation, a password change or deletion end the user's open sockets.
        pre_save.connect(sessions.note_sign_in_change, sender=user_model, dispatch_uid="sockets-note")
        post_save.connect(sessions.user_saved, sender=user_model, dispatch_uid="sockets-save")
        post_delete.connect(sessions.user_deleted, sender=user_model, dispatch_uid="sockets-delete")
        user_logged_out.connect(sessions.user_logged_out, dispatch_uid="sockets-logout")
