"""Every /api/ error is JSON {detail, code}: unknown URLs, wrong methods, bodies, crashes; DEBUG on or off."""

import logging

import pytest
from django.test import Client

from tasks import selectors
from tasks.models import Task

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_url_is_a_json_404(settings, api_client, debug, method):
    settings.DEBUG = debug
    assert_json_error(getattr(api_client, method)("/api/no-such-thing/"), 404, "not_found")
    assert_json_error(getattr(Client(), method)("/api/v2/tasks/1/"), 404, "not_found")


def test_a_missing_trailing_slash_is_a_404_that_says_how_to_fix_it(api_client):
    body = assert_json_error(api_client.post("/api/tasks", {"title": "x"}, format="json"), 404, "not_found")
    assert "/api/tasks/" in body["detail"]
    assert not Task.objects.exists()


def test_a_page_url_that_does_not_exist_is_still_an_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_inside_an_api_view_is_a_logged_json_500(settings, api_client, monkeypatch, caplog, debug):
    settings.DEBUG = debug

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "task_list", explode)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api_client.get("/api/tasks/")
    body = assert_json_error(response, 500, "server_error")
    assert "boom" not in body["detail"]  # internals stay in the log
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


def test_a_body_over_the_size_limit_is_a_json_413(settings, api_client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post("/api/tasks/", {"title": "x", "description": "d" * 2000}, format="json")
    assert_json_error(response, 413, "request_too_large")
    assert not Task.objects.exists()


def test_wrong_method_and_wrong_media_type_are_json(api_client):
    assert_json_error(api_client.delete("/api/tasks/"), 405, "method_not_allowed")
    assert_json_error(api_client.generic("POST", "/api/tasks/", "hi", content_type="text/plain"), 415, "unsupported_media_type")
    assert_json_error(api_client.generic("POST", "/api/tasks/", "{", content_type="application/json"), 400, "parse_error")


def test_a_browser_session_without_a_csrf_token_gets_a_json_403(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/api/tasks/", {"title": "x"}, content_type="application/json")
    assert_json_error(response, 403, "csrf_failed")
    assert not Task.objects.exists()


def test_field_errors_come_with_a_detail_naming_the_first_problem(api_client):
    response = api_client.post("/api/tasks/", {"title": "", "priority": "urgent"}, format="json")
    body = assert_json_error(response, 400, "invalid")
    assert body["detail"].startswith("title:")
    assert body["title"] and body["priority"]


def test_a_field_called_detail_or_code_cannot_break_the_error_shape(api_client):
    response = api_client.post("/api/tasks/", {"title": "ok", "code": 1, "detail": 2}, format="json")
    body = assert_json_error(response, 400, "invalid")
    assert "Unknown field" in body["detail"]
