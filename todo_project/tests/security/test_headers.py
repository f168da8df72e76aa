"""Response headers: a strict Content-Security-Policy (scripts from this site only, no inline
script anywhere), a Permissions-Policy, and no-store on what a signed-in person sees."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from tasks.tests.factories import make_task


@pytest.fixture
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on* handlers, style attributes and blocks."""

    def __init__(self):
        super().__init__()
        self.found, self._in_inline_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.found += [f"<{tag} {name}=...>" for name in attrs if name.startswith("on") or name == "style"]
        if tag == "style":
            self.found.append("<style> block")
        # Data blocks (json_script: type="application/json") are not run, so CSP lets them be.
        self._in_inline_script = tag == "script" and "src" not in attrs and attrs.get("type", "") in ("", "module", "text/javascript")

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        self._in_inline_script = False


OWN_PAGES = ["/accounts/login/", "/accounts/signup/"]
SIGNED_IN_PAGES = ["/tasks/", "/chat/", "/tasks/{task}/edit/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", OWN_PAGES + SIGNED_IN_PAGES)
def test_our_pages_have_a_strict_policy_and_nothing_inline_it_would_block(user, signed_in, path):
    task = make_task(user, "Pay rent")
    client = signed_in if path in SIGNED_IN_PAGES else Client()

    response = client.get(path.format(task=task.pk))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/tasks/"])
def test_third_party_pages_run_no_inline_script_either(signed_in, path):
    response = signed_in.get(path, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>\s*\S", response.content.decode())


@pytest.mark.django_db
def test_swagger_ui_gets_its_start_up_script_from_a_url(signed_in):
    page = signed_in.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1).replace("&amp;", "&")

    script = signed_in.get(script_url)

    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/health/", "/api/auth/token/"])
def test_every_response_has_a_permissions_policy(path):
    response = Client().get(path)

    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tasks/", "/chat/", "/api/tasks/", "/api/conversations/"])
def test_what_a_signed_in_person_sees_is_never_stored(signed_in, path):
    response = signed_in.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_api_answer_to_a_token_is_never_stored(user):
    response = Client().get("/api/tasks/", HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
