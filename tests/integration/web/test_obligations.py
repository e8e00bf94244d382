"""Issue 15 §3-§5 on the real stack: child counts against a hand-computed fixture with suppression,
the federal office kept to aggregates, accounts approved by two people and refused at sign-in once
disabled, and a parent's correction routed to two states and closed."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from hub.api.app import create_app
from hub.config import Settings, WebSettings
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.web import ana, obligations_data
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve, shot
from tests.integration.web.conftest import PASSWORD, add_user, module_hub

pytestmark = pytest.mark.integration
PERIOD = {"period": "2025-2026"}
USERS = {
    "ofelia": ("federal", ""),
    "tomas": ("state_data_manager", "TX"),
    "carla": ("state_data_manager", "CA"),
    "ursula": ("user_admin", "TX"),
    "victor": ("mep_specialist", "TX"),  # a liaison, and the verifying authority of Texas's requests
    "flor": ("recruiter", "FL"),
}


@pytest.fixture(scope="module")
def obligations_hub(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    def publish(hub: Hub) -> None:
        d = obligations_data
        for make, state in (
            (d.texas, "TX"),
            (d.california, "CA"),
            (ana.texas, "TX"),
            (ana.california, "CA"),
            (ana.florida, "FL"),
        ):
            hub.msix("publish", "--state", state, "--format", "mde", str(make(hub.root)))
        hub.msix("worker", "--until-idle")
        hub.msix("publish", "--state", "CA", "--format", "mde", str(d.california_summer(hub.root)))
        hub.msix("worker", "--until-idle")
        for name, (role, state) in USERS.items():
            done = add_user(hub, name, role, state)
            assert done.returncode == 0, done.stderr

    yield from module_hub(stack, tmp_path_factory, "obligations", publish)


@pytest.fixture(scope="module")
def client(obligations_hub: Hub) -> Iterator[TestClient]:
    app = create_app(db.engine(obligations_hub.settings.database), WebSettings(cookie_secure=False))
    with TestClient(app) as c:
        yield c


def token(client: TestClient, user: str, password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/api/token", data={"username": user, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


# --- counts -----------------------------------------------------------------------------------------


def test_counts_match_the_hand_computed_fixture_with_suppression(client: TestClient) -> None:
    found = client.get("/api/counts", params=PERIOD, headers=token(client, "ofelia"))
    assert found.status_code == 200, found.text
    body = found.json()
    cat1 = body["categories"]["1"]
    for state, cells in obligations_data.EXPECTED_1.items():
        for grade, n in cells.items():
            assert cat1["states"]["cells"][state][grade] == n, (state, grade)
    assert {st: cat1["states"]["totals"][st] for st in ("TX", "CA")} == obligations_data.TOTALS_1
    assert (cat1["states"]["row_totals"]["03"], cat1["states"]["row_totals"]["05"]) == (28, 14)
    us = cat1["national"]["cells"]["US"]
    assert (us["03"], us["05"], cat1["national"]["totals"]["US"]) == (27, 14, 41)
    hidden = {(g, st) for st, cells in cat1["states"]["cells"].items() for g, n in cells.items() if n is None}
    assert {h for h in hidden if h[1] in ("TX", "CA")} == obligations_data.HIDDEN_1
    # No published value from 1 to 9 anywhere, in either category.
    for cat in body["categories"].values():
        for part in (cat["states"], cat["national"]):
            for cells in part["cells"].values():
                assert all(n is None or n == 0 or n >= 10 for n in cells.values())
    assert body["categories"]["2"]["national"]["totals"]["US"] is None  # four children: suppressed
    assert body["threshold"] == 10


def test_exports_and_staff_reports(client: TestClient) -> None:
    fed = token(client, "ofelia")
    csv = client.get("/api/counts.csv", params=PERIOD, headers=fed)
    assert csv.status_code == 200 and "2025-2026,1,TX,total,15" in csv.text and "2025-2026,1,TX,05,*" in csv.text
    pdf = client.get("/api/counts.pdf", params=PERIOD, headers=fed)
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "Child count 2025-2026" in text
    moves = client.get("/api/counts/mobility", params=PERIOD, headers=fed).json()
    assert moves["cells"]["CA"]["TX"] is None  # one child moved from Texas to California: suppressed
    updated = {u["state"] for u in client.get("/api/counts/updated", headers=fed).json()}
    assert {"TX", "CA", "FL"} <= updated


def test_a_state_data_manager_sees_their_state_only_and_its_reconciliation(client: TestClient) -> None:
    tomas = token(client, "tomas")
    mine = client.get("/api/counts", params=PERIOD, headers=tomas).json()
    assert list(mine["categories"]["1"]["states"]["cells"]) == ["TX"]
    assert client.get("/api/counts", params={**PERIOD, "state": "CA"}, headers=tomas).status_code == 403
    rec = client.get("/api/counts/reconciliation", params={**PERIOD, "state": "TX"}, headers=tomas)
    assert rec.status_code == 200
    # (Ana's Texas enrollment of August 2026 is in the period too, without a qad: listed, not ours.)
    reasons = {r["state_student_id"]: r["reason"] for r in rec.json() if r["state_student_id"].startswith("TX03")}
    assert reasons == {"TX03-90": "missing element: qad", "TX03-91": "eligibility expired"}
    assert client.get("/api/counts/reconciliation", params={**PERIOD, "state": "CA"}, headers=tomas).status_code == 403


def test_the_federal_office_is_refused_every_child_level_route(client: TestClient) -> None:
    fed = token(client, "ofelia")
    some_id = client.get("/api/students", params={"q": "FL-0412"}, headers=token(client, "flor")).json()[0]["msix_id"]
    for path, params in (
        ("/api/students", {"q": "Ana"}),
        (f"/api/students/{some_id}", {}),
        (f"/api/students/{some_id}/report.pdf", {}),
        ("/api/counts/reconciliation", {**PERIOD, "state": "TX"}),
        ("/api/corrections", {"state": "TX"}),
    ):
        assert client.get(path, params=params, headers=fed).status_code == 403, path


# --- accounts ---------------------------------------------------------------------------------------


def _msix(hub: Hub, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        input=stdin,
        env={**hub.env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=hub.root,
    )


def test_an_account_needs_two_other_people_and_disabled_is_refused(obligations_hub: Hub, client: TestClient) -> None:
    hub = obligations_hub
    asked = _msix(
        hub,
        "users",
        "request",
        "rosa",
        "--full-name",
        "Rosa Díaz",
        "--role",
        "registrar",
        "--state",
        "TX",
        "--agency",
        "Weslaco ISD",
        "--verifier",
        "victor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.strip()
    # The user admin cannot approve before the verifying authority confirms...
    early = _msix(hub, "users", "approve", request_id, "--by", "ursula")
    assert early.returncode == 2 and "verifying authority has not confirmed" in early.stderr
    # ... nor may anyone but the named authority confirm.
    assert _msix(hub, "users", "verify", request_id, "--by", "ursula").returncode == 2
    assert _msix(hub, "users", "verify", request_id, "--by", "victor").returncode == 0
    # The verifier cannot approve too: two different people.
    assert _msix(hub, "users", "approve", request_id, "--by", "victor").returncode == 2
    assert client.post("/api/token", data={"username": "rosa", "password": PASSWORD}).status_code == 401
    done = _msix(hub, "users", "approve", request_id, "--by", "ursula")
    assert done.returncode == 0, done.stderr
    rosa = token(client, "rosa")
    assert client.get("/api/students", params={"q": "Ana"}, headers=rosa).status_code == 200

    # Disabled (by the state's user admin, over the API): the token stops working, sign-in is refused.
    ursula = token(client, "ursula")
    assert client.post("/api/accounts/rosa/disable", params={"reason": "on leave"}, headers=ursula).status_code == 204
    assert client.get("/api/students", params={"q": "Ana"}, headers=rosa).status_code == 401
    assert client.post("/api/token", data={"username": "rosa", "password": PASSWORD}).status_code == 401
    assert client.post("/api/accounts/rosa/enable", headers=ursula).status_code == 204
    rosa = token(client, "rosa")
    # Another state's user admin may not touch her; the report shows her to Texas's.
    assert client.post("/api/accounts/flor/disable", headers=ursula).status_code == 403
    report = {a["username"]: a for a in client.get("/api/accounts", headers=ursula).json()}
    assert report["rosa"]["status"] == "active" and report["rosa"]["agency"] == "Weslaco ISD"
    assert "flor" not in report

    # The request form, as a requester without an account fills it in (its token from its cookie).
    form = client.get("/accounts/request")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    fields = {"username": "luis", "full_name": "Luis Paz", "role": "counselor", "state": "TX",
              "agency": "Donna ISD", "verifier": "victor", "password": PASSWORD}  # fmt: skip
    assert client.post("/accounts/request", data={**fields, "csrf": "forged"}).status_code == 400
    asked_again = client.post("/accounts/request", data={**fields, "csrf": csrf.group(1)})
    assert asked_again.status_code == 200 and "victor must confirm" in asked_again.text
    waiting = client.get("/api/accounts/requests", headers=ursula).json()
    assert [r["username"] for r in waiting] == ["luis"] and "password_hash" not in waiting[0]


# --- corrections ------------------------------------------------------------------------------------


def test_a_parents_correction_is_routed_to_two_states_and_closed(obligations_hub: Hub, client: TestClient) -> None:
    victor = token(client, "victor")
    ana_id = client.get("/api/students", params={"q": "FL-0412"}, headers=victor).json()[0]["msix_id"]
    record = client.get(f"/api/students/{ana_id}", headers=victor).json()
    tx = next(e for e in record["enrollments"] if e["state"] == "TX")
    ca = next(e for e in record["enrollments"] if e["state"] == "CA")
    body = {
        "items": [
            {"section": "enrollments", "id": tx["enrollment_id"], "field": "withdrawal_date"},
            {"section": "enrollments", "id": ca["enrollment_id"]},
        ],
        "parent_name": "María Hernández",
        "identified_by": "voter card shown in person",
        "statement": "She left Weslaco in May, and was never enrolled at that school.",
        "lang": "es",
    }
    made = client.post(f"/api/students/{ana_id}/corrections", json=body, headers=victor)
    assert made.status_code == 201, made.text
    correction = made.json()
    assert [p["state"] for p in correction["parts"]] == ["CA", "TX"] and correction["status"] == "open"
    cid = correction["correction_id"]
    tomas, carla = token(client, "tomas"), token(client, "carla")
    # Texas's data manager may not decide California's part.
    refused = client.post(f"/api/corrections/{cid}/parts/CA/decision", json={"outcome": "removed"}, headers=tomas)
    assert refused.status_code == 403
    assert client.post(f"/api/corrections/{cid}/parts/TX/ack", headers=tomas).status_code == 200
    kept = client.post(f"/api/corrections/{cid}/parts/TX/decision", json={"outcome": "kept"}, headers=tomas)
    assert kept.status_code == 422  # kept needs the reason, for the letter
    reason = "The school's attendance record shows her until June 2."
    decided = {"outcome": "kept", "reason": reason}
    assert client.post(f"/api/corrections/{cid}/parts/TX/decision", json=decided, headers=tomas).status_code == 200
    last = client.post(f"/api/corrections/{cid}/parts/CA/decision", json={"outcome": "removed"}, headers=carla)
    assert last.json()["status"] == "closed"
    assert [c["correction_id"] for c in client.get("/api/corrections", params={"state": "CA"}, headers=carla).json()]
    letter = client.get(f"/api/corrections/{cid}/letter.pdf", headers=victor)
    text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
    assert "Estimado/a María Hernández" in text and "Quitado del registro" in text and "June 2" in text


# --- pages, in a real browser (before the sweep, which disables everyone) --------------------------


@pytest.fixture(scope="module")
def server(obligations_hub: Hub) -> Iterator[str]:
    yield from serve(obligations_hub)


def _sign_in(page: Page, user: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("size", list(SIZES))
def test_counts_and_accounts_pages(browser: Browser, server: str, size: str) -> None:
    context = browser.new_context(base_url=server, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    _sign_in(page, "ofelia")
    page.goto("/counts?period=2025-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Child counts 2025-2026")
    expect(page.get_by_role("region", name="Category 1")).to_contain_text("*")
    no_sideways_scroll(page)
    shot(page, size, "counts-federal")
    refused = page.goto("/search")
    assert refused is not None and refused.status == 403  # the federal office: never a child

    _sign_in(page, "ursula")
    page.goto("/accounts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts of TX")
    expect(page.get_by_role("region", name="Accounts")).to_contain_text("victor")
    no_sideways_scroll(page)
    shot(page, size, "accounts-user-admin")

    _sign_in(page, "victor")  # a liaison records a parent's request from the child's record
    page.goto("/search?q=FL-0412")
    page.locator("ol.results li").first.get_by_role("link").click()
    page.get_by_role("link", name="A parent asks for a correction").click()
    page.get_by_label("A detail of the child").select_option("birth_date")
    page.get_by_label("Parent's name").fill("María Hernández")
    page.get_by_label("How the parent was identified").fill("passport")
    page.get_by_label("What the parent says").fill("Her birth date is March 3, not March 2.")
    no_sideways_scroll(page)
    shot(page, size, "correction-form")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parents' correction requests: TX")
    expect(page.locator("ul.results")).to_contain_text("birth_date")
    assert all(u.startswith(server) for u in requested), "nothing loaded from elsewhere"
    context.close()


def test_unused_accounts_are_swept_and_deactivation_is_permanent(obligations_hub: Hub, client: TestClient) -> None:
    """Last in the module: the sweep's clock is years ahead, so every account is disabled by it."""
    hub = obligations_hub
    rosa = token(client, "rosa")
    swept = _msix(hub, "users", "sweep", env={"MSIX_NOW": "2031-01-01T00:00:00+00:00"})
    assert swept.returncode == 0, swept.stderr
    assert "rosa\tdisabled: unused for 90 days" in swept.stdout
    assert client.get("/api/students", params={"q": "Ana"}, headers=rosa).status_code == 401
    assert _msix(hub, "users", "enable", "ursula", "--by", "msix").returncode == 0
    assert _msix(hub, "users", "deactivate", "rosa", "--by", "ursula").returncode == 0
    again = _msix(hub, "users", "enable", "rosa", "--by", "ursula")
    assert again.returncode == 2 and "permanent" in again.stderr
    assert _msix(hub, "users", "purge").stdout == ""  # kept: the retention has not passed
    gone = _msix(hub, "users", "purge", env={"MSIX_NOW": "2040-01-01T00:00:00+00:00"})
    assert gone.stdout == "rosa\tpurged\n"
