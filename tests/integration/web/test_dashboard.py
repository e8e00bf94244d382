"""The state data manager's dashboard (JSON and pages), /metrics with the state gauges, and
acknowledging a notice over HTTP: on Ana's hub plus one Florida submission with a rejected row,
through the real pipeline, Kafka (with SCRAM and ACLs) and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from hub.api.app import create_app
from hub.config import WebSettings
from hub.store import db, quality, receipts
from tests.integration.conftest import Hub
from tests.integration.submissions import student_row, submission
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve, shot
from tests.integration.web.conftest import PASSWORD, add_user
from tests.integration.web.signing import sign_in, token

pytestmark = pytest.mark.integration
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SUBMITTED = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


@pytest.fixture(scope="module")
def dash_hub(ana_hub: Hub) -> Hub:
    """Ana's hub, a Texas data manager, and a fresh Florida submission: two children, one row rejected."""
    done = add_user(ana_hub, "tess", "state_data_manager", "TX")
    assert done.returncode == 0, done.stderr
    folder = submission(
        ana_hub.root,
        "fl-now",
        "FL",
        SUBMITTED.isoformat().replace("+00:00", "Z"),
        students=[student_row("FL-NEW1", first="Lucia"), student_row("FL-BAD1", first="Marta", sex="Q")],
    )
    ana_hub.msix("publish", "--state", "FL", str(folder))
    ana_hub.msix("worker", "--until-idle")
    return ana_hub


@pytest.fixture(scope="module")
def client(dash_hub: Hub) -> Iterator[TestClient]:
    app = create_app(
        db.engine(dash_hub.settings.database), WebSettings(cookie_secure=False), dash_hub.settings.as_operator()
    )
    with TestClient(app, follow_redirects=False) as c:
        yield c


def scalar(hub: Hub, sql: str, **params: Any) -> Any:
    with db.engine(hub.settings.database).connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


# --- JSON -------------------------------------------------------------------------------------------


def test_dashboard_json_matches_the_store_and_the_topics(client: TestClient, dash_hub: Hub) -> None:
    answer = client.get("/api/states/FL/dashboard", headers=token(client, "sam"))
    assert answer.status_code == 200, answer.text
    f = answer.json()
    assert f["state"] == "FL" and f["kafka_error"] is None
    now = datetime.fromisoformat(f["generated_at"])
    with db.engine(dash_hub.settings.database).connect() as conn:
        q = quality.quality(conn, "FL", now)
    students = scalar(
        dash_hub, "SELECT count(*) FROM record WHERE state='FL' AND family='student' AND fields IS NOT NULL"
    )
    assert f["quality"]["students"] == q.students == students
    assert f["quality"]["children_without_current_enrollment"] == q.children_without_current_enrollment
    assert f["quality"]["completeness"] == q.completeness
    # Every FL record was applied within the last hours: all of them are in the hourly counts.
    hours = f["records_per_hour"]
    assert len(hours) == 7 * 24 and hours[-1]["hour"] <= f["generated_at"]
    assert sum(h["records"] for h in hours) == scalar(dash_hub, "SELECT count(*) FROM record WHERE state='FL'")
    assert f["lag"]["hub_on_records"] == 0
    assert f["lag"]["state_on_notices"] == quality.lag(dash_hub.settings.as_operator().kafka, "FL").state_on_notices
    assert [r["state_student_id"] for r in f["rejections"]["latest"]] == ["FL-BAD1"]
    assert sum(r["rows"] for r in f["rejections"]["by_day"]) == 1
    latest = f["last_submissions"][0]
    assert datetime.fromisoformat(latest["submitted_at"]) == SUBMITTED
    assert latest["records"] == {"student": 1} and latest["total"] == 1
    assert f["quality"]["last_submission_at"] == latest["submitted_at"] and not f["quality"]["stale"]


def test_the_latest_rejected_rows_shown_are_audited(client: TestClient) -> None:
    """FL-BAD1 was rejected before the hub gave it an MSIX id: its audit row names it by state id."""
    sign_in(client, "sam")
    assert "FL-BAD1" in client.get("/dashboard/FL").text
    client.cookies.clear()
    log = client.get("/api/audit", params={"limit": "1000"}, headers=token(client, "root")).json()
    shown = [(e["username"], e["action"], e["msix_id"], e["detail"]) for e in log]
    assert ("sam", "dashboard", None, "page: FL FL-BAD1 rejected") in shown


def test_dashboard_json_access_rules(client: TestClient) -> None:
    assert client.get("/api/states/FL/dashboard").status_code == 401
    assert client.get("/api/states/FL/dashboard", headers={"Authorization": "Bearer " + "x" * 43}).status_code == 401
    assert client.get("/api/states/TX/dashboard", headers=token(client, "sam")).status_code == 403
    assert client.get("/api/states/FL/dashboard", headers=token(client, "carmen")).status_code == 403
    assert client.get("/api/states/FL/dashboard", headers=token(client, "dana")).status_code == 403
    admin = token(client, "root")
    texas = client.get("/api/states/TX/dashboard", headers=admin)
    assert texas.status_code == 200 and texas.json()["quality"]["students"] > 0
    assert client.get("/api/states/TX/dashboard", headers=token(client, "tess")).status_code == 200
    assert client.get("/api/states/ZZ/dashboard", headers=admin).status_code == 422
    assert client.get("/api/states/fl/dashboard", headers=admin).status_code == 422
    assert client.get("/api/states/FL/dashboard", params={"days": "3"}, headers=admin).status_code == 422


# --- acknowledging a notice -------------------------------------------------------------------------


def florida_notice(client: TestClient) -> str:
    found = client.get("/api/notices", params={"state": "FL"}, headers=token(client, "sam")).json()
    assert found
    return str(found[0]["notice_id"])


def test_the_destination_states_manager_acknowledges_through_kafka(client: TestClient, dash_hub: Hub) -> None:
    notice_id = florida_notice(client)
    answer = client.post(f"/api/notices/{notice_id}/ack", headers=token(client, "sam"))
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["notice_id"], body["state"], body["kind"]) == (notice_id, "FL", "acknowledged")
    assert "(sam)" in body["by"]
    dash_hub.msix("worker", "--until-idle")  # the hub records the receipt from movenotice.FL.acks
    with db.engine(dash_hub.settings.database).connect() as conn:
        status = receipts.notice_status(conn, "FL", timedelta(hours=72), datetime.now(UTC))
    mine = [s for s in status if s.notice_id == notice_id]
    assert mine and mine[0].acknowledged_by == body["by"]


def test_acknowledging_refusals(client: TestClient) -> None:
    notice_id = florida_notice(client)
    assert client.post(f"/api/notices/{notice_id}/ack").status_code == 401
    assert client.post(f"/api/notices/{notice_id}/ack", headers=token(client, "tess")).status_code == 403
    assert client.post(f"/api/notices/{notice_id}/ack", headers=token(client, "carmen")).status_code == 403
    admin = token(client, "root")
    assert client.post("/api/notices/no-such-notice/ack", headers=admin).status_code == 404
    assert client.post("/api/notices/not%20an%20id/ack", headers=admin).status_code == 422
    assert client.post(f"/api/notices/{'9' * 101}/ack", headers=admin).status_code == 422
    assert client.post(f"/api/notices/{notice_id}/ack", params={"x": "1"}, headers=admin).status_code == 422
    assert client.post(f"/api/notices/{notice_id}/ack", headers=admin).status_code == 202


# --- pages ------------------------------------------------------------------------------------------


def test_dashboard_pages_for_each_role(client: TestClient) -> None:
    assert client.get("/dashboard/FL").status_code == 303  # to the login page
    sign_in(client, "sam")
    home = client.get("/dashboard")
    assert home.status_code == 303 and home.headers["location"] == "/dashboard/FL"
    page = client.get("/dashboard/FL")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 2 and "FL-BAD1" in page.text
    assert '<a href="/dashboard">Dashboard</a>' in page.text
    assert client.get("/dashboard/TX").status_code == 403
    assert client.get("/dashboard/ZZ").status_code == 422

    sign_in(client, "carmen")
    assert client.get("/dashboard").status_code == 403 and client.get("/dashboard/FL").status_code == 403
    assert '<a href="/dashboard">' not in client.get("/search").text

    sign_in(client, "root")
    picker = client.get("/dashboard")
    assert picker.status_code == 200
    assert all(f'href="/dashboard/{st}"' in picker.text for st in ("CA", "FL", "TX"))
    assert client.get("/dashboard/TX").status_code == 200
    client.cookies.clear()


# --- /metrics ---------------------------------------------------------------------------------------


def test_metrics_endpoint_serves_requests_and_state_gauges_matching_the_data(client: TestClient, dash_hub: Hub) -> None:
    client.get("/healthz")
    body = client.get("/metrics")
    assert body.status_code == 200
    m = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.text)
        for s in family.samples
    }
    assert m[("msix_http_requests_total", (("method", "GET"), ("route", "/healthz"), ("status", "200")))] >= 1
    for st in ("CA", "FL", "TX"):
        live = "SELECT count(*) FROM record WHERE state=:st AND family='student' AND fields IS NOT NULL"
        assert m[("msix_state_records", (("family", "student"), ("state", st)))] == scalar(dash_hub, live, st=st)
    with db.engine(dash_hub.settings.database).connect() as conn:
        q = quality.quality(conn, "FL", datetime.now(UTC))
    fl = (("state", "FL"),)
    assert m[("msix_state_children_without_current_enrollment", fl)] == q.children_without_current_enrollment
    assert m[("msix_state_ages_outside_range", fl)] == q.ages_outside_range
    assert m[("msix_state_last_submission_timestamp_seconds", fl)] == SUBMITTED.timestamp()
    assert m[("msix_state_consumer_lag", (("consumer", "hub"), *fl, ("topic", "records")))] == 0
    rejected = {k: v for k, v in m.items() if k[0] == "msix_state_rejections_last_7d" and ("state", "FL") in k[1]}
    assert sum(rejected.values()) == 1


def test_metrics_without_kafka_settings_serve_only_the_request_metrics(dash_hub: Hub) -> None:
    app = create_app(db.engine(dash_hub.settings.database), WebSettings(cookie_secure=False))
    with TestClient(app) as c:
        body = c.get("/metrics").text
    assert "msix_http_requests" in body and "msix_state_" not in body


# --- Chromium ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(dash_hub: Hub) -> Iterator[str]:
    yield from serve(dash_hub)


@pytest.mark.parametrize("size", list(SIZES))
def test_state_manager_dashboard_in_chromium(browser: Browser, server: str, size: str) -> None:
    context = browser.new_context(base_url=server, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/dashboard")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/dashboard/FL")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard for FL")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    for i in range(2):
        expect(charts.nth(i)).to_be_visible()
        assert charts.nth(i).bounding_box()["width"] > 200  # type: ignore[index]
    expect(page.get_by_role("img", name=re.compile("Records received per hour"))).to_be_visible()
    expect(page.get_by_role("region", name="Latest rejected rows")).to_contain_text("FL-BAD1")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, size, "dashboard-FL")
    other = page.goto("/dashboard/TX")
    assert other is not None and other.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    shot(page, size, "dashboard-TX-403")
    assert all(u.startswith(server) for u in requested), "the dashboard loads nothing from elsewhere"
    context.close()
