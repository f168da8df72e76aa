from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tasks.api import ActivityViewSet, LabelViewSet, TaskViewSet

from . import account_pages, accounts, api_errors
from .health import health

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tasks", TaskViewSet, basename="task")
router.register("activity", ActivityViewSet, basename="activity")
router.register("labels", LabelViewSet, basename="label")

api_patterns = [
    path("auth/register/", accounts.RegisterView.as_view(), name="api_register"),
    path("auth/token/", accounts.ThrottledTokenObtainPairView.as_view(), name="api_token"),
    path("auth/token/refresh/", accounts.TokenRefreshView.as_view(), name="api_token_refresh"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="api_logout"),
    path("auth/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline (CSP script-src 'self').
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", include("chat.api_urls")),
    path("", include("mcp_door.api_urls")),
    *router.urls,
    # Last: any other /api/ URL is a JSON 404 (Django's HTML debug page never answers an API client).
    re_path(r"^.*$", api_errors.api_not_found),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="chat:app", permanent=False)),
    path("health/", health, name="health"),
    path("admin/login/", accounts.admin_login_page),  # admin.site's own view, behind the auth limits
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("accounts/signup/", accounts.signup_page, name="signup"),
    path("accounts/login/", accounts.login_page, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_pages.account_page, name="account"),
    path("account/password/", account_pages.password_change_page, name="account_password"),
    path("account/log-out-everywhere/", account_pages.sign_out_everywhere_page, name="account_sign_out_everywhere"),
    path("tasks/", include("tasks.urls")),
    path("chat/", include("chat.urls")),
    path("connections/", include("mcp_door.urls")),
    path("", include("mcp_door.oauth_urls")),
]

handler400 = "todo_project.api_errors.handler400"
handler403 = "todo_project.api_errors.handler403"
handler404 = "todo_project.api_errors.handler404"
handler500 = "todo_project.api_errors.handler500"
