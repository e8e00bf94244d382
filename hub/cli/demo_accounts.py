"""The demo's web accounts: one a role, for trying ``msix serve`` after ``msix demo``. Made only by
``msix demo`` (never by any other path); each run gives them fresh random passwords, printed once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine

from hub.api.roles import Role
from hub.api.security import hash_password
from hub.store import people

# Texas has the most to show in the demo (its rejections, its dashboard, its requests).
STATES: dict[Role, str | None] = {
    Role.COUNSELOR: "TX",
    Role.REGISTRAR: "CA",
    Role.RECRUITER: "FL",
    Role.MEP_SPECIALIST: "TX",
    Role.DATA_ADMIN: None,
    Role.STATE_DATA_MANAGER: "TX",
    Role.ADMIN: None,
    Role.FEDERAL: None,
    Role.USER_ADMIN: "TX",
}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: str
    state: str | None
    password: str


def make(engine: Engine) -> list[DemoAccount]:
    """``demo-ROLE`` for every role, made or given a new password (so the printed one always works)."""
    made = []
    for role, state in STATES.items():
        account = DemoAccount(f"demo-{role.value.replace('_', '-')}", role.value, state, secrets.token_urlsafe(12))
        hashed = hash_password(account.password)
        with engine.begin() as conn:
            if not people.add_user(conn, account.username, account.role, state, hashed):
                people.set_password_hash(conn, account.username, hashed)
        made.append(account)
    return made
