from django.apps import AppConfig


class McpDoorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mcp_door"
    verbose_name = "MCP door"
