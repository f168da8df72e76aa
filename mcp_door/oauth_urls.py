"""django-oauth-toolkit's endpoints for the MCP door, mounted at the site root: the RFC 8414 and
RFC 9728 metadata under /.well-known/, and authorize, token, revoke and dynamic client
registration under /oauth/. Only what an MCP client needs (no device flow, no application pages)."""

from django.urls import path
from oauth2_provider import urls as dot_urls
from oauth2_provider import views as dot_views

from .views import oauth_client_registration

app_name = "oauth2_provider"  # the toolkit reverses its own URLs in this namespace

urlpatterns = [
    *dot_urls.metadata_urlpatterns,
    path("oauth/authorize/", dot_views.AuthorizationView.as_view(), name="authorize"),
    path("oauth/token/", dot_views.TokenView.as_view(), name="token"),
    path("oauth/revoke_token/", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/register/", oauth_client_registration, name="dcr-register"),
    path("oauth/register/<str:client_id>/", dot_views.DynamicClientRegistrationManagementView.as_view(),
         name="dcr-register-management"),
]
