"""The pages' rules without a browser: sign-in with CSRF, redirects, roles, audit (see test_browser
for the pages in Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from hub.api.app import create_app
from hub.config import WebSettings
from hub.domain.msix_id import from_serial
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.web.conftest import PASSWORD

pytestmark = pytest.mark.integration
UNKNOWN_ID = from_serial(99_999_999_999)  # a valid check digit, never issued
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def client(ana_hub: Hub) -> Iterator[TestClient]:
    app = create_app(db.engine(ana_hub.settings.database), WebSettings(cookie_secure=False))
    with TestClient(app, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, user: str, password: str = PASSWORD, next_: str = "/search") -> object:
    form = client.get("/login", params={"next": next_})
    csrf = CSRF.search(form.text)
    assert csrf
    return client.post("/login", data={"username": user, "password": password, "csrf": csrf.group(1), "next": next_})


def test_pages_need_a_session(client: TestClient) -> None:
    answer = client.get("/search", params={"q": "Ana"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/search%3Fq%3DAna"


def test_sign_in_sets_a_strict_http_only_cookie_and_follows_next(client: TestClient) -> None:
    answer = sign_in(client, "carmen", next_="/notices")
    assert answer.status_code == 303 and answer.headers["location"] == "/notices"  # type: ignore[attr-defined]
    cookie = answer.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "msix_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/search", params={"q": "ana garcia"})
    assert page.status_code == 200 and "García" in page.text and '<label for="q">' in page.text


def test_sign_in_refuses_a_form_without_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "carmen", "password": PASSWORD, "csrf": "forged"})
    assert answer.status_code == 400 and "msix_session" not in answer.headers.get("set-cookie", "")


def test_wrong_password_shows_the_form_again(client: TestClient) -> None:
    answer = sign_in(client, "carmen", "nope")
    assert answer.status_code == 401 and "Wrong user name or password" in answer.text  # type: ignore[attr-defined]


def test_next_never_leaves_the_site(client: TestClient) -> None:
    answer = sign_in(client, "carmen", next_="//evil.example/x")
    assert answer.headers["location"] == "/search"  # type: ignore[attr-defined]


def test_sign_out_needs_the_sessions_csrf_token_and_ends_the_session(client: TestClient) -> None:
    sign_in(client, "carmen")
    page = client.get("/search")
    csrf = CSRF.search(page.text)
    assert csrf
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 400
    assert client.get("/search").status_code == 200
    assert client.post("/logout", data={"csrf": csrf.group(1)}).status_code == 303
    assert client.get("/search").status_code == 303


def test_record_and_credits_pages_are_audited(client: TestClient) -> None:
    sign_in(client, "rita")
    found = client.get("/search", params={"q": "CA-88120"})
    msix_id = re.search(r'href="/students/(\d{12})"', found.text)
    assert msix_id
    record = client.get(f"/students/{msix_id.group(1)}")
    assert record.status_code == 200
    for section in ("Enrollment timeline", "Course history", "Assessments", "Programs and health", "Salinas"):
        assert section in record.text
    credits = client.get(f"/students/{msix_id.group(1)}/credits", params={"state": "FL"})
    assert "Graduates if the current courses are passed." in credits.text
    sign_in(client, "root")
    log = client.get("/api/audit", params={"msix_id": msix_id.group(1)}).json()
    seen = [(e["action"], e["detail"]) for e in log if e["username"] == "rita"]
    assert seen[:2] == [("credits", "FL"), ("view", "page")]


def test_a_requests_transaction_commits_before_its_answer_leaves(ana_hub: Hub) -> None:
    """A browser follows the sign-in's redirect at once: the session must already be committed (it
    was not, under FastAPI's default dependency scope, and Chromium was sent back to sign in). So
    must a record view's audit row before the record leaves."""
    engine = db.engine(ana_hub.settings.database)
    app = create_app(engine, WebSettings(cookie_secure=False))
    order: list[str] = []
    event.listen(engine, "commit", lambda conn: order.append("commit"))

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def sent(message: Any) -> None:
            if message["type"] == "http.response.start":
                order.append("answer")
            await send(message)

        await app(scope, receive, sent)

    with TestClient(recording, follow_redirects=False) as c:
        form = c.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf
        order.clear()
        c.post("/login", data={"username": "rita", "password": PASSWORD, "csrf": csrf.group(1)})
        assert order == ["commit", "answer"]
        found = c.get("/search", params={"q": "CA-88120"})
        msix_id = re.search(r'href="/students/(\d{12})"', found.text)
        assert msix_id
        order.clear()
        assert c.get(f"/students/{msix_id.group(1)}").status_code == 200
        assert order == ["commit", "answer"]


def test_page_refusals(client: TestClient) -> None:
    sign_in(client, "sam")  # a state data manager: notices of their own state only
    assert client.get("/search").status_code == 403
    assert client.get("/notices").status_code == 200
    assert client.get("/notices", params={"state": "TX"}).status_code == 403
    sign_in(client, "carmen")
    assert client.get("/students/12345").status_code == 422
    assert client.get("/students/100000000000/credits", params={"state": "ZZ"}).status_code == 422
    missing = client.get(f"/students/{from_serial(99_999_999_999)}")
    assert missing.status_code == 404 and "Back to the search" in missing.text
    assert client.get("/search", params={"birth_date": "2007-13-01"}).status_code == 200


# --- the worklist pages (the story itself is in test_worklist_browser.py) ---------------------------


def test_worklist_pages_are_for_data_admins_only(client: TestClient) -> None:
    sign_in(client, "carmen")
    assert 'href="/worklist"' not in client.get("/search").text
    for path in ("/worklist", "/worklist/1", "/worklist/requests"):
        assert client.get(path).status_code == 403, path
    csrf = CSRF.search(client.get("/search").text)
    assert csrf
    answer = client.post("/worklist/merge", data={"master": "1", "others": "2", "csrf": csrf.group(1)})
    assert answer.status_code == 403


def test_worklist_forms_need_the_csrf_token_and_a_refusal_changes_nothing(client: TestClient) -> None:
    sign_in(client, "dana")
    page = client.get("/worklist/requests")
    assert page.status_code == 200 and 'href="/worklist"' in page.text and "Nothing waits." in page.text
    assert client.post("/worklist/merge", data={"master": UNKNOWN_ID, "others": UNKNOWN_ID}).status_code == 400
    csrf = CSRF.search(page.text)
    assert csrf
    form = {"master": UNKNOWN_ID, "others": f"{UNKNOWN_ID}, 12345", "csrf": csrf.group(1)}
    refused = client.post("/worklist/merge", data=form)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/worklist/requests?error=")
    shown = client.get(refused.headers["location"])
    assert "not an MSIX id" in shown.text and 'role="alert"' in shown.text and "Nothing waits." in shown.text
    split = client.post("/worklist/split", data={"msix_id": UNKNOWN_ID, "state": "TX", "csrf": csrf.group(1)})
    assert "no+child" in split.headers["location"] or "no%20child" in split.headers["location"]
    assert client.get("/worklist/999999").status_code == 404
    assert "0 open items" in client.get("/worklist").text
    assert client.get("/worklist", params={"status": "closed"}).status_code == 422
