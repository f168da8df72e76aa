from django.apps import AppConfig


class AgentsBridgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agents_bridge"
