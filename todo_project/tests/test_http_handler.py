"""HTTP through the assembled ASGI app (todo_project.http_handler): the same answers as Django's
own handler gives, with the request's work done on the pool's reused threads."""

import json

import pytest
from channels.testing import HttpCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from tasks.models import Task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def call(method: str, path: str, token: str | None = None, body: dict | None = None):
    from todo_project.asgi import application

    headers = [(b"host", b"testserver"), (b"accept", b"application/json")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    raw = b""
    if body is not None:
        raw = json.dumps(body).encode()
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    comm = HttpCommunicator(application, method, path, body=raw, headers=headers)
    response = await comm.get_response(timeout=10)
    return response["status"], {k.lower(): v for k, v in response["headers"]}, response["body"]


async def test_a_json_body_is_read_and_the_task_created(user):
    token = str(AccessToken.for_user(user))
    status, headers, body = await call("POST", "/api/tasks/", token, {"title": "Through ASGI"})
    assert status == 201, body
    assert json.loads(body)["title"] == "Through ASGI"
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"x-request-id"]  # the whole middleware chain ran
    assert await Task.objects.filter(owner=user, title="Through ASGI").aexists()

    status, _, body = await call("GET", "/api/tasks/", token)
    assert status == 200 and json.loads(body)["count"] == 1


async def test_errors_keep_their_json_shape(user):
    status, _, body = await call("GET", "/api/tasks/")
    assert status == 401 and json.loads(body)["code"] == "not_authenticated"
    token = str(AccessToken.for_user(user))
    status, _, body = await call("GET", "/api/tasks/999999/", token)
    assert status == 404 and json.loads(body) == {"detail": "Not found.", "code": "not_found"}
    status, _, body = await call("POST", "/api/tasks/", token, {"title": ""})
    assert status == 400 and json.loads(body)["code"] == "invalid"


async def test_requests_run_on_reused_threads_not_a_new_one_each(user, monkeypatch):
    import threading

    from tasks import api

    seen = []
    real = api.TaskViewSet.list

    def spying_list(self, request, *args, **kwargs):
        seen.append(threading.current_thread().name)
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(api.TaskViewSet, "list", spying_list)
    token = str(AccessToken.for_user(user))
    for _ in range(6):
        assert (await call("GET", "/api/tasks/", token))[0] == 200
    assert all(name.startswith("http") for name in seen), seen
    assert len(set(seen)) < len(seen)
