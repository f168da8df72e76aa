import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_validates_without_a_single_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_the_schema_is_public_and_json_on_request(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/tasks/" in response.json()["paths"]


def test_the_error_component_is_detail_and_code(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert set(error["properties"]) == {"detail", "code"}


def test_every_operation_documents_its_error_responses(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        documented_errors = {code for code, response in responses.items() if code.startswith("4")}
        assert documented_errors, (method, path)
        for code in documented_errors:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert {"detail", "code"} <= set(component["required"]), (method, path, code)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), (method, path)
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in responses, (method, path)


def test_the_task_operations_document_what_they_answer(schema):
    tasks = schema["paths"]["/api/tasks/"]
    assert {"200", "400", "401"} <= set(tasks["get"]["responses"])
    assert {"201", "400", "401", "415"} <= set(tasks["post"]["responses"])
    detail = schema["paths"]["/api/tasks/{id}/"]
    assert {"204", "401", "404"} <= set(detail["delete"]["responses"])
    assert {"200", "400", "401", "404"} <= set(detail["patch"]["responses"])
    names = {p["name"] for p in tasks["get"]["parameters"]}
    assert {"completed", "priority", "search", "due_before", "due_after", "overdue", "ordering", "limit", "offset"} <= names
    assert len(names) == len(tasks["get"]["parameters"])  # no parameter documented twice


def test_request_bodies_are_json_only_and_reject_unknown_fields(schema):
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            assert list(operation["requestBody"]["content"]) == ["application/json"], (method, path)
    task_request = schema["components"]["schemas"]["TaskRequest"]
    assert task_request["additionalProperties"] is False
    assert set(task_request["properties"]) == {"title", "description", "completed", "priority", "due_date", "labels", "recurrence", "recurrence_from_completion"}


def test_swagger_ui_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert not re.search(r"https?://", " ".join(urls)), urls
    assert "cdn" not in html.lower()
    for url in urls:
        # Swagger UI's start-up script comes from the docs view itself (?script=), not inline: CSP.
        assert url.startswith(("/static/", "/api/docs/?script=")), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        b"".join(asset.streaming_content) if asset.streaming else asset.content
