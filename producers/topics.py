"""Every topic the hub uses, named and shaped in one place.

Names are the outside contract (``state.ST.records``, ``state.ST.rejected``, ``movenotice.ST``,
``hub.identity``). A prefix, empty in production, lets each test have topics of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The 50 states, DC, and the territories that run migrant education programs or may send children.
USPS_CODES: tuple[str, ...] = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
)

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Durability:
    """How many copies of every hub topic, and how many must have a record before it counts as
    written, from the number of brokers (one on a single node, three on a cluster)."""

    # Three copies: one broker can be lost (crash, upgrade, disk) and two are still there, so a
    # producer with acks=all can go on writing. More brokers do not add copies, only room.
    replication_factor: int
    # acks=all waits for every replica in sync, and at least this many: with two, an acknowledged
    # record is on two brokers' disks, so losing any one broker loses nothing acknowledged. It is
    # one less than the copies, so writes go on with one broker down (with all three required, one
    # broker's restart would stop every state's publishing).
    min_insync_replicas: int

    @classmethod
    def for_brokers(cls, brokers: int) -> Durability:
        copies = max(1, min(brokers, 3))
        return cls(copies, max(1, copies - 1))

    def config(self) -> dict[str, str]:
        return {
            "min.insync.replicas": str(self.min_insync_replicas),
            # Never elect a replica that fell out of sync: it may lack records already acknowledged
            # to a state's connector, which will not send them again. A partition whose in-sync
            # replicas are all gone waits, unavailable, rather than lose them.
            "unclean.leader.election.enable": "false",
        }


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    # What the hub's own principal may do on the topic (AclOperation names), granted by
    # `msix topics apply` when security is on.
    hub_access: tuple[str, ...] = ()


def is_state_code(code: str) -> bool:
    return code in USPS_CODES


@dataclass(frozen=True)
class Topics:
    """Topic names, with the deployment's prefix applied."""

    prefix: str = ""

    def records(self, state: str) -> str:
        return f"{self.prefix}state.{state}.records"

    def rejected(self, state: str) -> str:
        return f"{self.prefix}state.{state}.rejected"

    def move_notices(self, state: str) -> str:
        return f"{self.prefix}movenotice.{state}"

    def notice_acks(self, state: str) -> str:
        """Where destination state ST acknowledges the notices it received."""
        return f"{self.prefix}movenotice.{state}.acks"

    @property
    def acks_pattern(self) -> str:
        return "^" + re.escape(self.prefix) + r"movenotice\.[A-Z]{2}\.acks$"

    @property
    def hub_group_prefix(self) -> str:
        """Every consumer group of the hub starts with this (the merge worker's is ``msix-merge``)."""
        return f"{self.prefix}msix-"

    def state_group_prefix(self, state: str) -> str:
        """State ST's consumer groups (its notice followers, its rejection readers) start with this."""
        return f"{self.prefix}state.{state}."

    @property
    def identity(self) -> str:
        return f"{self.prefix}hub.identity"

    @property
    def records_pattern(self) -> str:
        """A librdkafka subscription regex for every state's records topic."""
        return "^" + re.escape(self.prefix) + r"state\.[A-Z]{2}\.records$"

    def state_of(self, topic: str) -> str:
        """``state.TX.records`` -> ``TX``."""
        return topic[len(self.prefix) :].split(".")[1]

    # --- obligations between states (docs/obligations.md) ---------------------------------------

    def data_requests(self, state: str) -> str:
        """Where the hub hands state ST the requests other states make of it."""
        return f"{self.prefix}datarequest.{state}"

    def responses(self, state: str) -> str:
        """Where state ST answers the requests it was sent."""
        return f"{self.prefix}state.{state}.responses"

    @property
    def responses_pattern(self) -> str:
        return "^" + re.escape(self.prefix) + r"state\.[A-Z]{2}\.responses$"

    def obligation_specs(self, states: tuple[str, ...] = USPS_CODES) -> list[TopicSpec]:
        """The data-request topics of every state in ``states``."""
        specs: list[TopicSpec] = []
        for st in states:
            # Requests are events (each once), keyed by request id; one partition keeps a state's
            # requests in the order they were made. A year covers the school year they belong to.
            specs.append(TopicSpec(self.data_requests(st), 1, {"retention.ms": str(365 * DAY_MS)}, ("WRITE",)))
            # Answers are small events the hub reads into its requests table, kept as long.
            specs.append(TopicSpec(self.responses(st), 1, {"retention.ms": str(365 * DAY_MS)}, ("READ",)))
        return specs

    def specs(self, states: tuple[str, ...] = USPS_CODES) -> list[TopicSpec]:
        """Every topic the hub needs, with why each is shaped the way it is."""
        specs: list[TopicSpec] = []
        for st in states:
            # Records are keyed by the state student id, so one child's events stay in order on one
            # partition; three partitions let up to three workers share a large state. Kept 30 days:
            # the database is the record of truth, the topic is the replay window.
            specs.append(TopicSpec(self.records(st), 3, {"retention.ms": str(30 * DAY_MS)}, ("READ",)))
            # Rejections are what a state reads to correct its data; a year covers a school year.
            specs.append(TopicSpec(self.rejected(st), 1, {"retention.ms": str(365 * DAY_MS)}, ("WRITE",)))
            # Move notices are events (each move once), not keyed state, so they are deleted by age,
            # never compacted; one partition keeps a state's notices in the order the hub made them.
            specs.append(TopicSpec(self.move_notices(st), 1, {"retention.ms": str(365 * DAY_MS)}, ("WRITE",)))
            # Acknowledgements are small events the hub reads into its receipts table; a year, as
            # the notices they answer.
            specs.append(TopicSpec(self.notice_acks(st), 1, {"retention.ms": str(365 * DAY_MS)}, ("READ",)))
        # Identity events are the audit trail of which records belong to which child: kept forever,
        # and not compacted, since a merge and a later split of one MSIX id must both stay readable.
        specs.append(TopicSpec(self.identity, 3, {"retention.ms": "-1"}, ("WRITE",)))
        specs.extend(self.obligation_specs(states))
        return specs
