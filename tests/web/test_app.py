"""The application shell: health, docs, request ids, errors that never leak a stack trace."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in ("sqlite", "postgresql")


def test_docs_and_openapi(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/register" in spec["paths"]


def test_every_response_has_a_request_id(client: TestClient) -> None:
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    assert unsafe.headers["x-request-id"] != "bad id\twith junk"


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found", "field": None}


def test_unknown_page_is_an_html_404_page(client: TestClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "页面不存在" in response.text or "Page not found" in response.text


def test_wrong_method_is_405_json(client: TestClient) -> None:
    assert client.put("/api/v1/auth/register", json={}).status_code == 405


def test_unexpected_errors_are_500_without_a_stack_trace(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/api/v1/me/tokens/not-a-number"])
def test_bad_path_parameters_are_422_naming_the_field(client: TestClient, path: str) -> None:
    response = client.delete(path, headers={"Authorization": "Bearer x"})
    assert response.status_code in (401, 422)
