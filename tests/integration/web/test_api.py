"""The HTTP API on the real PostgreSQL, filled by the real pipeline: every endpoint, and every
401, 403, 404 and 422 path of the contract."""

from __future__ import annotations

import getpass
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hub.api.app import create_app
from hub.config import WebSettings
from hub.domain.msix_id import from_serial
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.web import ana
from tests.integration.web.conftest import PASSWORD, add_user

pytestmark = pytest.mark.integration
UNKNOWN_ID = from_serial(99_999_999_999)  # a valid check digit, never issued


def _client(hub: Hub, **web: object) -> TestClient:
    settings = WebSettings(cookie_secure=False, **web)  # the test client speaks plain http
    return TestClient(create_app(db.engine(hub.settings.database), settings))


@pytest.fixture(scope="module")
def client(ana_hub: Hub) -> Iterator[TestClient]:
    with _client(ana_hub) as c:
        yield c


def token(client: TestClient, user: str, password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/api/token", data={"username": user, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def counselor(client: TestClient) -> dict[str, str]:
    return token(client, "carmen")


@pytest.fixture(scope="module")
def ana_id(client: TestClient, counselor: dict[str, str]) -> str:
    found = client.get("/api/students", params={"q": "FL-0412"}, headers=counselor).json()
    return found[0]["msix_id"]


# --- tokens -----------------------------------------------------------------------------------------


def test_token_for_good_credentials_and_401_for_bad(client: TestClient) -> None:
    good = client.post("/api/token", data={"username": "carmen", "password": PASSWORD})
    assert good.status_code == 200
    body = good.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and len(body["access_token"]) >= 40
    assert client.post("/api/token", data={"username": "carmen", "password": "wrong"}).status_code == 401
    assert client.post("/api/token", data={"username": "nobody", "password": PASSWORD}).status_code == 401
    assert client.post("/api/token", data={"username": "carmen"}).status_code == 422


def test_repeated_failed_logins_are_throttled(ana_hub: Hub) -> None:
    with _client(ana_hub, login_attempts=3) as c:
        for _ in range(3):
            assert c.post("/api/token", data={"username": "dana", "password": "guess"}).status_code == 401
        blocked = c.post("/api/token", data={"username": "dana", "password": PASSWORD})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_expired_or_unknown_tokens_are_refused(ana_hub: Hub) -> None:
    with _client(ana_hub, token_minutes=0) as c:
        expired = token(c, "carmen")
        assert c.get("/api/students", params={"q": "Ana"}, headers=expired).status_code == 401
        forged = {"Authorization": "Bearer " + "x" * 43}
        assert c.get("/api/students", params={"q": "Ana"}, headers=forged).status_code == 401


# --- search -----------------------------------------------------------------------------------------


def test_search_ranks_the_closest_name_first(client: TestClient, counselor: dict[str, str]) -> None:
    found = client.get("/api/students", params={"q": "Ana García Hernández"}, headers=counselor).json()
    assert found[0]["first_name"] == "Ana" and found[0]["states"] == ["CA", "FL", "TX"]
    assert found[0]["last_name_1"] == "García"  # shown as the newest report (Florida) writes it
    names = [(r["first_name"], r["last_name_1"]) for r in found]
    assert ("María", "López") not in names
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)


@pytest.mark.parametrize("q", ["ana garcia", "Ana Garsia", "GARCIA HERNANDEZ", "ana garcía hernandes"])
def test_search_is_fuzzy_and_ignores_case_and_accents(
    client: TestClient, counselor: dict[str, str], ana_id: str, q: str
) -> None:
    found = client.get("/api/students", params={"q": q}, headers=counselor).json()
    assert found and found[0]["msix_id"] == ana_id


def test_search_by_state_id_msix_id_and_birth_date(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    def ids(**params: str) -> list[str]:
        answer = client.get("/api/students", params=params, headers=counselor)
        assert answer.status_code == 200
        return [r["msix_id"] for r in answer.json()]

    assert ids(q="CA-88120") == [ana_id]
    assert ids(q=ana_id) == [ana_id]
    born = client.get("/api/students", params={"q": "a", "birth_date": "2007-03-02"}, headers=counselor).json()
    assert sorted(r["first_name"] for r in born) == ["Ana", "Juan"]  # "a" is in both names
    assert ids(q="Ana", birth_date="2007-03-02") == [ana_id]
    assert ids(q="Ana", birth_date="2001-01-01") == []


def test_search_refusals(client: TestClient, counselor: dict[str, str]) -> None:
    assert client.get("/api/students", params={"q": "Ana"}).status_code == 401
    manager = token(client, "sam")
    assert client.get("/api/students", params={"q": "Ana"}, headers=manager).status_code == 403
    assert client.get("/api/students", headers=counselor).status_code == 422
    assert client.get("/api/students", params={"birth_date": "2007-03-02"}, headers=counselor).status_code == 422
    bad_date = {"q": "Ana", "birth_date": "2007-02-30"}
    assert client.get("/api/students", params=bad_date, headers=counselor).status_code == 422
    assert client.get("/api/students", params={"q": "a" * 101}, headers=counselor).status_code == 422
    misspelt = {"q": "Ana", "birthdate": "2007-03-02"}
    assert client.get("/api/students", params=misspelt, headers=counselor).status_code == 422


# --- the record -------------------------------------------------------------------------------------


def test_record_is_the_same_json_as_the_command_line(
    client: TestClient, counselor: dict[str, str], ana_id: str, ana_hub: Hub
) -> None:
    answer = client.get(f"/api/students/{ana_id}", headers=counselor)
    assert answer.status_code == 200
    assert answer.json() == json.loads(ana_hub.msix("student", "show", ana_id, "--json").stdout)
    record = answer.json()
    assert {(e["state"], e["enrollment_id"]) for e in record["enrollments"]} == {
        ("TX", "TX-E1"), ("CA", "CA-E7"), ("FL", "FL-E3"),
    }  # fmt: skip
    assert len(record["courses"]) == 11 + 7 + 8


def test_record_refusals(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    assert client.get(f"/api/students/{ana_id}").status_code == 401
    assert client.get(f"/api/students/{ana_id}", headers=token(client, "sam")).status_code == 403
    assert client.get(f"/api/students/{UNKNOWN_ID}", headers=counselor).status_code == 404
    assert client.get("/api/students/12345", headers=counselor).status_code == 422
    mistyped = f"{ana_id[:11]}{(int(ana_id[11]) + 1) % 10}"  # a wrong check digit: no child has it
    assert client.get(f"/api/students/{mistyped}", headers=counselor).status_code == 404


# --- credits ----------------------------------------------------------------------------------------


def test_ana_graduates_in_florida_if_she_passes_this_semester(
    client: TestClient, counselor: dict[str, str], ana_id: str
) -> None:
    c = client.get(f"/api/students/{ana_id}/credits", params={"state": "FL"}, headers=counselor).json()
    assert c["state"] == "FL" and c["requirements"]["total"] == 24
    assert c["earned_total"] == ana.EARNED  # the U.S. History Florida copied from California counts once
    assert c["in_progress_total"] == ana.IN_PROGRESS
    assert c["graduates_if_current_courses_passed"] is True and c["requirements_met"] is False
    assert c["remaining"]["total"] == 24 - ana.EARNED
    assert all(v == 0 for v in c["missing_if_current_passed"].values())
    assert c["earned"]["04"] == 3.0 and c["in_progress"]["04"] == 2.0
    assert [k["state"] for k in c["courses"] if k["status"] == "duplicate"] == ["FL"]
    failed = {k["course_title"] for k in c["courses"] if k["status"] == "no_credit"}
    assert failed == {"AP Spanish Language and Culture"}
    assert set(c) >= {"earned", "in_progress", "required", "remaining", "graduates_if_current_courses_passed"}


def test_texas_asks_for_more_than_she_will_have(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    c = client.get(f"/api/students/{ana_id}/credits", params={"state": "TX"}, headers=counselor).json()
    assert c["state"] == "TX" and c["graduates_if_current_courses_passed"] is False
    missing = c["missing_if_current_passed"]
    assert missing["Languages other than English"] == 1.0 and missing["total"] == 26 - ana.EARNED - ana.IN_PROGRESS


def test_credits_default_to_the_users_state_or_the_default_requirements(
    client: TestClient, counselor: dict[str, str], ana_id: str
) -> None:
    assert client.get(f"/api/students/{ana_id}/credits", headers=counselor).json()["state"] == "FL"
    other = client.get(f"/api/students/{ana_id}/credits", params={"state": "NY"}, headers=counselor).json()
    assert other["state"] == "default" and other["requirements"]["total"] == 22


def test_credits_refusals(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    path = f"/api/students/{ana_id}/credits"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=token(client, "sam")).status_code == 403
    assert client.get(f"/api/students/{UNKNOWN_ID}/credits", headers=counselor).status_code == 404
    assert client.get(path, params={"state": "ZZ"}, headers=counselor).status_code == 422
    assert client.get(path, params={"state": "Texas"}, headers=counselor).status_code == 422


# --- the report -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "correction"),
    [
        ("en", "Consolidated Student Record Report", "How to ask for a correction"),
        ("es", "Informe del Expediente Consolidado del Estudiante", "Cómo pedir una corrección"),
    ],
)
def test_report_in_both_languages(
    client: TestClient, counselor: dict[str, str], ana_id: str, lang: str, title: str, correction: str
) -> None:
    answer = client.get(f"/api/students/{ana_id}/report.pdf", params={"lang": lang}, headers=counselor)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f"msix-{ana_id}-{lang}.pdf" in answer.headers["content-disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    flat = " ".join(text.split())
    for expected in (title, correction, "García", ana_id, "Immokalee", "STAAR Algebra I EOC", "Salinas"):
        assert expected in flat, expected


def test_report_refusals(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    path = f"/api/students/{ana_id}/report.pdf"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=token(client, "sam")).status_code == 403
    assert client.get(f"/api/students/{UNKNOWN_ID}/report.pdf", headers=counselor).status_code == 404
    assert client.get(path, params={"lang": "fr"}, headers=counselor).status_code == 422


# --- notices ----------------------------------------------------------------------------------------


def test_notices_for_the_users_state(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    florida = client.get("/api/notices", params={"state": "FL"}, headers=counselor).json()
    assert {(n["msix_id"], n["kind"], n["from_state"]) for n in florida} >= {(ana_id, "departure", "CA")}
    assert client.get("/api/notices", params={"state": "FL"}, headers=token(client, "sam")).status_code == 200
    assert client.get("/api/notices", params={"state": "CA"}, headers=token(client, "root")).status_code == 200


def test_notices_refusals(client: TestClient, counselor: dict[str, str]) -> None:
    assert client.get("/api/notices", params={"state": "FL"}).status_code == 401
    assert client.get("/api/notices", params={"state": "TX"}, headers=counselor).status_code == 403
    assert client.get("/api/notices", params={"state": "FL"}, headers=token(client, "dana")).status_code == 403
    assert client.get("/api/notices", params={"state": "Q1"}, headers=counselor).status_code == 422
    assert client.get("/api/notices", headers=counselor).status_code == 422


# --- the audit log ----------------------------------------------------------------------------------


def test_every_view_and_download_is_audited(client: TestClient, ana_id: str) -> None:
    registrar = token(client, "rita")
    client.get(f"/api/students/{ana_id}", headers=registrar)
    client.get(f"/api/students/{ana_id}/credits", headers=registrar)
    client.get(f"/api/students/{ana_id}/report.pdf", params={"lang": "es"}, headers=registrar)
    client.get(f"/api/students/{UNKNOWN_ID}", headers=registrar)  # nothing shown, nothing audited
    log = client.get("/api/audit", params={"msix_id": ana_id}, headers=token(client, "root")).json()
    mine = [(e["action"], e["detail"]) for e in log if e["username"] == "rita"]
    assert mine == [("report", "es"), ("credits", "TX"), ("view", "api")]
    entry = next(e for e in log if e["username"] == "rita")
    assert entry["role"] == "registrar" and entry["user_state"] == "TX" and entry["client"] == "testclient"
    assert entry["at"].startswith("20")
    everything = client.get("/api/audit", headers=token(client, "root")).json()
    assert not any(e["msix_id"] == UNKNOWN_ID for e in everything)


def test_audit_refusals(client: TestClient, counselor: dict[str, str], ana_id: str) -> None:
    assert client.get("/api/audit").status_code == 401
    assert client.get("/api/audit", params={"msix_id": ana_id}, headers=counselor).status_code == 403
    assert client.get("/api/audit", params={"msix_id": "abc"}, headers=token(client, "root")).status_code == 422


# --- operations -------------------------------------------------------------------------------------


def test_health_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    metrics = client.get("/metrics").text
    assert 'msix_http_requests_total{method="POST",route="/api/token",status="200"}' in metrics
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/token", "/api/students", "/api/students/{msix_id}/credits", "/api/audit"} <= set(paths)


# --- accounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "password", "reason"),
    [
        (("carmen", "counselor", "FL"), PASSWORD, "exists already"),
        (("zoe", "counselor", "FL"), "short", "at least 12"),
        (("zoe", "counselor", ""), PASSWORD, "give --state"),
        (("zoe", "janitor", ""), PASSWORD, "janitor"),
        (("zoe", "counselor", "XX"), PASSWORD, "USPS"),
    ],
)
def test_users_add_refuses_with_one_line(ana_hub: Hub, args: tuple[str, str, str], password: str, reason: str) -> None:
    done = add_user(ana_hub, *args, password=password)
    assert done.returncode == 2 and reason in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_command_line_views_and_exports_are_audited(client: TestClient, ana_hub: Hub, ana_id: str) -> None:
    ana_hub.msix("student", "find", "--state", "CA", "--state-id", "CA-88120", "--json")
    exported = ana_hub.msix("export", "--jsonl", "--state", "CA").stdout
    assert [json.loads(line)["msix_id"] for line in exported.splitlines()] == [ana_id]
    log = client.get("/api/audit", headers=token(client, "root")).json()
    by_cli = [(e["action"], e["msix_id"], e["detail"], e["role"]) for e in log if e["client"] == "cli"]
    assert ("export", ana_id, "state=CA", "operator") in by_cli  # one row per child exported
    assert ("view", ana_id, "cli", "operator") in by_cli
    assert {e["username"] for e in log if e["client"] == "cli"} == {getpass.getuser()}  # who ran the command
