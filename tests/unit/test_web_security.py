"""Passwords, tokens, login throttling and roles: no server, no database."""

from __future__ import annotations

import pytest

from hub.api import roles, security
from hub.api.security import LoginThrottle


def test_passwords_are_argon2id_and_verify() -> None:
    stored = security.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "correct horse battery")
    assert not security.verify_password(stored, "Correct horse battery")
    assert not security.verify_password(None, "correct horse battery")
    assert not security.verify_password("not a hash", "x")


def test_tokens_are_random_and_kept_as_digests() -> None:
    a, b = security.new_secret(), security.new_secret()
    assert a != b and len(a) >= 43
    assert security.token_hash(a) != a and len(security.token_hash(a)) == 64


def test_throttle_blocks_after_the_limit_until_the_window_passes() -> None:
    t = LoginThrottle(attempts=3, window_s=60)
    keys = ["user:ana", "client:1.2.3.4"]
    for second in range(3):
        assert t.retry_after(keys, second) == 0
        t.failed(keys, second)
    assert t.retry_after(keys, 10) == pytest.approx(50)
    assert t.retry_after(["user:bob", "client:1.2.3.4"], 10) > 0  # the same client, another name
    assert t.retry_after(["user:bob", "client:5.6.7.8"], 10) == 0
    assert t.retry_after(keys, 61) == 0


@pytest.mark.parametrize(
    ("role", "records", "audit"),
    [
        ("counselor", True, False),
        ("registrar", True, False),
        ("recruiter", True, False),
        ("mep_specialist", True, False),
        ("data_admin", True, False),
        ("state_data_manager", False, False),
        ("admin", True, True),
    ],
)
def test_roles(role: str, records: bool, audit: bool) -> None:
    assert roles.may_read_records(role) is records
    assert roles.may_read_audit(role) is audit


def test_notices_are_for_the_users_own_state() -> None:
    assert roles.may_read_notices("counselor", "FL", "FL")
    assert not roles.may_read_notices("counselor", "FL", "TX")
    assert roles.may_read_notices("state_data_manager", "FL", "FL")
    assert not roles.may_read_notices("data_admin", None, "FL")
    assert roles.may_read_notices("admin", None, "TX")


@pytest.mark.parametrize("role", [r.value for r in roles.Role])
def test_only_data_admins_resolve_identities(role: str) -> None:
    assert roles.may_resolve_identities(role) is (role == "data_admin")
