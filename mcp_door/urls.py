from django.urls import path

from . import views

app_name = "mcp_door"

urlpatterns = [
    path("", views.token_list_page, name="connections"),
    path("<int:token_id>/revoke/", views.token_revoke_page, name="revoke"),
    path("apps/<int:application_id>/revoke/", views.oauth_connection_revoke_page, name="revoke_app"),
]
