"""The Connections page: make, see and revoke the tokens MCP clients use, with setup snippets;
and the throttled door to OAuth client registration."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider import views as dot_views
from rest_framework.throttling import ScopedRateThrottle

from . import selectors, services
from .models import PersonalAccessToken, TokenScope
from .oauth import WRITE_SCOPE
from .serializers import NewTokenSerializer


def _day(moment) -> str:
    return date_format(moment, "M j, Y")


def token_row(token: PersonalAccessToken, *, back: str | None = None) -> dict:
    """One token as the connection rows show it; `back`: the page its Revoke returns to."""
    used = f"last used {timesince(token.last_used_at)} ago" if token.last_used_at else "never used"
    details = [f"{token.hint}…", f"made {_day(token.created_at)}", used]
    if token.expires_at:
        details.append(f"expires {_day(token.expires_at)}")
    return {"title": token.name, "access": token.get_scope_display(), "details": details,
            "action": reverse("mcp_door:revoke", args=[token.pk]), "button": "Revoke", "back": back}


def _app_row(app: dict) -> dict:
    access = TokenScope.READ_WRITE.label if WRITE_SCOPE in app["scopes"] else TokenScope.READ.label
    return {"title": app["name"], "access": access, "details": [f"allowed {_day(app['since'])}"],
            "action": reverse("mcp_door:revoke_app", args=[app["application_id"]]), "button": "Disconnect"}


def _page(request, *, new_secret: str | None = None, errors: dict | None = None, status: int = 200):
    return render(
        request,
        "mcp_door/token_list.html",
        {
            "token_rows": [token_row(token) for token in selectors.token_list(user=request.user)],
            "app_rows": [_app_row(app) for app in selectors.oauth_connections(user=request.user)],
            "new_secret": new_secret,
            "errors": errors or {},
            "mcp_url": request.build_absolute_uri("/mcp"),
        },
        status=status,
    )


@login_required
def token_list_page(request):
    if request.method != "POST":
        return _page(request)
    incoming = NewTokenSerializer(data={k: v for k, v in request.POST.items() if k in ("name", "scope", "expires_in_days") and v != ""})
    if not incoming.is_valid():
        return _page(request, errors=incoming.errors, status=400)
    _token, secret = services.token_create(owner=request.user, **incoming.to_service_arguments())
    # Rendered, not redirected: the secret is never stored anywhere it could be shown again.
    return _page(request, new_secret=secret)


@login_required
@require_POST
def token_revoke_page(request, token_id: int):
    try:
        token = services.token_revoke(user=request.user, token_id=token_id)
    except selectors.TokenNotFound:
        raise Http404("No such token") from None
    messages.success(request, f"Revoked “{token.name}”. Clients using it are refused from now on.")
    back = request.POST.get("next")
    # The account page lists the tokens too, and sends the person back to itself.
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("mcp_door:connections")


@login_required
@require_POST
def oauth_connection_revoke_page(request, application_id: int):
    try:
        services.oauth_connection_revoke(user=request.user, application_id=application_id)
    except selectors.TokenNotFound:
        raise Http404("No such connection") from None
    messages.success(request, "Disconnected. That app can no longer reach your list.")
    return redirect("mcp_door:connections")


class _SignUpScope:
    throttle_scope = "auth"  # AUTH_RATE, as for /api/auth/register/


_register_client = dot_views.DynamicClientRegistrationView.as_view()


@csrf_exempt  # as the toolkit's view is: registration is a JSON API call, never a form post
def oauth_client_registration(request, *args, **kwargs):
    """RFC 7591 registration is open to anyone (that is how Claude's connectors join), so each
    client address may register only at the sign-up rate; over it, 429 with Retry-After."""
    if request.method == "POST":
        throttle = ScopedRateThrottle()
        if not throttle.allow_request(request, _SignUpScope()):
            wait = max(1, math.ceil(throttle.wait() or 1))
            body = {"error": "slow_down", "error_description": f"Too many registrations; retry in {wait} s."}
            return JsonResponse(body, status=429, headers={"Retry-After": str(wait)})
    return _register_client(request, *args, **kwargs)
