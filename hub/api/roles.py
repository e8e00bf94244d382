"""Who may do what (CONTRACT.md, "People and the HTTP API"). Pure: no request, no database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COUNSELOR = "counselor"
    REGISTRAR = "registrar"
    RECRUITER = "recruiter"
    MEP_SPECIALIST = "mep_specialist"
    DATA_ADMIN = "data_admin"
    STATE_DATA_MANAGER = "state_data_manager"
    ADMIN = "admin"


# School and MEP staff may search and view any child's record: that is the point of the exchange.
# Data admins resolve identities, which needs the records; the admin may look too (and is audited).
RECORD_READERS = frozenset(
    {Role.COUNSELOR, Role.REGISTRAR, Role.RECRUITER, Role.MEP_SPECIALIST, Role.DATA_ADMIN, Role.ADMIN}
)
# Roles tied to one state: they must name it when their account is made.
STATE_BOUND = frozenset({Role.COUNSELOR, Role.REGISTRAR, Role.RECRUITER, Role.MEP_SPECIALIST, Role.STATE_DATA_MANAGER})


def may_read_records(role: str) -> bool:
    return role in RECORD_READERS


def may_resolve_identities(role: str) -> bool:
    """The worklist, merges, splits and their validation are the data admins' alone."""
    return role == Role.DATA_ADMIN


def may_read_audit(role: str) -> bool:
    return role == Role.ADMIN


def may_read_notices(role: str, own_state: str | None, state: str) -> bool:
    """A state's move notices are for that state's people; the admin sees every state's."""
    if role == Role.ADMIN:
        return True
    return role in STATE_BOUND and own_state == state


def may_read_dashboard(role: str, own_state: str | None, state: str) -> bool:
    """A state's dashboard is for its data manager; the admin sees every state's."""
    return role == Role.ADMIN or (role == Role.STATE_DATA_MANAGER and own_state == state)


def may_ack_notice(role: str, own_state: str | None, to_state: str) -> bool:
    """Acknowledging speaks for the destination state: its data manager, or the admin."""
    return may_read_dashboard(role, own_state, to_state)
