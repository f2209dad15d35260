"""The API root: OpenAPI document, docs page, problem+json for unknown paths."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/departments" in paths
    assert "/api/v1/enterprises" in paths
    docs = client.get("/api/docs", follow=True)
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
