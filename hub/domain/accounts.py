"""Account governance as rules (docs/obligations.md, "Accounts"). Pure: the clock is passed in.

- An account is ``active``, ``disabled`` (temporary, reversible) or ``deactivated`` (permanent).
- Requested accounts need two other people: the verifying authority the requester names, then a
  user admin of the state (or the hub's admin) who is not that authority.
- Unused for ``inactive_days``, or past its annual re-certification, an active account is disabled.
- A deactivated account's record is kept ``retention_days`` after deactivation, never less.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic_settings import BaseSettings, SettingsConfigDict

STATUSES = ("active", "disabled", "deactivated")
SYSTEM = "msix"  # the actor of automatic steps


class AccountSettings(BaseSettings):
    """``MSIX_ACCOUNT_*``: how long an account may go unused, how often it is re-certified, how long
    a deactivated account's record is kept."""

    model_config = SettingsConfigDict(env_prefix="MSIX_ACCOUNT_", extra="ignore")

    inactive_days: int = 90
    recertify_days: int = 365
    retention_days: int = 365 * 6  # six years, like other records of federal programmes


@dataclass(frozen=True)
class Standing:
    username: str
    status: str
    last_seen_at: datetime | None
    created_at: datetime
    certified_at: datetime
    deactivated_at: datetime | None


def certification_due(account: Standing, rules: AccountSettings) -> datetime:
    return account.certified_at + timedelta(days=rules.recertify_days)


def disable_reason(account: Standing, rules: AccountSettings, now: datetime) -> str | None:
    """Why an active account should be disabled now; None if it may stay active."""
    if account.status != "active":
        return None
    used = account.last_seen_at or account.created_at
    if now - used >= timedelta(days=rules.inactive_days):
        return f"unused for {rules.inactive_days} days"
    if now >= certification_due(account, rules):
        return "re-certification overdue"
    return None


def may_purge(account: Standing, rules: AccountSettings, now: datetime) -> bool:
    """Only a deactivated account, and only once the retention time has passed."""
    gone = account.deactivated_at
    return account.status == "deactivated" and gone is not None and now - gone >= timedelta(days=rules.retention_days)


def check_two_people(requester: str, verifier: str | None, approver: str) -> str | None:
    """Why ``approver`` may not approve this request; None if they may."""
    if verifier is None:
        return "the verifying authority has not confirmed this request yet"
    if approver in (verifier, requester):
        return "the approver must be someone other than the requester and the verifying authority"
    return None
