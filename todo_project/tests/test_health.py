import pytest

from todo_project import health

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_channel_layer_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    class DeadConnection:
        def cursor(self):
            raise health_error("could not connect to server")

    monkeypatch.setattr(health, "connection", DeadConnection())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "channel_layer": "ok"}


def test_health_is_503_when_the_channel_layer_is_down(client, monkeypatch):
    class DeadLayer:
        async def new_channel(self, prefix="specific."):
            raise ConnectionRefusedError("redis is gone")

    monkeypatch.setattr(health, "get_channel_layer", lambda *args: DeadLayer())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "channel_layer": "error"}


def test_health_is_503_when_there_is_no_channel_layer_at_all(client, monkeypatch):
    monkeypatch.setattr(health, "get_channel_layer", lambda *args: None)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"


def test_health_answers_plain_http_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/").status_code == 200
    assert client.get("/tasks/").status_code == 301  # everything else is redirected to https


def health_error(message: str) -> Exception:
    from django.db import OperationalError

    return OperationalError(message)
