"""Every deadline visible before it is missed (issue 15 §1, §2, §4), on the real stack: the record
page's form asks another state and both states see the request; a request and a parent's correction
made with an injected clock show overdue on the owing state's dashboard, in the national table and
in /metrics; the staff's reports (worklist aging, missing elements) suppressed; the federal office
kept to counts. Then the form, the Requests page and the Deadlines panel in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import insert, select

from hub import calendars, requests
from hub.api.app import create_app
from hub.api.routes import counts as counts_routes
from hub.api.routes import dashboard as dashboard_routes
from hub.config import WebSettings
from hub.domain import deadline_board, deadlines
from hub.metrics import render as metrics
from hub.store import corrections, db, reads
from hub.store.identity_tables import worklist_item
from hub.store.tables import move_notice
from hub.store.web_tables import audit_log
from tests.integration.conftest import Hub
from tests.integration.submissions import enrollment_row, letters, student_row, submission
from tests.integration.web import ana
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve, shot
from tests.integration.web.conftest import PASSWORD, add_user, module_hub
from tests.integration.web.signing import sign_in, token

pytestmark = pytest.mark.integration
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
USERS = {
    "tomas": ("state_data_manager", "TX"),
    "carla": ("state_data_manager", "CA"),
    "ofelia": ("federal", ""),
    "victor": ("mep_specialist", "TX"),
}
ASKED_AT = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # a Monday: due the end of Friday March 13 in Texas


def _others(root: Path) -> list[tuple[str, Path]]:
    """Twelve Texan children without a qualifying arrival date or an enrollment, three Californians
    without the date but enrolled: each with a name and birth date of its own (no worklist item)."""
    tx = [student_row(f"DL-TX-{n:02d}", letters(n + 40), letters(n * 5 + 7) + "tx", "Ortiz",
                      f"2012-{n % 12 + 1:02d}-{n + 1:02d}") for n in range(12)]  # fmt: skip
    ca = [student_row(f"DL-CA-{n}", letters(n + 80), letters(n * 3 + 2) + "ca", "Vela", f"2013-0{n + 1}-1{n}")
          for n in range(3)]  # fmt: skip
    ca_enrolled = [enrollment_row(f"DL-CA-{n}", f"DL-E{n}", "2026-09-01") for n in range(3)]
    return [
        ("TX", submission(root, "dl-tx", "TX", "2026-10-01T10:00:00Z", students=tx)),
        ("CA", submission(root, "dl-ca", "CA", "2026-10-01T10:00:00Z", students=ca, enrollments=ca_enrolled)),
    ]


@pytest.fixture(scope="module")
def deadlines_hub(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    def publish(hub: Hub) -> None:
        for make, state in ((ana.texas, "TX"), (ana.california, "CA"), (ana.florida, "FL")):
            hub.msix("publish", "--state", state, "--format", "mde", str(make(hub.root)))
        for state, folder in _others(hub.root):
            hub.msix("publish", "--state", state, "--format", "mde", str(folder))
        hub.msix("worker", "--until-idle")
        for name, (role, state) in USERS.items():
            done = add_user(hub, name, role, state)
            assert done.returncode == 0, done.stderr

    yield from module_hub(stack, tmp_path_factory, "deadlines", publish)


@pytest.fixture(scope="module")
def client(deadlines_hub: Hub) -> Iterator[TestClient]:
    app = create_app(db.engine(deadlines_hub.settings.database), WebSettings(cookie_secure=False))
    with TestClient(app) as c:
        yield c


def ana_id(client: TestClient) -> str:
    found = client.get("/api/students", params={"q": "FL-0412"}, headers=token(client, "carmen")).json()
    return str(found[0]["msix_id"])


def audited(hub: Hub, user: str, action: str) -> list[str]:
    with db.engine(hub.settings.database).connect() as conn:
        rows = conn.execute(select(audit_log.c.msix_id).where(audit_log.c.username == user,
                                                              audit_log.c.action == action))  # fmt: skip
        return [r.msix_id for r in rows]


def test_the_record_pages_form_asks_and_both_states_see_the_request(deadlines_hub: Hub, client: TestClient) -> None:
    child = ana_id(client)
    sign_in(client, "carmen")  # a Florida counselor
    page = client.get(f"/students/{child}")
    offered = re.findall(r'<option value="([A-Z]{2})"', page.text.split('id="ask-to"')[1].split("</select>")[0])
    assert offered[:2] == ["CA", "TX"] and "FL" not in offered and len(offered) > 50  # Ana's other states first
    csrf = CSRF.search(page.text)
    assert csrf
    form = {"to_state": "TX", "kind": "other", "text": "", "csrf": csrf.group(1)}
    refused = client.post(f"/students/{child}/requests", data=form)
    assert refused.status_code == 422 and "kind other needs a text" in refused.text
    assert client.post(f"/students/{child}/requests", data={**form, "csrf": "forged"}).status_code == 400
    odd = client.post(f"/students/{child}/requests", data={**form, "kind": "x\x00y", "to_state": "Z\x00"})
    assert odd.status_code == 422 and "choose the state to ask" in odd.text
    made = client.post(f"/students/{child}/requests", data={**form, "kind": "immunization"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/requests?state=FL&made=")
    request_id = made.headers["location"].rsplit("=", 1)[1]
    shown = client.get(made.headers["location"])
    assert "Request sent to TX: immunization" in shown.text and f'id="r-{request_id}"' in shown.text
    for user, state in (("carmen", "FL"), ("rita", "TX")):
        listed = client.get("/api/requests", params={"state": state}, headers=token(client, user)).json()
        assert [(r["from_state"], r["to_state"], r["kind"], r["status"]) for r in listed
                if r["request_id"] == request_id] == [("FL", "TX", "immunization", "open")]  # fmt: skip
    sign_in(client, "rita")  # Texas's registrar: received, on the Requests page, audited
    received = client.get("/requests")
    assert received.status_code == 200 and f'id="r-{request_id}"' in received.text
    assert child in audited(deadlines_hub, "rita", "requests")


def _overdue_request_and_correction(hub: Hub) -> tuple[str, str]:
    """California asks Texas, and a parent asks Texas for a correction, both long ago."""
    with db.engine(hub.settings.database).begin() as conn:
        child = reads.consolidated(conn, _ana_master(conn))
        assert child is not None
        made = requests.ask(conn, hub.topics, child, "secondary_transcript", ("CA", "TX"), None, "carmen", ASKED_AT)
        tx = next(e for e in child["enrollments"] if e["state"] == "TX")
        item = [{"section": "enrollments", "id": tx["enrollment_id"]}]
        parent = {"parent_name": "María", "identified_by": "passport", "statement": "Wrong school.", "lang": "en"}
        fixed = corrections.record(conn, ASKED_AT, child, item, parent, ("victor", "TX"), hub.topics)
    return made["request_id"], fixed["correction_id"]


def _ana_master(conn: Any) -> str:
    from hub.store.tables import state_identity as si

    return str(conn.execute(select(si.c.msix_id).where(si.c.state_student_id == "FL-0412")).scalar_one())


def test_overdue_items_show_on_the_owing_states_dashboard_and_in_metrics(
    deadlines_hub: Hub, client: TestClient
) -> None:
    request_id, correction_id = _overdue_request_and_correction(deadlines_hub)
    # The web app's clock is the real one: March 2026 is long past, so both are overdue now.
    tomas = token(client, "tomas")
    panel = client.get("/api/states/TX/dashboard", headers=tomas).json()["deadlines"]
    assert panel["owes"]["requests"]["overdue"] >= 1 and panel["owes"]["corrections"] == {
        "open": 1, "due_soon": 0, "overdue": 1}  # fmt: skip
    pressing = {
        (i.get("request_id") or i["correction_id"]): (i["standing"], i["due_day"]) for i in panel["owes"]["pressing"]
    }
    assert pressing[request_id] == ("overdue", "2026-03-13")
    assert pressing[correction_id][0] == "overdue"
    assert "msix_id" not in str(panel)  # the panel names no child
    waits = client.get("/api/states/CA/dashboard", headers=token(client, "carla")).json()["deadlines"]["waits"]
    assert [i["request_id"] for i in waits["overdue"]] == [request_id]
    sign_in(client, "tomas")
    page = client.get("/dashboard/TX").text
    assert "Deadlines" in page and f"request {request_id[:8]}" in page and f"correction {correction_id[:8]}" in page
    # The national table, and /metrics at an injected time: before the deadline, then after it.
    national = client.get("/api/counts/deadlines", headers=token(client, "root")).json()
    assert {
        "state": "TX",
        "requests": panel["owes"]["requests"],
        "corrections": panel["owes"]["corrections"],
        "notices": panel["owes"]["notices"],
    } in national
    before = metrics(deadlines_hub.settings, clock=lambda: ASKED_AT + timedelta(hours=1)).decode()
    assert 'msix_state_corrections{standing="overdue",state="TX"} 0.0' in before
    assert 'msix_state_corrections{standing="open",state="TX"} 1.0' in before
    after = metrics(deadlines_hub.settings, clock=lambda: ASKED_AT + timedelta(days=30)).decode()
    assert 'msix_state_corrections{standing="overdue",state="TX"} 1.0' in after
    assert re.search(r'msix_state_requests\{standing="overdue",state="TX"\} [1-9]', after)


def test_reports_are_suppressed_and_the_federal_office_sees_counts_only(deadlines_hub: Hub, client: TestClient) -> None:
    old, fresh = datetime.now(UTC) - timedelta(days=30), datetime.now(UTC)
    with db.engine(deadlines_hub.settings.database).begin() as conn:  # New Mexico's worklist: 11 old, 10 new
        conn.execute(insert(worklist_item), [
            {"msix_id": f"9{n:011d}", "state": "NM", "state_student_id": f"NM-{n}", "score": 0.8, "reasons": [],
             "candidates": [], "created_at": old if n < 11 else fresh} for n in range(21)])  # fmt: skip
    fed = token(client, "ofelia")
    aging = client.get("/api/counts/worklist-aging", headers=fed).json()
    assert aging["cells"]["NM"] == {"<2": 10, "2-5": 0, "5-10": 0, ">10": 11} and aging["totals"]["NM"] == 21
    missing = client.get("/api/counts/missing-elements", headers=fed).json()
    # Texas: the twelve and Ana lack the arrival date, the twelve an enrollment; California's four: hidden.
    assert (missing["cells"]["TX"]["qad"], missing["cells"]["TX"]["enrollment"]) == (13, 12)
    assert missing["cells"]["CA"]["qad"] is None and missing["cells"]["TX"]["first_name"] == 0
    published = [v for col in (*aging["cells"].values(), *missing["cells"].values()) for v in col.values()]
    assert not [v for v in published if v is not None and 0 < v < 10]
    national = client.get("/api/counts/deadlines", headers=fed).json()
    assert national and all(set(row) == {"state", "requests", "corrections", "notices"} for row in national)
    for path, params in (("/api/requests", {"state": "TX"}), ("/api/states/TX/dashboard", {})):
        assert client.get(path, params=params, headers=fed).status_code == 403, path
    sign_in(client, "ofelia")
    assert client.get("/requests", params={"state": "TX"}).status_code == 403
    counts_page = client.get("/counts").text
    assert "Deadlines by state" in counts_page and "Children missing a required element" in counts_page
    # A state's data manager: their own state only.
    tomas = token(client, "tomas")
    assert list(client.get("/api/counts/missing-elements", headers=tomas).json()["cells"]) == ["TX"]
    assert [r["state"] for r in client.get("/api/counts/deadlines", headers=tomas).json()] == ["TX"]
    assert client.get("/api/counts/worklist-aging", params={"state": "CA"}, headers=tomas).status_code == 403


# --- move notices under change_of_residence ---------------------------------------------------------


def _texas_arrival(hub: Hub) -> tuple[str, datetime]:
    """DL-CA-1, enrolled in California since September, enrolls in Texas: an arrival notice to Texas,
    made by the worker now. The Texan record has its arrival date and enrollment (nothing missing)."""
    child = student_row("DL-TXN-1", letters(81), letters(5) + "ca", "Vela", "2013-02-11", qad="2026-10-15")
    folder = submission(hub.root, "dl-tx-arrival", "TX", "2026-10-21T10:00:00Z", students=[child],
                        enrollments=[enrollment_row("DL-TXN-1", "DL-TXN-E1", "2026-10-20")])  # fmt: skip
    hub.msix("publish", "--state", "TX", "--format", "mde", str(folder))
    hub.msix("worker", "--until-idle")
    with db.engine(hub.settings.database).connect() as conn:
        m = move_notice
        rows = conn.execute(select(m.c.notice_id, m.c.created_at).where(m.c.to_state == "TX")).all()
    assert len(rows) == 1, rows  # Texas's only notice: the counts below are this notice's
    return rows[0].notice_id, rows[0].created_at


ITEM = {"notice_id", "from_state", "kind", "due_at", "due_day", "standing"}


def _owed_gauge(text: str, standing: str) -> str | None:
    found = re.search(rf'msix_state_notices_owed{{standing="{standing}",state="TX"}} (\S+)', text)
    return found.group(1) if found else None


def test_a_move_notice_is_open_then_due_soon_then_overdue_until_acknowledged(
    deadlines_hub: Hub, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice_id, made = _texas_arrival(deadlines_hub)
    texas = calendars.calendar_for("TX")
    due = deadlines.due_at(texas, calendars.obligation_for("TX", "change_of_residence"), made)
    last = deadline_board.last_day(texas, due).isoformat()
    assert texas.working_days_between(texas.local_date(made), date.fromisoformat(last)) == 10
    tomas = token(client, "tomas")
    sign_in(client, "tomas")
    moments = (
        (made + timedelta(minutes=1), {"open": 1, "due_soon": 0, "overdue": 0}),
        (due - timedelta(hours=1), {"open": 1, "due_soon": 1, "overdue": 0}),  # its last day
        (due + timedelta(hours=1), {"open": 1, "due_soon": 0, "overdue": 1}),
    )
    for moment, counts in moments:
        for routes in (dashboard_routes, counts_routes):  # the web app's clock, injected
            monkeypatch.setattr(routes, "now", lambda m=moment: m)
        owes = client.get("/api/states/TX/dashboard", headers=tomas).json()["deadlines"]["owes"]
        assert owes["notices"] == counts and owes["notices_more"] == 0, moment
        listed = [(n["notice_id"], n["from_state"], n["due_day"], n["standing"]) for n in owes["notices_pressing"]]
        standing = next((k for k in ("overdue", "due_soon") if counts[k]), None)
        assert listed == ([(notice_id, "CA", last, standing)] if standing else []), moment
        assert all(set(n) == ITEM for n in owes["notices_pressing"])  # ids only, no child's name
        page = client.get("/dashboard/TX").text
        assert "Move notices to act on" in page and (f"notice {notice_id[:8]}" in page) == bool(standing)
        shown = metrics(deadlines_hub.settings, clock=lambda m=moment: m).decode()
        assert [_owed_gauge(shown, k) for k in counts] == [f"{float(n)}" for n in counts.values()], moment
        national = client.get("/api/counts/deadlines", params={"state": "TX"}, headers=tomas).json()
        assert national[0]["notices"] == counts
    # Texas acknowledges it (the receipt the state sends on movenotice.TX.acks): it no longer counts.
    deadlines_hub.msix("states", "add", "TX")
    creds = deadlines_hub.root / "TX.properties"
    deadlines_hub.msix("states", "credentials", "TX", "--output", str(creds))
    deadlines_hub.msix("notices", "ack", notice_id, "--state", "TX", "--by", "tomas", "--credentials", str(creds))
    deadlines_hub.msix("worker", "--until-idle")
    owes = client.get("/api/states/TX/dashboard", headers=tomas).json()["deadlines"]["owes"]
    assert owes["notices"] == {"open": 0, "due_soon": 0, "overdue": 0} and owes["notices_pressing"] == []
    shown = metrics(deadlines_hub.settings, clock=lambda: due + timedelta(hours=1)).decode()
    assert _owed_gauge(shown, "overdue") is None and 'msix_state_notices_overdue{state="TX"} 0.0' in shown


# --- in a real browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(deadlines_hub: Hub) -> Iterator[str]:
    with db.engine(deadlines_hub.settings.database).begin() as conn:  # 22 notices Texas let go overdue
        child, long_ago = _ana_master(conn), datetime.now(UTC) - timedelta(days=30)
        rows = [{"notice_id": f"dl-old-{n:02d}", "msix_id": child, "kind": "arrival", "from_state": "NM",
                 "to_state": "TX", "created_at": long_ago + timedelta(minutes=n)} for n in range(22)]  # fmt: skip
        conn.execute(insert(move_notice), rows)
    yield from serve(deadlines_hub)


def _sign_in(page: Page, user: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def on_screen(page: Page, found: Locator) -> None:
    """The element is within the screen's width: not in a part of a table scrolled off to the side."""
    box, width = found.bounding_box(), page.viewport_size
    assert box is not None and width is not None and box["x"] >= 0 and box["x"] + box["width"] <= width["width"]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_form_the_requests_page_and_the_deadlines_panel(browser: Browser, server: str, size: str) -> None:
    context = browser.new_context(base_url=server, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    _sign_in(page, "carmen")
    page.goto("/search?q=FL-0412")
    page.locator("ol.results li").first.get_by_role("link").click()
    page.get_by_role("link", name="Ask another state for records").click()
    page.get_by_label("State to ask").select_option("CA")
    page.get_by_label("What is asked").select_option("secondary_transcript")
    page.get_by_label('Text (needed for "other")').fill("Grades of 11th grade, spring term")
    no_sideways_scroll(page)
    shot(page, size, "request-form")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data requests: FL")
    expect(page.get_by_role("status")).to_contain_text("Request sent to CA: secondary transcript")
    expect(page.get_by_role("status")).to_contain_text("must answer by the end of")
    expect(page.get_by_role("region", name="Sent requests")).to_contain_text("Grades of 11th grade")
    no_sideways_scroll(page)
    on_screen(page, page.get_by_role("region", name="Sent requests").locator(".standing").first)
    shot(page, size, "requests-page")

    _sign_in(page, "tomas")  # Texas's data manager: the overdue request and correction on the panel
    page.goto("/dashboard/TX")
    panel = page.locator("section.deadlines-panel")
    expect(panel.get_by_role("heading", name="Deadlines")).to_be_visible()
    expect(panel.get_by_role("region", name="Due soon and overdue")).to_contain_text("overdue")
    expect(panel.get_by_role("link", name="Move notices to act on")).to_be_visible()
    notices = panel.get_by_role("region", name="Move notices due soon or overdue")
    expect(notices.locator("tr.overdue")).to_have_count(20)  # the first 20, oldest first, then how many more
    expect(notices.locator("tr.overdue").first).to_contain_text("notice dl-old-0")
    expect(panel).to_contain_text("and 2 more move notices due soon or overdue")
    on_screen(page, notices.locator(".standing").first)
    no_sideways_scroll(page)
    on_screen(page, panel.get_by_role("region", name="Due soon and overdue").locator(".standing").first)
    shot(page, size, "deadlines-panel")
    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("region", name="Received requests").locator("tr.overdue").first).to_be_visible()
    no_sideways_scroll(page)

    _sign_in(page, "ofelia")  # the federal office: the national table, counts only
    page.goto("/counts")
    expect(page.get_by_role("region", name="Deadlines by state")).to_contain_text("TX")
    no_sideways_scroll(page)
    shot(page, size, "counts-deadlines-federal")
    assert all(u.startswith(server) for u in requested), "nothing loaded from elsewhere"
    context.close()
