from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Creates (or updates) a support staff user: can log into the admin and view, not edit, user data."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="Defaults to the SUPPORT_PASSWORD environment variable.")

    def handle(self, *args, username: str, password: str | None, **options):
        import os

        password = password or os.environ.get("SUPPORT_PASSWORD")
        if not password:
            raise CommandError("Give --password or set SUPPORT_PASSWORD.")
        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username)
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user.set_password(password)
        user.is_staff = True
        user.is_superuser = False
        user.save()
        user.groups.add(Group.objects.get(name="Support"))
        self.stdout.write(self.style.SUCCESS(f"Support user '{username}' is ready; log in at /admin/."))
