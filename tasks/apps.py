from django.apps import AppConfig


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from . import counts
        from .models import Task

        # A Task saved outside the services (the shell, a test) still makes its owner's cached
        # list counts stale (tasks/counts.py); the services report their changes through the journal.
        post_save.connect(counts.task_saved, sender=Task, dispatch_uid="task-count-cache")
