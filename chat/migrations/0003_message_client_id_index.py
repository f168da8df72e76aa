"""An index on Message.client_id, for the lookup of a retried first message (chat.models).

On PostgreSQL it is built CONCURRENTLY, so chats keep being saved while it builds on a big
message table (a plain CREATE INDEX holds every write to the table until it is done). That
cannot run inside a transaction, hence `atomic = False`; other databases get a plain index.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["client_id"], name="msg_client_id_idx", condition=models.Q(client_id__isnull=False))


def create_index(apps, schema_editor):
    message = apps.get_model("chat", "Message")
    schema_editor.add_index(message, INDEX, **_concurrently(schema_editor))


def drop_index(apps, schema_editor):
    message = apps.get_model("chat", "Message")
    schema_editor.remove_index(message, INDEX, **_concurrently(schema_editor))


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("chat", "0002_support_group")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="message", index=INDEX)],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        )
    ]
