"""The account page: change the password, see and revoke personal access tokens, and log out
everywhere. Plain forms (no script), CSRF-protected, behind the auth doors' limits.

Both ways of ending sign-ins lean on one fact: every session (Django's session auth hash), every
JWT (SIMPLE_JWT["CHECK_REVOKE_TOKEN"]) and every chat socket (todo_project.sessions, and the
check each socket makes before a turn) is tied to the user's password hash. A new hash ends them
all, in every process and on any session backend, with no table of sessions to keep.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mcp_door import selectors as token_selectors
from mcp_door.views import token_row

from .accounts import user_revoke_tokens
from .auth_limits import attempt_refused, minutes, password_check_failed


class SignOutEverywhereForm(forms.Form):
    """The current password: an open session someone else found must not be enough to end the
    owner's, and it is what lets the hash be made anew."""

    password = forms.CharField(
        label="Your password, to confirm", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.", code="password_incorrect")
        return password

    def save(self):
        # The same password under a new salt: a new hash, so every sign-in made with the old one ends.
        self.user.set_password(self.cleaned_data["password"])
        self.user.save(update_fields=["password"])
        return self.user


def _password_form(request, data=None) -> PasswordChangeForm:
    form = PasswordChangeForm(request.user, data)
    form.fields["old_password"].label = "Current password"
    form.fields["old_password"].widget.attrs.pop("autofocus", None)  # one of three forms on the page
    return form


def _page(request, *, password_form=None, everywhere_form=None, status: int = 200):
    back = reverse("account")
    context = {
        "password_form": password_form or _password_form(request),
        "everywhere_form": everywhere_form or SignOutEverywhereForm(request.user, prefix="everywhere"),
        "token_rows": [token_row(token, back=back) for token in token_selectors.token_list(user=request.user)],
    }
    return render(request, "registration/account.html", context, status=status)


def _refused(request):
    """The auth doors' limits: per client, and the account's failed-password count."""
    wait = attempt_refused(request, username=request.user.get_username())
    if wait is None:
        return None
    response = render(request, "registration/throttled.html", {"minutes": minutes(wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


@login_required
def account_page(request):
    return _page(request)


@login_required
@require_POST
def password_change_page(request):
    refused = _refused(request)
    if refused:
        return refused
    form = _password_form(request, request.POST)
    if not form.is_valid():
        if "old_password" in form.errors:
            password_check_failed(request.user.get_username())
        return _page(request, password_form=form, status=400)
    with transaction.atomic():
        user = form.save()  # the new hash ends every other session; the signal ends the sockets
        user_revoke_tokens(user=user)
    update_session_auth_hash(request, user)  # this browser stays signed in
    messages.success(request, "Password changed. Every other browser and app signed in with the old one is signed out.")
    return redirect("account")


@login_required
@require_POST
def sign_out_everywhere_page(request):
    refused = _refused(request)
    if refused:
        return refused
    form = SignOutEverywhereForm(request.user, request.POST, prefix="everywhere")
    if not form.is_valid():
        if "password" in form.errors:
            password_check_failed(request.user.get_username())
        return _page(request, everywhere_form=form, status=400)
    with transaction.atomic():
        user = form.save()
        user_revoke_tokens(user=user)
    logout(request)  # this browser too: "everywhere"
    messages.success(request, "You are logged out everywhere: every browser, app and chat window.")
    return redirect("login")
