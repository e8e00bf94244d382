"""A private PostgreSQL cluster for ``$MSIX_HOME``, started as a local process.

Layout: under ``settings.home.postgres_dir``, ``postgres.log`` and ``postgres.pid``; the cluster
itself (with ``msix.conf`` and ``pg_hba.conf`` written anew at every start from the settings, and
the unix socket) in the data folder.

``initdb`` and ``postgres`` refuse to run as root. When we are root they run as the ``postgres``
system user (which the Debian package creates), and the data folder is that user's, in a folder of
its own under ``/var/lib/msix`` named after ``$MSIX_HOME`` (``DATA_ROOT``): a clone may sit where only
root can enter (a home folder), and the server must reach its data whatever the clone's folders
allow, without anything outside the project's own folders being chmod-ed. Otherwise the data folder
is ``postgres_dir/data``. ``msix infra status`` shows which.
"""

from __future__ import annotations

import glob
import grp
import hashlib
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import structlog
from psycopg import errors, sql

from hub.config import Settings
from hub.errors import InfraError
from hub.store.db import WEB_ROLE
from infra.local import pg_secrets, process

log = structlog.get_logger(__name__)

NAME = "postgres"
SUPERUSER = "postgres"  # the cluster's bootstrap superuser, whoever runs it
SYSTEM_USER = "postgres"  # the OS account the server runs as when we are root
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
HOST = "127.0.0.1"
SOCKET_PATH_MAX = 100  # sun_path holds 107 bytes; ".s.PGSQL.NNNNN.lock" must fit after the folder

# Every login is a password checked with SCRAM-SHA-256, over 127.0.0.1 only (msix.conf listens
# nowhere else); the passwords are in $MSIX_HOME/credentials (``pg_secrets``). The unix socket, in
# the data folder only the server's OS user may enter, takes no login at all: nothing needs it.
PG_HBA = """\
# Written by infra/local/postgres.py at every start; edits here are overwritten.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 reject
host    all       all   127.0.0.1/32  scram-sha-256
"""


@dataclass(frozen=True)
class PostgresPaths:
    root: Path
    data: Path
    log: Path
    pid: Path

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()


DATA_ROOT = Path("/var/lib/msix")
"""Where the clusters that run as the ``postgres`` user keep their data: one folder per MSIX_HOME."""


def paths(settings: Settings) -> PostgresPaths:
    root = settings.home.postgres_dir
    return PostgresPaths(root=root, data=data_dir(settings), log=root / "postgres.log", pid=root / "postgres.pid")


def data_dir(settings: Settings) -> Path:
    """``postgres_dir/data`` when we run the server as ourselves (or a cluster is already there);
    else, as root, a folder of the ``postgres`` user's under ``DATA_ROOT`` named after MSIX_HOME."""
    inside = settings.home.postgres_dir / "data"
    if os.geteuid() != 0 or (inside / "PG_VERSION").exists():
        return inside
    home = settings.home.home.resolve()
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{home.parent.name}-{home.name}").strip("-.")[:40]
    return DATA_ROOT / f"{slug}-{digest}" / "data"


def wipe_data(settings: Settings) -> None:
    """Delete the cluster's data folder where it lives outside MSIX_HOME (inside it, wiping the home
    removes it)."""
    data = data_dir(settings)
    if data.parent.parent == DATA_ROOT:
        shutil.rmtree(data.parent, ignore_errors=True)


def socket_dir(data: Path) -> str:
    """The data folder, unless its path is too long for a unix socket: then TCP only."""
    return str(data) if len(str(data)) <= SOCKET_PATH_MAX - len("/.s.PGSQL.65535.lock") else ""


def server_config(settings: Settings) -> list[tuple[str, str, str]]:
    """``(name, value, why)`` for every line of msix.conf, included from postgresql.conf."""
    return [
        ("listen_addresses", HOST, "this machine only"),
        ("password_encryption", "scram-sha-256", "passwords stored as SCRAM verifiers, never MD5"),
        ("port", str(settings.database.port), "the port of MSIX_DATABASE_URL"),
        ("unix_socket_directories", socket_dir(paths(settings).data), "not /var/run/postgresql (root's)"),
        ("unix_socket_permissions", "0700", "the socket is for the server's own OS user"),
        ("max_connections", "100", "worker, web app and test pools fit; each slot costs memory"),
        (
            "max_locks_per_transaction",
            "256",
            "a worker's batch of 5,000 new children takes about 3,000 identity locks (one a birth date);"
            " the shared lock table held about 12,000 in all with the default 64 (measured: 13,000 failed), so"
            " five workers loading histories at once would fail every session with 'out of shared memory'",
        ),
        (
            "shared_buffers",
            "2GB",
            "the blocking index of a million children stays in PostgreSQL's own cache: the merge's"
            " candidate query took 31% less than with 256MB (docs/benchmarks.md); only pages used are taken",
        ),
        ("effective_cache_size", "1GB", "planner hint: the OS caches about this much of our data"),
        ("work_mem", "8MB", "per sort or hash; times connections, so kept modest"),
        ("maintenance_work_mem", "64MB", "index builds in migrations finish quickly"),
        ("fsync", "on", "kept on: Kafka offsets are committed only after our commit is durable"),
        ("synchronous_commit", "on", "a lost commit whose offset was already committed is lost data"),
        ("jit", "off", "short OLTP queries: compiling costs more than it saves"),
        (
            "shared_preload_libraries",
            "pg_stat_statements",
            "per-statement totals for `msix bench pipeline --profile` (the database's share of a merge);"
            " always loaded, since it can only be loaded at start; its cost is a hash per statement",
        ),
        ("pg_stat_statements.track", "top", "the worker's own statements, not those inside functions"),
        ("max_wal_size", "4GB", "bulk merges checkpoint by time, not every GB: fewer full-page images"),
        ("checkpoint_timeout", "15min", "the same: fewer checkpoints, less WAL; crash recovery still short"),
        ("timezone", "UTC", "timestamps are stored and shown in UTC"),
        ("log_timezone", "UTC", "log lines match the hub's UTC timestamps"),
        ("logging_collector", "off", "stderr goes to postgres.log, opened by the launcher"),
        ("log_line_prefix", "%m [%p] %q%u@%d ", "time, pid, role and database on every log line"),
        ("log_min_duration_statement", "1s", "slow statements show up in postgres.log"),
        ("lc_messages", "C", "server messages in English whatever the machine's locale"),
    ]


def render_conf(entries: list[tuple[str, str, str]]) -> str:
    head = "# Written by infra/local/postgres.py at every start; edits here are overwritten.\n"
    return head + "".join(f"\n# {why}\n{name} = {_quote(value)}\n" for name, value, why in entries)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def bindir() -> Path:
    """PostgreSQL's server programs: ``pg_config --bindir``, else the newest Debian install."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)  # noqa: S603
        candidates.append(Path(done.stdout.strip()))
    debian = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p).parent.name.isdigit()]
    candidates += sorted(debian, key=lambda p: int(p.parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise InfraError("PostgreSQL's server programs (initdb, postgres) are missing: run `make setup`")


def run_as() -> str | None:
    """The OS user to run the server as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError as exc:
        raise InfraError(f"running as root needs a '{SYSTEM_USER}' system user: run `make setup`") from exc
    return SYSTEM_USER


def unreachable_ancestor(path: Path, user: str) -> Path | None:
    """The first existing folder above ``path`` that ``user`` may not enter (no x bit), if any."""
    account = pwd.getpwnam(user)
    gids = {account.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    for folder in reversed(path.parents):
        try:
            st = folder.stat()
        except FileNotFoundError:
            return None  # not made yet: we create it below with ordinary permissions
        if st.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in gids:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return folder
    return None


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(path, account.pw_uid, account.pw_gid)


def _write(path: Path, text: str, user: str | None) -> None:
    path.write_text(text)
    _chown(path, user)


def _initdb(settings: Settings, p: PostgresPaths, user: str | None) -> None:
    p.data.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chown(p.data, user)
    # The superuser's password, read by initdb from a file its user may read, removed at once.
    superuser = pg_secrets.ensure(pg_secrets.passfile(settings.home), [SUPERUSER])[SUPERUSER]
    pwfile = p.data.parent / ".initdb-pw"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(superuser + "\n")
    _chown(pwfile, user)
    try:
        _run_initdb(p, user, pwfile)
    finally:
        pwfile.unlink(missing_ok=True)
    with (p.data / "postgresql.conf").open("a") as conf:
        conf.write("\n# The hub's settings, written anew at every start.\ninclude_if_exists = 'msix.conf'\n")


def _run_initdb(p: PostgresPaths, user: str | None, pwfile: Path) -> None:
    argv = [
        str(bindir() / "initdb"),
        "--pgdata",
        str(p.data),
        "--username",
        SUPERUSER,
        "--encoding",
        "UTF8",
        # C.UTF-8: byte-order collation (stable, no ICU surprises) yet upper()/lower() of "ñ" work.
        "--locale",
        "C.UTF-8",
        "--auth-local",
        "reject",
        "--auth-host",
        "scram-sha-256",
        "--pwfile",
        str(pwfile),
        "--no-instructions",
    ]
    try:
        done = subprocess.run(  # noqa: S603
            argv, cwd=p.data, user=user, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise InfraError("initdb took over 300 s") from exc
    if done.returncode != 0:
        raise InfraError(f"initdb failed:\n{done.stdout}{done.stderr}".rstrip())


def _prepare(settings: Settings, p: PostgresPaths, user: str | None) -> None:
    p.root.mkdir(parents=True, exist_ok=True)
    if p.data.parent.parent == DATA_ROOT:
        # Root's folder, readable by all (as /var/lib is) so the server's user may pass through it;
        # the cluster's own folder below it is that user's alone (0700).
        DATA_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
        p.data.parent.mkdir(mode=0o700, exist_ok=True)
        _chown(p.data.parent, user)
    if user is not None:
        blocked = unreachable_ancestor(p.data, user)
        if blocked is not None:
            mode = stat.filemode(blocked.stat().st_mode)
            raise InfraError(
                f"PostgreSQL runs as the '{user}' user, which cannot enter {blocked} ({mode}): "
                f"move the cluster's data folder {p.data} where it can, or `chmod o+x {blocked}`"
            )
    if _orphaned(settings, p):
        _set_aside(p)
    if not p.initialised:
        _initdb(settings, p, user)
    _write(p.data / "msix.conf", render_conf(server_config(settings)), user)
    if SUPERUSER in pg_secrets.read(pg_secrets.passfile(settings.home)):
        _write(p.data / "pg_hba.conf", PG_HBA, user)
    # Else a cluster made before passwords (every login trusted): it starts as it was once more,
    # and ``_bootstrap`` gives every role its password, then closes it (``_secure``).


def _orphaned(settings: Settings, p: PostgresPaths) -> bool:
    """A cluster whose passwords are gone from this MSIX_HOME: as root it lives under ``DATA_ROOT``
    and outlives its home, so a clone deleted and made again at the same path finds it; anywhere, a
    home whose credentials were removed. Its pg_hba.conf takes nothing but those passwords (no
    ``trust`` line: not a cluster from before passwords, which ``_bootstrap`` still adopts), so
    nobody could log in to it; without this it started and refused every login until the start
    timed out."""
    if not p.initialised or SUPERUSER in pg_secrets.read(pg_secrets.passfile(settings.home)):
        return False
    hba = p.data / "pg_hba.conf"
    lines = hba.read_text().splitlines() if hba.exists() else []
    return not any(line.split()[-1:] == ["trust"] for line in lines if not line.lstrip().startswith("#"))


def _set_aside(p: PostgresPaths) -> None:
    """Keeps the orphaned cluster beside the new one's folder, as ``data.orphaned-<time>`` (its data
    is not ours to delete; ``msix infra down --wipe`` deletes it with the rest); ``_initdb`` then
    makes a new cluster."""
    kept = p.data.with_name(f"{p.data.name}.orphaned-{time.strftime('%Y%m%dT%H%M%S')}")
    p.data.rename(kept)
    log.warning(
        "PostgreSQL: the cluster here has no password in this MSIX_HOME (a home deleted and made"
        f" again at the same path?); kept it as {kept} (delete it when not needed) and making a new one"
    )


def _superuser(settings: Settings, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    port = settings.database.port
    passfile = str(pg_secrets.passfile(settings.home))
    return psycopg.connect(
        host=HOST, port=port, user=SUPERUSER, dbname=dbname, passfile=passfile, connect_timeout=3, autocommit=True
    )


def statements_connection(settings: Settings, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
    """The superuser's connection to ``dbname`` with pg_stat_statements created there (the view
    lives in a database, its figures cover the cluster; reading every role's statements and
    resetting them is the superuser's)."""
    conn = _superuser(settings, dbname)
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return conn


def _answers(settings: Settings) -> bool:
    try:
        with _superuser(settings):
            return True
    except psycopg.Error:
        return False


def _bootstrap(settings: Settings, p: PostgresPaths) -> None:
    """Every role with its password (the URL's: LOGIN CREATEDB, owner of the schema; the web app's:
    LOGIN only), the URL's database, and, for a cluster made before passwords, SCRAM from now on."""
    role, database = settings.database.user, settings.database.database
    roles = [SUPERUSER] + [r for r in (role, WEB_ROLE) if r != SUPERUSER]
    passwords = pg_secrets.ensure(pg_secrets.passfile(settings.home), roles)
    pg_secrets.use_home_passfile(settings.home)
    try:
        with _superuser(settings) as conn:
            for name, password in passwords.items():
                _role(conn, name, password, owner=name == role)
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role))
                )
            if (p.data / "pg_hba.conf").read_text() != PG_HBA:
                _write(p.data / "pg_hba.conf", PG_HBA, run_as())
                conn.execute("SELECT pg_reload_conf()")
    except psycopg.Error as exc:
        raise InfraError(f"cannot set up role {role} or database {database}: {exc}") from exc


def _role(conn: psycopg.Connection[tuple[object, ...]], name: str, password: str, owner: bool) -> None:
    """Create ``name`` if missing and set its password (every start: the file is the truth). No role
    but the bootstrap superuser is a superuser or may create roles."""
    rights = sql.SQL("LOGIN CREATEDB" if owner else "LOGIN")
    if name != SUPERUSER and not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(name), rights))
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))


def start(settings: Settings) -> None:
    """Initialise the cluster once, start it unless running, wait until it accepts connections."""
    p = paths(settings)
    proc = None
    if process.running_pid(p.pid, str(p.data)) is None:
        process.require_free_port(HOST, settings.database.port, "PostgreSQL")
        user = run_as()
        _prepare(settings, p, user)
        argv = [str(bindir() / "postgres"), "-D", str(p.data)]
        proc = process.spawn(argv, log_file=p.log, pid_file=p.pid, cwd=p.data, user=user)
    process.wait_until(lambda: _answers(settings), proc=proc, what="PostgreSQL", log_file=p.log, timeout=START_TIMEOUT)
    _bootstrap(settings, p)


def stop(settings: Settings) -> bool:
    """SIGINT is PostgreSQL's "fast" shutdown: roll back open sessions, checkpoint, exit.

    (SIGTERM would be "smart": wait for every client, e.g. an idle pool, to disconnect first.)
    """
    p = paths(settings)
    return process.stop(p.pid, str(p.data), sig=signal.SIGINT, timeout=STOP_TIMEOUT)


def status(settings: Settings) -> process.ServiceStatus:
    p = paths(settings)
    port = settings.database.port
    pid = process.running_pid(p.pid, str(p.data))
    if pid is None:
        detail = "stopped"
    else:
        detail = "accepting connections" if process.port_open(HOST, port) else "starting or not answering"
    return process.ServiceStatus(NAME, pid is not None, pid, f"{HOST}:{port}", f"{detail}; log in {p.log}", p.data)


def _maintenance(settings: Settings) -> psycopg.Connection[tuple[object, ...]]:
    """A connection as the URL's role to the ``postgres`` database, from which others are made."""
    url = settings.database.with_database("postgres").libpq_url
    # This stack's own password file when it has one: a process may manage several stacks (tests,
    # benchmarks), and PGPASSFILE names one; else libpq's own rules (PGPASSFILE, the URL).
    own = pg_secrets.passfile(settings.home)
    if own.exists():
        url += ("&" if "?" in url else "?") + urlencode({"passfile": str(own)})
    try:
        return psycopg.connect(url, connect_timeout=5, autocommit=True)
    except psycopg.Error as exc:
        raise InfraError(f"cannot reach PostgreSQL at {HOST}:{settings.database.port}: {exc}") from exc


def ensure_database(settings: Settings, name: str, template: str | None = None) -> bool:
    """Create database ``name`` (owned by the URL's role) if missing, optionally copied from ``template``.

    True if it was created. A template must have no other session open while it is copied; a busy
    template is retried for a few seconds.
    """
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _maintenance(settings) as conn:
        for attempt in range(20):
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return False
            try:
                conn.execute(create)
                return True
            except errors.DuplicateDatabase:
                return False  # another process made it between our look and our create
            except errors.ObjectInUse as exc:
                if attempt == 19:
                    raise InfraError(f"template database {template} stays busy: {exc}") from exc
                time.sleep(0.25)
            except psycopg.Error as exc:
                raise InfraError(f"cannot create database {name}: {exc}") from exc
    return False


def drop_database(settings: Settings, name: str) -> None:
    """Drop database ``name`` if it exists, ending its sessions first.

    An autovacuum worker runs as the cluster's superuser, whose sessions our role may not end: after
    a large write the drop can meet one, so that refusal is retried for up to a minute (a benchmark's
    database of millions of rows kept one busy for more than ten seconds).
    """
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with _maintenance(settings) as conn:
        for attempt in range(240):
            try:
                conn.execute(drop)
                return
            except errors.InsufficientPrivilege as exc:
                if attempt == 239:
                    raise InfraError(f"cannot drop database {name}: {exc}") from exc
                time.sleep(0.25)
            except psycopg.Error as exc:
                raise InfraError(f"cannot drop database {name}: {exc}") from exc


def database_exists(settings: Settings, name: str) -> bool:
    with _maintenance(settings) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def rename_database(settings: Settings, old: str, new: str) -> None:
    """Rename ``old`` to ``new``; if ``new`` appeared meanwhile (another process won), drop ``old``."""
    rename = sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    with _maintenance(settings) as conn:
        try:
            conn.execute(rename)
        except errors.DuplicateDatabase:
            drop_database(settings, old)
        except psycopg.Error as exc:
            raise InfraError(f"cannot rename database {old} to {new}: {exc}") from exc
