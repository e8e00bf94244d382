"""Accounts, sessions and the audit log in PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hub.store.identity_tables import child_alias
from hub.store.web_tables import audit_log, web_session, web_user

ACTIVE = "active"  # the only account status that signs in (migration 0011; disabled, deactivated)


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str
    state: str | None


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    kind: str
    csrf: str | None


def add_user(conn: Connection, username: str, role: str, state: str | None, password_hash: str) -> bool:
    """Create the account; False when the name is taken (nothing changed)."""
    stmt = pg_insert(web_user).values(username=username, role=role, state=state, password_hash=password_hash)
    return conn.execute(stmt.on_conflict_do_nothing().returning(web_user.c.username)).first() is not None


def credentials(conn: Connection, username: str) -> tuple[User, str] | None:
    """The account and its password hash; None when there is none that may sign in (a disabled or
    deactivated account is refused like a wrong password: nothing tells a guesser it exists)."""
    query = select(web_user).where(web_user.c.username == username, web_user.c.status == ACTIVE)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return User(row["username"], row["role"], row["state"]), row["password_hash"]


def set_password_hash(conn: Connection, username: str, password_hash: str) -> None:
    conn.execute(web_user.update().where(web_user.c.username == username).values(password_hash=password_hash))


def open_session(
    conn: Connection, token_hash: str, username: str, kind: str, csrf: str | None, expires_at: datetime
) -> None:
    conn.execute(
        insert(web_session).values(
            token_hash=token_hash, username=username, kind=kind, csrf=csrf, expires_at=expires_at
        )
    )
    # A sign-in is a use: accounts unused too long are disabled (hub.store.accounts.sweep).
    conn.execute(web_user.update().where(web_user.c.username == username).values(last_seen_at=func.now()))


def find_session(conn: Connection, token_hash: str, kind: str, now: datetime) -> Session | None:
    s, u = web_session, web_user
    row = conn.execute(
        select(u.c.username, u.c.role, u.c.state, s.c.kind, s.c.csrf)
        .select_from(s.join(u, s.c.username == u.c.username))
        .where(s.c.token_hash == token_hash, s.c.kind == kind, s.c.expires_at > now, u.c.status == ACTIVE)
    ).first()
    if row is None:
        return None
    return Session(User(row.username, row.role, row.state), row.kind, row.csrf)


def close_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(web_session).where(web_session.c.token_hash == token_hash))


def purge_sessions(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(web_session).where(web_session.c.expires_at <= now)).rowcount


def audit(
    conn: Connection, user: User, action: str, msix_id: str | None, detail: str | None, client: str | None
) -> None:
    conn.execute(
        insert(audit_log).values(
            username=user.username,
            role=user.role,
            user_state=user.state,
            action=action,
            msix_id=msix_id,
            detail=detail,
            client=client,
        )
    )


AUDIT_COLUMNS = ("username", "role", "user_state", "action", "msix_id", "detail", "client")


def audit_each(
    conn: Connection, user: User, action: str, msix_ids: Iterable[str], detail: str | None, client: str | None
) -> int:
    """One audit row per child shown in a list (a search's results, an export's batch), in the
    caller's transaction. Returns how many rows were written."""
    return audit_rows(conn, user, action, ((m, detail) for m in msix_ids), client)


def audit_rows(
    conn: Connection, user: User, action: str, rows: Iterable[tuple[str | None, str | None]], client: str | None
) -> int:
    """Audit rows of (msix_id, detail), with one COPY: an export of a million children writes a
    million rows without a million round trips. A row listed twice is written once."""
    unique = list(dict.fromkeys(rows))
    if not unique:
        return 0
    # psycopg's own connection, inside SQLAlchemy's transaction: the rows commit with the caller's.
    driver = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
    columns = ", ".join(AUDIT_COLUMNS)
    with driver.cursor() as cur, cur.copy(f"COPY audit_log ({columns}) FROM STDIN") as copy:
        for msix_id, detail in unique:
            copy.write_row((user.username, user.role, user.state, action, msix_id, detail, client))
    return len(unique)


def same_child(conn: Connection, msix_id: str) -> list[str]:
    """Every id that names the child ``msix_id`` names now: the master first, then its aliases."""
    master = (
        conn.execute(select(child_alias.c.msix_id).where(child_alias.c.alias_msix_id == msix_id)).scalar_one_or_none()
        or msix_id
    )
    aliases = conn.execute(
        select(child_alias.c.alias_msix_id).where(child_alias.c.msix_id == master).order_by(child_alias.c.alias_msix_id)
    ).scalars()
    return [master, *aliases]


def audit_entries(conn: Connection, msix_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The log, newest first; for one child, its whole trail: the rows written under any id that names
    it now (a merge re-keys the trail by this query; the rows themselves are never rewritten)."""
    query = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if msix_id is not None:
        query = query.where(audit_log.c.msix_id.in_(same_child(conn, msix_id)))
    return [dict(r) for r in conn.execute(query).mappings()]
