"""Passwords, tokens, the login throttle's keys and roles: no server, no database."""

from __future__ import annotations

import random
import string

import pytest

from hub.api import roles, security
from hub.store.throttle import CLIENT_BUCKETS, NAME_BUCKETS, LoginThrottle


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


def test_throttle_keys_are_bounded_whatever_names_and_addresses_come() -> None:
    """100,000 random user names from 100,000 addresses make at most NAME_BUCKETS + CLIENT_BUCKETS
    keys (the table's bound; tests/integration/web/test_hardening.py counts the rows)."""
    t = LoginThrottle(5, 300)
    rng = random.Random(7)
    keys = set()
    for _ in range(100_000):
        name = "".join(rng.choices(string.ascii_letters, k=rng.randint(1, 30)))
        address = ".".join(str(rng.randint(0, 255)) for _ in range(4))
        k = t.keys(address, name, is_account=False)
        keys |= {k.client, k.user}
    assert len(keys) <= NAME_BUCKETS + CLIENT_BUCKETS
    assert len({k for k in keys if k.startswith("name#")}) <= NAME_BUCKETS
    # An account's name is itself (its own allowance, never shared with a sprayed name).
    assert t.keys("1.2.3.4", "ana", is_account=True).user == "user:ana"
    assert t.keys("1.2.3.4", "ana", is_account=True).client == t.keys("1.2.3.4", "x", is_account=False).client


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
