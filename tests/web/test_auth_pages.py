"""Pages sign in with cookies; every form is protected against cross-site requests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, signed_up
from tests.web.pages import csrf_token


def test_login_sets_an_httponly_lax_session_cookie(client: TestClient) -> None:
    email, _ = signed_up(client)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "shijing_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert "老铁" in home.text  # the display name from signed_up
    assert client.get("/api/v1/me").status_code == 200  # the cookie works for the API too


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    email, _ = signed_up(client)
    csrf_token(client, "/login")  # the browser has the cookie, but the attacker cannot read it
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "shijing_session" not in response.headers.get("set-cookie", "")
    forged = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": "forged.0000"},
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_a_token_signed_with_another_secret_is_refused(client: TestClient) -> None:
    email, _ = signed_up(client)
    client.cookies.set("shijing_csrf", "nonce.deadbeefdeadbeefdeadbeefdeadbeef")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": "nonce.deadbeefdeadbeefdeadbeefdeadbeef",
        },
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_wrong_password_page_keeps_the_email_and_says_why(client: TestClient) -> None:
    email, _ = signed_up(client)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": "nope nope nope", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert "Email or password is incorrect" in response.text
    assert f'value="{email}"' in response.text


def test_register_page_shows_errors_next_to_fields_in_chinese(client: TestClient) -> None:
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={"email": "bad", "display_name": "小王", "password": "short", "csrf_token": token},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 422
    assert "邮箱格式不正确" in response.text
    assert "至少需要 10 个字符" in response.text
    assert 'value="小王"' in response.text
    assert 'value="short"' not in response.text  # passwords are never echoed


def test_register_page_signs_in(client: TestClient) -> None:
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "email": "new@example.com",
            "display_name": "小王",
            "password": PASSWORD,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/api/v1/me").json()["email"] == "new@example.com"


def test_logout_ends_the_page_session(client: TestClient) -> None:
    email, _ = signed_up(client)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    stolen = client.cookies.get("shijing_session")
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    client.cookies.set("shijing_session", stolen or "")
    assert client.get("/api/v1/me").status_code == 401  # the old cookie is dead server-side


def test_change_password_page(client: TestClient) -> None:
    email, _ = signed_up(client)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    wrong = client.post(
        "/account/password",
        headers={"Accept-Language": "en"},
        data={
            "current_password": "wrong one!",
            "new_password": "brand new pw!",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422
    assert "The current password is incorrect" in wrong.text
    ok = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "brand new pw!", "csrf_token": token},
    )
    assert ok.status_code == 200
    assert client.get("/api/v1/me").status_code == 200  # this browser stays signed in


def test_language_switch_is_remembered(client: TestClient) -> None:
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "zh-CN"}).text
    client.get("/lang/en?next=/login", follow_redirects=False)
    page = client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert 'lang="en"' in page.text
    assert "Sign in" in page.text


def test_next_parameter_cannot_redirect_off_site(client: TestClient) -> None:
    response = client.get("/lang/en?next=//evil.example.com/", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_cookie_authenticated_api_writes_need_the_csrf_header(client: TestClient) -> None:
    email, bearer = signed_up(client)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    body = {"name": "from a page", "days": 7}
    forged = client.post("/api/v1/me/tokens", json=body)  # what a cross-site form could send
    assert (forged.status_code, forged.json()["error"]) == (403, "csrf")
    assert client.get("/api/v1/me").status_code == 200  # reads need no token
    ok = client.post("/api/v1/me/tokens", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    client.cookies.clear()
    assert client.post("/api/v1/me/tokens", json=body, headers=bearer).status_code == 201
