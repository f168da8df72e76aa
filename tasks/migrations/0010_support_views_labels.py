"""Support staff (the Support group) may read labels, not edit them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ("view_label", "view_tasklabel")


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure these exist now.
    tasks = apps.get_app_config("tasks")
    tasks.models_module = True
    create_permissions(tasks, apps=apps, verbosity=0)
    tasks.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Support")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="tasks", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tasks", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("tasks", "0009_labels_and_recurrence"), ("tasks", "0008_support_views_task_changes")]

    operations = [migrations.RunPython(grant, revoke)]
