"""Signing in as a test account: a bearer token for the API, or a session through the login form
(every test account has the one password the web conftest gives it)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def token(client: TestClient, user: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of ``user``'s bearer token."""
    answer = client.post("/api/token", data={"username": user, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> None:
    """A fresh session for ``user`` through the login form (its CSRF token included)."""
    client.cookies.clear()
    form = CSRF.search(client.get("/login").text)
    assert form
    done = client.post("/login", data={"username": user, "password": password, "csrf": form.group(1)})
    assert done.status_code in (200, 303), done.text
