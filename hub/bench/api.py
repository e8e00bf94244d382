"""``msix bench api``: the web API's latency with N consolidated children, measured honestly.

1. Load (once; kept for later runs): the synthetic generator's children over ten states, in cohorts
   of 5,000, written as MDE submissions, published with the connector and merged by ``msix worker
   --until-idle`` into a database of the benchmark's own. Nothing is written around the pipeline.
2. Serve: a real ``msix serve`` process (uvicorn, one process) on that database.
3. Measure, from one keep-alive HTTP client, one request at a time, after a warm-up: the record of
   a random child (``GET /api/students/{id}``), a search (a mix of exact names, names with a typo,
   surnames, a first name with a birth date, a state student id, all drawn from the data), and the
   credits of a random child. Times are the client's, request sent to body read.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from hub.config import KafkaSettings, Settings
from hub.store import db
from infra.local import postgres

Report = Callable[[str], None]
COHORT = 5000
USER, PASSWORD = "bench-counselor", "bench password, not secret"


@dataclass
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass
class ApiFigures:
    children: int
    state_identities: int
    records: int
    record: Latency
    search: Latency
    credits: Latency
    search_hit_rate: float  # share of searches whose expected child is among the results

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run(base: Settings, children: int, seed: int, requests: int, report: Report) -> ApiFigures:
    settings = _settings(base, children, seed)
    if not _loaded(settings):
        _load(settings, children, seed, report)
    counts = _counts(settings)
    report(f"{counts[0]:,} consolidated children, {counts[1]:,} state identities, {counts[2]:,} records")
    _account(settings)
    with _server(settings, report) as port:
        client = _Client(port)
        rng = random.Random(seed)  # noqa: S311 (typos in test queries, not secrets)
        ids = _sample_ids(settings, requests, seed)
        queries = _queries(settings, requests, rng)
        for i in range(min(200, requests)):  # warm-up: caches, pools, the planner's statistics
            client.get(f"/api/students/{ids[i % len(ids)]}")
            client.get("/api/students?" + urllib.parse.urlencode(queries[i % len(queries)][0]))
        report(f"measuring {requests:,} requests each")
        record = _measure(lambda i: client.get(f"/api/students/{ids[i % len(ids)]}"), requests)
        hits = 0

        def search(i: int) -> bytes:
            nonlocal hits
            params, expected = queries[i % len(queries)]
            body = client.get("/api/students?" + urllib.parse.urlencode(params))
            hits += expected in {r["msix_id"] for r in json.loads(body)}
            return body

        searched = _measure(search, requests)
        credits = _measure(lambda i: client.get(f"/api/students/{ids[-1 - i % len(ids)]}/credits?state=TX"), requests)
    return ApiFigures(counts[0], counts[1], counts[2], record, searched, credits, hits / requests)


def _settings(base: Settings, children: int, seed: int) -> Settings:
    name = f"msix_benchapi_{children}_{seed}"
    postgres.ensure_database(base, name)
    return Settings(
        home=base.home,
        kafka=KafkaSettings(
            bootstrap=base.kafka.bootstrap,
            topic_prefix=f"benchapi{children}s{seed}.",
            credentials=base.kafka.credentials,
        ),
        database=base.database.with_database(name),
        web=base.web,
    )


def _connect(settings: Settings) -> psycopg.Connection:
    return psycopg.connect(settings.database.libpq_url, autocommit=True)


def _loaded(settings: Settings) -> bool:
    with _connect(settings) as conn:
        return conn.execute("SELECT to_regclass('bench_loaded') IS NOT NULL").fetchone() == (True,)


def _counts(settings: Settings) -> tuple[int, int, int]:
    with _connect(settings) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM child), (SELECT count(*) FROM state_identity), (SELECT count(*) FROM record)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _write_cohort(batch: int, seed: int, out_dir: Path) -> list[Path]:
    from hub.synthetic import BENCHMARK_STATES, build_world, submissions, write_submissions

    world = build_world(seed * 1_000_003 + batch, COHORT, BENCHMARK_STATES, 2025, first_child=batch * COHORT)
    return write_submissions(submissions(world, 0.0, batch=batch + 1), out_dir)


def _load(settings: Settings, children: int, seed: int, report: Report) -> None:
    from connectors.mde.reader import open_submission
    from connectors.publish import publish_mde
    from hub.synthetic import BENCHMARK_STATES
    from producers.admin import apply_topics
    from producers.producer import Producer
    from producers.topics import Topics

    db.migrate(settings.database)
    work = Path(tempfile.mkdtemp(prefix="msix-benchapi-"))
    try:
        batches = range(max(1, children // COHORT))
        report(f"generating {len(batches) * COHORT:,} children in {len(batches)} cohorts")
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            folders = [
                f for fs in pool.map(_write_cohort, batches, [seed] * len(batches), [work] * len(batches)) for f in fs
            ]
        apply_topics(settings.kafka, Topics(settings.kafka.topic_prefix).specs(BENCHMARK_STATES))
        report(f"publishing {len(folders):,} submissions")
        with Producer(settings.kafka) as producer:
            for folder in folders:
                publish_mde(settings.kafka, open_submission(folder, folder.parent.name), producer=producer)
        report("merging (msix worker --until-idle)")
        started = time.perf_counter()
        env = _env(settings)
        with (work / "worker.log").open("wb") as log:
            done = subprocess.run(
                [sys.executable, "-m", "hub", "worker", "--until-idle"], env=env, stdout=log, stderr=log
            )
        if done.returncode != 0:
            raise RuntimeError(f"the worker failed: {(work / 'worker.log').read_text()[-2000:]}")
        report(f"merged in {time.perf_counter() - started:,.0f} s")
        with _connect(settings) as conn:
            conn.execute("ANALYZE")
            conn.execute("CREATE TABLE bench_loaded (children int, seed int)")
            conn.execute("INSERT INTO bench_loaded VALUES (%s, %s)", [children, seed])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MSIX_KAFKA_BOOTSTRAP=settings.kafka.bootstrap,
        MSIX_KAFKA_TOPIC_PREFIX=settings.kafka.topic_prefix,
        MSIX_DATABASE_URL=settings.database.url,
    )
    return env


def _account(settings: Settings) -> None:
    from hub.api.security import hash_password
    from hub.store import people

    with db.engine(settings.database).begin() as conn:
        people.add_user(conn, USER, "counselor", "TX", hash_password(PASSWORD))


class _server:
    def __init__(self, settings: Settings, report: Report) -> None:
        self.settings, self.report = settings, report

    def __enter__(self) -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.log = tempfile.NamedTemporaryFile(prefix="msix-benchapi-serve-", suffix=".log", delete=False)
        argv = [sys.executable, "-m", "hub", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, env=_env(self.settings), stdout=self.log, stderr=self.log)  # noqa: S603
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self.port
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"msix serve did not start: {Path(self.log.name).read_text()[-2000:]}") from None
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        Path(self.log.name).unlink(missing_ok=True)


class _Client:
    """One keep-alive HTTP connection with a bearer token, as a script or a page's server would hold."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        form = urllib.parse.urlencode({"username": USER, "password": PASSWORD})
        self.conn.request("POST", "/api/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
        answer = self.conn.getresponse()
        self.headers = {"Authorization": "Bearer " + json.loads(answer.read())["access_token"]}

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path, headers=self.headers)
        answer = self.conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"GET {path.split('?')[0]}: {answer.status}")
        return body


def _measure(call: Callable[[int], object], n: int) -> Latency:
    times = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))], 1)

    return Latency(n, pct(0.50), pct(0.95), pct(0.99), round(times[-1], 1))


def _sample_ids(settings: Settings, n: int, seed: int) -> list[str]:
    with _connect(settings) as conn:
        conn.execute("SELECT setseed(%s)", [1 / (seed + 1)])
        return [r[0] for r in conn.execute("SELECT msix_id FROM child ORDER BY random() LIMIT %s", [n])]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeioulnrs") + word[i + 1 :]


def _queries(settings: Settings, n: int, rng: random.Random) -> list[tuple[dict[str, str], str]]:
    """Searches people make, each with the child it should find."""
    with _connect(settings) as conn:
        conn.execute("SELECT setseed(0.5)")
        rows = conn.execute(
            """SELECT si.msix_id, si.state_student_id, r.fields->>'first_name', r.fields->>'last_name_1',
                      coalesce(r.fields->>'last_name_2', ''), r.fields->>'birth_date'
               FROM record r JOIN state_identity si USING (state, state_student_id)
               WHERE r.family = 'student' AND r.fields IS NOT NULL ORDER BY random() LIMIT %s""",
            [n],
        ).fetchall()
    out: list[tuple[dict[str, str], str]] = []
    for i, (msix_id, ssid, first, last1, last2, born) in enumerate(rows):
        kind = i % 5
        if kind == 0:
            params = {"q": f"{first} {last1}"}
        elif kind == 1:
            params = {"q": f"{first} {_typo(rng, last1)}"}
        elif kind == 2:
            params = {"q": f"{last1} {last2}".strip()}
        elif kind == 3:
            params = {"q": first, "birth_date": born or ""}
        else:
            params = {"q": ssid}
        out.append((params, msix_id))
    return out


def iter_lines(figures: ApiFigures) -> Iterator[tuple[str, Latency]]:
    yield "record  GET /api/students/{id}", figures.record
    yield "search  GET /api/students?q=", figures.search
    yield "credits GET /api/students/{id}/credits", figures.credits
