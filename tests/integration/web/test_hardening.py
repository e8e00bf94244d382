"""Least privilege and a complete audit (issue 12 §7), on the real PostgreSQL and the real secured
broker: every list that shows children is audited per child, a change made with the session
cookie needs the CSRF token, the sign-in throttle is atomic and bounded, and ``msix serve`` acts
on Kafka as its own principal, which is refused what it must not do."""

from __future__ import annotations

import getpass
import json
import random
import re
import string
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import confluent_kafka
import httpx
import pytest
import uvicorn
from confluent_kafka.admin import AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType, ResourceType
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from hub import notices
from hub.api import security, service
from hub.api.app import create_app
from hub.api.deps import CSRF_HEADER
from hub.api.serve import as_web
from hub.config import HomeSettings, KafkaSettings, Settings, WebSettings
from hub.domain.msix_id import from_serial
from hub.errors import AccessDenied, InfraError
from hub.store import db, people, quality
from hub.store.throttle import LoginThrottle
from infra.local import kafka as local_kafka
from producers.admin import WEB_PRINCIPAL, admin_client
from producers.client_config import client_config
from producers.producer import Producer
from tests.integration.conftest import Hub
from tests.integration.submissions import student_row, submission
from tests.integration.web.browsing import free_port, serve
from tests.integration.web.conftest import PASSWORD

pytestmark = pytest.mark.integration
UNKNOWN_ID = from_serial(99_999_999_999)
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture(scope="module")
def web_kafka(ana_hub: Hub) -> KafkaSettings:
    """The web app's principal on this hub's topics (its ACLs were granted by `topics apply`)."""
    local_kafka.ensure_hub_principal(ana_hub.settings)  # what `msix infra up` does; idempotent
    plain = ana_hub.settings.kafka.model_copy(update={"credentials": None})
    web = as_web(ana_hub.settings.model_copy(update={"kafka": plain})).kafka
    assert web.credentials == ana_hub.settings.home.web_credentials
    return web


@pytest.fixture(scope="module")
def hardened_hub(ana_hub: Hub) -> Hub:
    """Ana's hub and a Florida submission with one row rejected (for the dashboard's latest rows)."""
    folder = submission(
        ana_hub.root, "fl-bad", "FL", (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        students=[student_row("FL-BAD2", first="Marta", sex="Q")],
    )  # fmt: skip
    ana_hub.msix("publish", "--state", "FL", str(folder))
    ana_hub.msix("worker", "--until-idle")
    return ana_hub


@pytest.fixture(scope="module")
def client(hardened_hub: Hub, web_kafka: KafkaSettings) -> Iterator[TestClient]:
    settings = hardened_hub.settings.model_copy(update={"kafka": web_kafka})
    app = create_app(db.engine(settings.database), WebSettings(cookie_secure=False), settings)
    with TestClient(app, follow_redirects=False) as c:
        yield c


def token(client: TestClient, user: str) -> dict[str, str]:
    answer = client.post("/api/token", data={"username": user, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sign_in(client: TestClient, user: str, page: str = "/search") -> str:
    """Sign in with the page's form; returns the session's CSRF token as ``page`` carries it."""
    client.cookies.clear()
    form = CSRF_FIELD.search(client.get("/login").text)
    assert form
    done = client.post("/login", data={"username": user, "password": PASSWORD, "csrf": form.group(1)})
    assert done.status_code == 303, done.text
    meta = CSRF_META.search(client.get(page).text)
    assert meta
    return meta.group(1)


def trail(client: TestClient, msix_id: str | None = None) -> list[dict[str, Any]]:
    params = {"limit": "1000"} | ({"msix_id": msix_id} if msix_id else {})
    answer = client.get("/api/audit", params=params, headers=token(client, "root"))
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def seen(client: TestClient, msix_id: str) -> set[tuple[str, str, str]]:
    return {(a["username"], a["action"], a["detail"]) for a in trail(client, msix_id)}


# --- every list that shows children is audited per child ---------------------------------------------


def test_search_results_are_audited_per_child(client: TestClient) -> None:
    found = client.get("/api/students", params={"q": "Ana"}, headers=token(client, "carmen")).json()
    assert len(found) >= 2
    for child in found:
        assert ("carmen", "search", "api") in seen(client, child["msix_id"]), child["msix_id"]
    sign_in(client, "rita")
    page = client.get("/search", params={"q": "Ana"})
    shown = set(re.findall(r'href="/students/(\d{12})"', page.text))
    assert len(shown) >= 2
    client.cookies.clear()
    for msix_id in shown:
        assert ("rita", "search", "page") in seen(client, msix_id)
    nothing = client.get("/api/students", params={"q": "XX-0000"}, headers=token(client, "carmen")).json()
    assert nothing == []


def test_notice_lists_are_audited_per_child(client: TestClient) -> None:
    listed = client.get("/api/notices", params={"state": "FL"}, headers=token(client, "sam")).json()
    assert listed
    sign_in(client, "sam", "/notices")
    assert client.get("/notices", params={"state": "FL"}).status_code == 200
    client.cookies.clear()
    for msix_id in {n["msix_id"] for n in listed}:
        assert {("sam", "notices", "api FL"), ("sam", "notices", "page FL")} <= seen(client, msix_id)


def test_the_dashboards_latest_rejected_rows_are_audited(client: TestClient, hardened_hub: Hub) -> None:
    f = client.get("/api/states/FL/dashboard", headers=token(client, "sam")).json()
    assert f["kafka_error"] is None  # read as the web app's principal
    assert "FL-BAD2" in [r["state_student_id"] for r in f["rejections"]["latest"]]
    rows = [a for a in trail(client) if a["username"] == "sam" and a["action"] == "dashboard"]
    # A rejected new child has no MSIX id: the row names it by its state id.
    assert any(a["msix_id"] is None and a["detail"] == "api: FL FL-BAD2 rejected" for a in rows), rows
    # A known child's rejected row is audited under its MSIX id.
    engine = db.engine(hardened_hub.settings.database)
    with engine.begin() as conn:
        ana = conn.execute(text("SELECT msix_id FROM state_identity WHERE state_student_id = 'FL-0412'")).scalar_one()
        root = people.User("root", "admin", None)
        service.audit_rejected(conn, root, "FL", [{"state_student_id": "FL-0412"}], "page", "test")
    assert ("root", "dashboard", "page: FL FL-0412 rejected") in seen(client, ana)


def test_every_child_exported_is_audited_as_the_operating_system_user(client: TestClient, hardened_hub: Hub) -> None:
    exported = [json.loads(line)["msix_id"] for line in hardened_hub.msix("export", "--jsonl").stdout.splitlines()]
    assert len(exported) >= 5
    me = getpass.getuser()
    for msix_id in exported:
        rows = [a for a in trail(client, msix_id) if a["action"] == "export"]
        assert [(a["username"], a["role"], a["detail"], a["client"]) for a in rows] == [
            (me, "operator", "state=all", "cli")
        ], msix_id
    assert not any(a["action"] == "export" and a["msix_id"] is None for a in trail(client))


def test_a_large_export_is_audited_with_one_copy(hardened_hub: Hub) -> None:
    ids = [from_serial(n) for n in range(1, 100_001)]
    who = people.User("bulk", "operator", None)
    engine = db.engine(hardened_hub.settings.database)
    started = time.perf_counter()
    with engine.begin() as conn:
        assert people.audit_each(conn, who, "export", ids, "state=all", "cli") == len(ids)
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(DISTINCT msix_id) FROM audit_log WHERE username = 'bulk'")).scalar_one()
    assert n == len(ids)
    assert elapsed < 30, f"{elapsed:.1f} s for 100,000 audit rows"  # about a second here


# --- CSRF on every change made with the session cookie ------------------------------------------------


def _routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the app, through included routers (FastAPI 0.165 keeps them apart)."""
    found: list[APIRoute] = []
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        found += [r for r in (inner.routes if inner is not None else [route]) if isinstance(r, APIRoute)]
    return found


def _unsafe_api_routes(app: FastAPI) -> list[tuple[str, str]]:
    fill = {"{item_id}": "999999", "{request_id}": "999999", "{notice_id}": "no-such-notice",
            "{msix_id}": UNKNOWN_ID}  # fmt: skip
    found = []
    for route in _routes(app):
        if not route.path.startswith("/api/") or route.path == "/api/token":
            continue
        for method in (route.methods or set()) - {"GET", "HEAD", "OPTIONS"}:
            path = route.path
            for name, value in fill.items():
                path = path.replace(name, value)
            found.append((method, path))
    return found


def test_a_cross_site_api_change_with_only_the_cookie_is_refused(client: TestClient) -> None:
    routes = _unsafe_api_routes(client.app)  # type: ignore[arg-type]
    assert ("POST", "/api/worklist/999999/confirm") in routes and ("POST", "/api/notices/no-such-notice/ack") in routes
    csrf = sign_in(client, "dana")
    evil = {"Origin": "https://evil.example"}
    for method, path in routes:
        refused = client.request(method, path, json={}, headers=evil)
        assert refused.status_code == 403 and CSRF_HEADER in refused.json()["detail"], (path, refused.text)
        wrong = client.request(method, path, json={}, headers={CSRF_HEADER: "forged"})
        assert wrong.status_code == 403 and CSRF_HEADER in wrong.json()["detail"], path
        # With the page's token the request goes on to the route's own answer (404, 422, or 403 for the role).
        passed = client.request(method, path, json={}, headers={CSRF_HEADER: csrf})
        assert CSRF_HEADER not in passed.text, (path, passed.text)
    # Nothing happened: no request was made from the refused calls.
    assert client.get("/api/identity/requests").json() == []
    # Reading with the cookie needs no token (the record page's report link), and bearer tokens never do.
    assert client.get("/api/worklist").status_code == 200
    client.cookies.clear()
    bearer = client.post("/api/worklist/999999/confirm", headers=token(client, "dana"))
    assert bearer.status_code == 404


def test_every_form_that_changes_something_needs_its_csrf_token(client: TestClient) -> None:
    sign_in(client, "dana")
    forms = [
        (route.path.replace("{item_id}", "1").replace("{request_id}", "1"))
        for route in _routes(client.app)  # type: ignore[arg-type]
        if "POST" in (route.methods or ()) and not route.path.startswith("/api/")
        and route.path != "/login"
    ]  # fmt: skip
    assert "/logout" in forms and "/worklist/merge" in forms
    for path in forms:
        answer = client.post(
            path, data={"master": UNKNOWN_ID, "others": UNKNOWN_ID}, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code in (400, 403), (path, answer.status_code)
    assert client.get("/worklist/requests").status_code == 200  # still signed in: /logout did nothing
    client.cookies.clear()


# --- the sign-in throttle: atomic and bounded ----------------------------------------------------------


class _Server:
    """The app under a real uvicorn in a thread: requests run concurrently in its thread pool."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def test_concurrent_wrong_passwords_check_at_most_the_allowed_number(
    hardened_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = security.verify_password

    def slow(stored: str | None, password: str) -> bool:
        checked.append(password)
        time.sleep(0.3)  # the window a check-then-act throttle leaves open
        return real(stored, password)

    monkeypatch.setattr(security, "verify_password", slow)
    app = create_app(db.engine(hardened_hub.settings.database), WebSettings(cookie_secure=False, login_attempts=3))
    with _Server(app) as url, ThreadPoolExecutor(20) as pool:
        barrier = threading.Barrier(20)

        def guess(i: int) -> int:
            barrier.wait()
            form = {"username": "dara", "password": f"guess {i}"}
            return httpx.post(f"{url}/api/token", data=form, timeout=60).status_code

        codes = list(pool.map(guess, range(20)))
    assert len(checked) <= 3, f"{len(checked)} passwords checked"
    assert sorted(codes) == [401] * 3 + [429] * 17


def _rows(hub: Hub) -> int:
    with db.engine(hub.settings.database).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM login_throttle")).scalar_one())


def test_random_names_from_random_clients_keep_the_table_within_its_bound(hardened_hub: Hub) -> None:
    t, database = LoginThrottle(5, 300, name_buckets=16, client_buckets=16), db.engine(hardened_hub.settings.database)
    rng = random.Random(12)
    before = _rows(hardened_hub)
    for _ in range(2000):
        name = "".join(rng.choices(string.ascii_letters, k=12))
        t.attempt(database, t.keys(f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.1", name, is_account=False))
    assert _rows(hardened_hub) - before <= 16 + 16


def test_a_client_over_its_limit_adds_no_name(hardened_hub: Hub) -> None:
    t, database = LoginThrottle(1, 300, name_buckets=1_000_000), db.engine(hardened_hub.settings.database)
    before = _rows(hardened_hub)
    refused = [t.attempt(database, t.keys("192.0.2.7", f"nobody-{i}", is_account=False)) > 0 for i in range(100)]
    assert refused.count(False) == 10  # the client's allowance: ten times a name's
    assert _rows(hardened_hub) - before <= 1 + 10


def test_the_window_ends_and_a_good_password_gives_the_tickets_back(hardened_hub: Hub) -> None:
    t, database = LoginThrottle(2, 1.0), db.engine(hardened_hub.settings.database)
    keys = t.keys("198.51.100.9", "someone", is_account=True)
    assert t.attempt(database, keys) == 0 and t.attempt(database, keys) == 0
    wait = t.attempt(database, keys)
    assert 0 < wait <= 1.0
    time.sleep(wait + 0.1)
    assert t.attempt(database, keys) == 0
    t.succeeded(database, keys)
    assert t.attempt(database, keys) == 0 and t.attempt(database, keys) == 0


# --- the web app's own Kafka principal -----------------------------------------------------------------


def test_the_web_principal_does_what_the_pages_need(hardened_hub: Hub, web_kafka: KafkaSettings) -> None:
    topics = hardened_hub.topics
    lag = quality.lag(web_kafka, "FL")
    assert lag.hub_on_records == 0
    found = quality.rejections(web_kafka, "FL", datetime.now(UTC) - timedelta(days=1))
    assert "FL-BAD2" in [r["state_student_id"] for r in found.latest]
    value = notices.acknowledge(web_kafka, "FL", "some-notice", "sam")
    assert value["by"] == f"User:{WEB_PRINCIPAL} (sam)"
    assert topics.notice_acks("FL").startswith(web_kafka.topic_prefix)


def test_the_web_principal_is_refused_everything_else(hardened_hub: Hub, web_kafka: KafkaSettings) -> None:
    topics = hardened_hub.topics
    # Writing a state's records or rejections, a notice, an identity event: refused.
    for topic in (topics.records("FL"), topics.rejected("FL"), topics.move_notices("FL"), topics.identity):
        with pytest.raises(AccessDenied, match="Topic authorization failed"), Producer(web_kafka) as producer:
            producer.send(topic, b"k", b"v")
    # Reading records, notices or identity events (the children's data), even without a group: refused.
    for topic in (topics.records("FL"), topics.move_notices("FL")):
        assert confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED in _fetch_errors(web_kafka, topic), topic
    # The identity topic it may not even see.
    hidden = admin_client(web_kafka).list_topics(topics.identity, timeout=10).topics[topics.identity]
    assert hidden.error is not None and hidden.error.code() == confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED not in _fetch_errors(web_kafka, topics.rejected("FL"))
    # Administration: no topics made, no ACLs read.
    admin = admin_client(web_kafka)
    made = admin.create_topics([confluent_kafka.admin.NewTopic(web_kafka.topic_prefix + "web.made", 1, -1)])
    for future in made.values():
        with pytest.raises(confluent_kafka.KafkaException, match=r"(?i)authoriz"):
            future.result()
    every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,  # type: ignore[arg-type]
                             AclOperation.ANY, AclPermissionType.ANY)  # fmt: skip
    assert admin.describe_acls(every, request_timeout=10).result() == []  # hundreds exist: it sees none


def _fetch_errors(settings: KafkaSettings, topic: str) -> set[int]:
    """The errors a consumer meets fetching partition 0 of ``topic`` from the start, assigned
    directly (as the dashboards read ``state.ST.rejected``): no consumer group is involved."""
    consumer = confluent_kafka.Consumer(
        client_config(settings) | {"group.id": "unused", "enable.auto.commit": False, "enable.partition.eof": True}
    )
    errors: set[int] = set()
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
        for _ in range(20):
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is not None:
                code = int(msg.error().code())  # type: ignore[union-attr]
                if code == confluent_kafka.KafkaError._PARTITION_EOF:
                    break
                errors.add(code)
        return errors
    finally:
        consumer.close()


def test_serve_acknowledges_as_the_web_principal(hardened_hub: Hub) -> None:
    """The real ``msix serve`` takes the web app's credentials under MSIX_HOME, not the operator's."""
    running = serve(hardened_hub)
    url = next(running)
    try:
        form = {"username": "sam", "password": PASSWORD}
        bearer = {"Authorization": "Bearer " + httpx.post(f"{url}/api/token", data=form).json()["access_token"]}
        [notice, *_] = httpx.get(f"{url}/api/notices", params={"state": "FL"}, headers=bearer).json()
        acked = httpx.post(f"{url}/api/notices/{notice['notice_id']}/ack", headers=bearer, timeout=60)
        assert acked.status_code == 202, acked.text
        assert acked.json()["by"] == f"User:{WEB_PRINCIPAL} (sam)"
    finally:
        next(running, None)


def test_serve_refuses_to_fall_back_to_the_operator(tmp_path: Path) -> None:
    home = HomeSettings(home=tmp_path)
    home.credentials_dir.mkdir()
    home.operator_credentials.write_text("sasl.username=msix-operator\n")
    with pytest.raises(InfraError, match="msix infra up"):
        as_web(Settings(home=home))
    home.web_credentials.write_text("sasl.username=msix-web\n")
    assert as_web(Settings(home=home)).kafka.credentials == home.web_credentials
