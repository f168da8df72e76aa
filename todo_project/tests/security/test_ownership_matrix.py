"""Every route of the OpenAPI schema that takes an object id, tried by another user with every
method: the answer is 404 (exactly like a missing object) and the object is unchanged.

A new route with an id parameter fails this test until it gets a fixture below, so ownership is
checked for every route, not just the ones someone remembered.
"""

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from drf_spectacular.generators import SchemaGenerator

from chat.models import Conversation, Message
from mcp_door.models import PersonalAccessToken
from mcp_door.services import token_create
from tasks.models import Task
from tasks.journal import ChangeSource
from tasks.models import Door, Task, TaskChange
from tasks.labels import label_create
from tasks.models import Label, TaskLabel
from tasks.tests.factories import make_task

SECRET = "alice-private-7f3a"


@dataclass
class Owned:
    """How to make one of alice's objects for a route, and how to tell whether it changed."""

    make: Callable[[Any], dict[str, Any]]  # alice -> path parameters
    snapshot: Callable[[Any, dict[str, Any]], Any]  # (alice, params) -> comparable state
    body: dict[str, Any]  # a body that would be valid for the owner


def _task(alice) -> dict[str, Any]:
    return {"id": make_task(alice, f"{SECRET} task", description=SECRET).pk}


def _task_state(alice, params) -> Any:
    return list(Task.objects.filter(pk=params["id"]).values())


def _conversation(alice) -> dict[str, Any]:
    conversation = Conversation.objects.create(owner=alice, title=f"{SECRET} chat")
    Message.objects.create(conversation=conversation, role="user", content=SECRET)
    Message.objects.create(conversation=conversation, role="assistant", content=f"{SECRET} reply")
    return {"id": conversation.pk}


def _conversation_state(alice, params) -> Any:
    return (
        list(Conversation.objects.filter(pk=params["id"]).values()),
        list(Message.objects.filter(conversation_id=params["id"]).values()),
    )


def _alice_herself(alice) -> dict[str, Any]:
    _conversation(alice)
    return {"user_id": alice.pk}


def _alice_chats(alice, params) -> Any:
    return (list(Conversation.objects.filter(owner=alice).values()), Message.objects.count())


def _access_token(alice) -> dict[str, Any]:
    return {"token_id": token_create(owner=alice, name=f"{SECRET} token")[0].pk}


def _access_token_state(alice, params) -> Any:
    return list(PersonalAccessToken.objects.filter(pk=params["token_id"]).values())
def _change(alice) -> dict[str, Any]:
    task = make_task(alice, f"{SECRET} task", description=SECRET)
    return {"id": TaskChange.objects.get(task_id=task.pk).pk}


def _journal_state(alice, params) -> Any:
    return list(Task.objects.filter(owner=alice).values()), TaskChange.objects.filter(owner=alice).count()


def _label(alice) -> dict[str, Any]:
    label = label_create(user=alice, name=SECRET)
    make_task(alice, f"{SECRET} labelled", labels=[SECRET])
    return {"id": label.pk}


def _label_state(alice, params) -> Any:
    return list(Label.objects.filter(owner=alice).values()), list(TaskLabel.objects.filter(owner=alice).values())


def _turn(alice) -> dict[str, Any]:
    conversation = Conversation.objects.create(owner=alice, title=f"{SECRET} chat")
    reply = Message.objects.create(conversation=conversation, role="assistant", content=f"{SECRET} reply")
    make_task(alice, "untouched")
    make_task(alice, f"{SECRET} task", source=ChangeSource.for_turn(door=Door.CHAT, message_id=reply.pk))
    return {"message_id": reply.pk}


ROUTES: dict[str, Owned] = {
    "/api/tasks/{id}/": Owned(_task, _task_state, {"title": "Hijacked", "completed": True, "priority": "high"}),
    "/api/conversations/{id}/": Owned(_conversation, _conversation_state, {}),
    "/api/{user_id}/chat": Owned(_alice_herself, _alice_chats, {"message": "delete all my tasks"}),
    "/api/auth/tokens/{token_id}/": Owned(_access_token, _access_token_state, {}),
    "/api/activity/{id}/": Owned(_change, _journal_state, {}),
    "/api/activity/{id}/undo/": Owned(_change, _journal_state, {"scope": "batch"}),
    "/api/chat/turns/{message_id}/undo/": Owned(_turn, _journal_state, {}),
    "/api/labels/{id}/": Owned(_label, _label_state, {"name": "hijacked", "colour": "#ff0000"}),
}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(with_params: bool) -> list[tuple[str, str]]:
    found = []
    for path, item in _schema()["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"} and ("{" in path) == with_params:
                found.append((path, method))
    return sorted(found)


ID_OPERATIONS = _operations(with_params=True)


def test_every_route_with_an_id_has_an_ownership_fixture():
    missing = sorted({path for path, _ in ID_OPERATIONS} - set(ROUTES))
    assert not missing, f"add an Owned fixture to ROUTES for {missing}"
    assert len(ID_OPERATIONS) >= 5  # tasks detail alone has GET/PUT/PATCH/DELETE


@pytest.mark.django_db
@pytest.mark.parametrize("path, method", ID_OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in ID_OPERATIONS])
def test_another_user_gets_404_and_changes_nothing(path, method, user, other_api_client, api_client):
    owned = ROUTES.get(path)
    if owned is None:
        pytest.fail(f"no ownership fixture for {path}; add one to ROUTES")
    params = owned.make(user)
    before = owned.snapshot(user, params)
    url = path.format(**params)

    response = getattr(other_api_client, method)(url, owned.body, format="json")

    assert response.status_code == 404, (method, url, response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] in {"not_found", "conversation_not_found"}
    assert SECRET not in response.content.decode()
    assert owned.snapshot(user, params) == before
    if method == "get":  # the owner still reaches it, so the 404 above was about ownership
        assert api_client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", [p for p, m in _operations(with_params=False) if m == "get" and not p.startswith(("/api/schema", "/api/docs"))])
def test_another_users_lists_show_none_of_alices_objects(path, user, other_api_client, api_client):
    for owned in ROUTES.values():
        owned.make(user)

    response = other_api_client.get(path)

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert SECRET in api_client.get(path).content.decode()  # the owner does see them


# Ids inside request bodies (not in the path) get the same treatment.
BODY_ID_ROUTES = {("/api/chat/", "post"): "conversation_id", ("/api/{user_id}/chat", "post"): "conversation_id"}


def test_every_body_that_takes_an_object_id_is_covered():
    schema = _schema()
    found = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref", "")
            component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            if any(name.endswith("_id") and name != "client_id" for name in component.get("properties", {})):
                found.add((path, method))
    assert found <= set(BODY_ID_ROUTES), f"cover these in BODY_ID_ROUTES: {found - set(BODY_ID_ROUTES)}"


@pytest.mark.django_db(transaction=True)  # a chat turn crosses to other threads' connections
@pytest.mark.parametrize("path, method", sorted(BODY_ID_ROUTES))
def test_chatting_into_another_users_conversation_is_404_and_stores_nothing(path, method, user, other_user, other_api_client):
    params = _conversation(user)
    before = (_conversation_state(user, params), Message.objects.count(), Conversation.objects.count())

    response = getattr(other_api_client, method)(
        path.format(user_id=other_user.pk), {"message": "delete all tasks", BODY_ID_ROUTES[(path, method)]: params["id"]}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"
    assert SECRET not in response.content.decode()
    assert (_conversation_state(user, params), Message.objects.count(), Conversation.objects.count()) == before
