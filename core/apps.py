from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: what every app uses (ORM units, logging, text checks, pagination, the
    strict serializer mixin, domain errors). It imports no app of this project."""

    name = "core"
    label = "core"
