"""Removes task change journal entries older than TASK_CHANGES_KEEP_DAYS (default 90) days.

Run it daily (README: "Activity and undo"). It deletes in small batches, each its own
transaction, so it never holds locks on the journal for long while users keep writing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tasks.models import TaskChange


class Command(BaseCommand):
    help = "Deletes task change journal entries older than --days (default: TASK_CHANGES_KEEP_DAYS, 90)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days (default: TASK_CHANGES_KEEP_DAYS).")
        parser.add_argument("--batch-size", type=int, default=5000, help="Entries deleted per transaction.")

    def handle(self, *args, days: int | None, batch_size: int, **options):
        days = settings.TASK_CHANGES_KEEP_DAYS if days is None else days
        if days < 1 or batch_size < 1:
            raise CommandError("--days and --batch-size must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        removed = 0
        while True:
            with transaction.atomic():
                ids = list(TaskChange.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("id", flat=True)[:batch_size])
                if not ids:
                    break
                removed += TaskChange.objects.filter(pk__in=ids).delete()[0]
        self.stdout.write(f"Removed {removed} task changes older than {days} days (before {cutoff:%Y-%m-%d %H:%M} UTC).")
