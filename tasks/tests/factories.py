from datetime import date

from tasks import services
from tasks.models import Task


def make_task(owner, title: str = "Buy milk", **fields) -> Task:
    completed = fields.pop("completed", False)
    task = services.task_create(owner=owner, title=title, **fields)
    if completed:
        task = services.task_complete(user=owner, task_id=task.pk)
    return task


__all__ = ["make_task", "date"]
