"""``msix bench dashboard``: the state dashboard page's latency on ``msix bench api``'s loaded
database (the same children and about a million records, loaded through the real pipeline once).

A real ``msix serve`` process; one keep-alive client signed in as the admin (a browser session:
login form, CSRF, cookie) asks for ``/dashboard/ST`` of the loaded states in turn, one request at a
time, after a warm-up of one page per state. Every page reads the records-per-hour roll-up and the
last submissions afresh; the data-quality figures (kept 5 minutes) and the Kafka figures (lags,
rejections; kept 30 s) come from what the server keeps per state (``hub.api.dashboard``), refreshed
by background threads while the pages are measured. What a refresh costs is measured apart: each
state's data-quality figures computed directly, several times. The JSON
(``/api/states/ST/dashboard``) is measured the same way as the page.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from hub.bench import api as loaded
from hub.bench.api import Latency, Report
from hub.config import Settings
from hub.store import db, quality

USER, PASSWORD = "bench-admin", "bench password, not secret"


@dataclass
class DashboardFigures:
    records: int
    states: list[str]
    page: Latency
    json: Latency
    quality_compute: Latency  # one state's data-quality figures computed afresh (kept by the server)
    records_per_hour: Latency  # the chart's roll-up read, which every page does

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run(base: Settings, children: int, seed: int, requests: int, report: Report) -> DashboardFigures:
    settings = loaded._settings(base, children, seed)
    if not loaded._loaded(settings):
        loaded._load(settings, children, seed, report)
    db.migrate(settings.database)  # a database loaded by an older version gets the new roll-ups
    records = loaded._counts(settings)[2]
    with loaded._connect(settings) as conn:
        states = [r[0] for r in conn.execute("SELECT DISTINCT state FROM record ORDER BY state")]
    report(f"{records:,} records over {len(states)} states")
    # What the server keeps and refreshes in the background, computed here directly: each state's
    # data-quality figures (the cost of the first page for a state, and of every refresh).
    engine = db.engine(settings.database)
    now = datetime.now(UTC)
    rounds = 3
    with engine.connect() as conn:
        report(f"computing every state's data-quality figures {rounds} times")
        computed = loaded._measure(lambda i: quality.quality(conn, states[i % len(states)], now), rounds * len(states))
        hour0 = now - timedelta(days=7)
        per_hour = loaded._measure(lambda i: quality.records_per_hour(conn, states[i % len(states)], hour0), 200)
    _account(settings)
    with loaded._server(settings, report) as port:
        client = _Browser(port)
        for st in states:  # warm-up: the planner's statistics, the Kafka figures' cache
            client.get(f"/dashboard/{st}")
        report(f"measuring {requests:,} pages and {requests:,} JSON answers")
        page = loaded._measure(lambda i: client.get(f"/dashboard/{states[i % len(states)]}"), requests)
        answer = loaded._measure(lambda i: client.get(f"/api/states/{states[i % len(states)]}/dashboard"), requests)
    return DashboardFigures(records, states, page, answer, computed, per_hour)


def _account(settings: Settings) -> None:
    from hub.api.security import hash_password
    from hub.store import people

    with db.engine(settings.database).begin() as conn:
        people.add_user(conn, USER, "admin", None, hash_password(PASSWORD))


class _Browser:
    """One keep-alive connection signed in through the login form, its session cookie kept."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/login")
        answer = self.conn.getresponse()
        form = answer.read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        login_cookie = _cookie(answer, "msix_login_csrf")
        body = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"msix_login_csrf={login_cookie}"}
        self.conn.request("POST", "/login", body, headers)
        answer = self.conn.getresponse()
        answer.read()
        self.headers = {"Cookie": f"msix_session={_cookie(answer, 'msix_session')}"}

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path, headers=self.headers)
        answer = self.conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"GET {path}: {answer.status}")
        if path.startswith("/api/"):
            json.loads(body)
        return body


def _cookie(answer: http.client.HTTPResponse, name: str) -> str:
    for header in answer.headers.get_all("Set-Cookie") or []:
        if header.startswith(name + "="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise RuntimeError(f"no {name} cookie (status {answer.status})")
