"""Support staff (the Support group, chat 0002) may read the task change journal, not edit it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure this one exists now.
    tasks = apps.get_app_config("tasks")
    tasks.models_module = True
    create_permissions(tasks, apps=apps, verbosity=0)
    tasks.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Support")
    group.permissions.add(Permission.objects.get(content_type__app_label="tasks", codename="view_taskchange"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Support"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tasks", codename="view_taskchange"))


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0007_task_change_journal"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
