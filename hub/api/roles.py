"""Who may do what (CONTRACT.md, "People and the HTTP API"). Pure: no request, no database.

Each kind of permission is one ``Rule``; ``hub.api.permissions`` maps every page and API route to
one of them, and the checks, the navigation and the error pages all read that table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    COUNSELOR = "counselor"
    REGISTRAR = "registrar"
    RECRUITER = "recruiter"
    MEP_SPECIALIST = "mep_specialist"
    DATA_ADMIN = "data_admin"
    STATE_DATA_MANAGER = "state_data_manager"
    ADMIN = "admin"
    FEDERAL = "federal"  # the Office of Migrant Education: aggregates only, never a child
    USER_ADMIN = "user_admin"  # one state's accounts


# The people the exchange is for: they ask for and read records on behalf of their own state.
SCHOOL_STAFF = frozenset({Role.COUNSELOR, Role.REGISTRAR, Role.RECRUITER, Role.MEP_SPECIALIST})
# Roles tied to one state: they must name it when their account is made.
STATE_BOUND = SCHOOL_STAFF | {Role.STATE_DATA_MANAGER, Role.USER_ADMIN}


@dataclass(frozen=True, slots=True)
class Rule:
    """Roles allowed whatever the state, and roles allowed only for their own state (a route with
    no state allows the latter when the person has one)."""

    anywhere: frozenset[Role] = frozenset()
    own_state: frozenset[Role] = frozenset()
    public: bool = False  # no sign-in needed (the sign-in form, liveness)

    def allows(self, role: str, own: str | None = None, state: str | None = None) -> bool:
        if self.public or role in self.anywhere:
            return True
        return role in self.own_state and own is not None and (state is None or state == own)


def rule(anywhere: Iterable[Role] = (), own_state: Iterable[Role] = ()) -> Rule:
    return Rule(frozenset(anywhere), frozenset(own_state))


PUBLIC = Rule(public=True)
# School and MEP staff may search and view any child's record: that is the point of the exchange.
# Data admins resolve identities, which needs the records; the admin may look too (and is audited).
READ_RECORDS = rule(anywhere=SCHOOL_STAFF | {Role.DATA_ADMIN, Role.ADMIN})
# The worklist, merges, splits and their validation are the data admins' alone (not even the admin's).
RESOLVE_IDENTITIES = rule(anywhere={Role.DATA_ADMIN})
ADMIN_ONLY = rule(anywhere={Role.ADMIN})  # the audit log, the admin's home page
# A state's move notices are for that state's people; the admin sees every state's.
STATE_NOTICES = rule(anywhere={Role.ADMIN}, own_state=SCHOOL_STAFF | {Role.STATE_DATA_MANAGER})
# A state's dashboard is for its data manager; acknowledging a notice speaks for its destination state.
STATE_OPERATIONS = rule(anywhere={Role.ADMIN}, own_state={Role.STATE_DATA_MANAGER})
# A data request is asked on behalf of the asker's own state.
ASK_STATE = rule(own_state=SCHOOL_STAFF)
# A state's requests (made by it and of it): its people and the admin. Not the federal office: a
# request names a child (its MSIX id), and OME sees aggregates only.
LIST_REQUESTS = rule(anywhere={Role.ADMIN}, own_state=SCHOOL_STAFF | {Role.STATE_DATA_MANAGER})
# Child counts: aggregates with small cells suppressed.
AGGREGATES = rule(anywhere={Role.FEDERAL, Role.ADMIN}, own_state={Role.STATE_DATA_MANAGER})
# A state's accounts: its user admin; every state's: the admin.
ACCOUNTS = rule(anywhere={Role.ADMIN}, own_state={Role.USER_ADMIN})


def may_read_records(role: str) -> bool:
    return READ_RECORDS.allows(role)


def may_resolve_identities(role: str) -> bool:
    return RESOLVE_IDENTITIES.allows(role)


def may_read_audit(role: str) -> bool:
    return ADMIN_ONLY.allows(role)


def may_read_notices(role: str, own_state: str | None, state: str) -> bool:
    return STATE_NOTICES.allows(role, own_state, state)


def may_read_dashboard(role: str, own_state: str | None, state: str) -> bool:
    return STATE_OPERATIONS.allows(role, own_state, state)


def may_ack_notice(role: str, own_state: str | None, to_state: str) -> bool:
    return STATE_OPERATIONS.allows(role, own_state, to_state)
