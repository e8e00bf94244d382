"""What the outbox relay does with each row after Kafka answered: pure, no broker, no database.

A failure is *permanent* when it belongs to the row itself (its topic does not exist or the hub may
not write it, the message is too large or malformed): sending it again can never succeed, so the
row is parked with its reason and the rows after it go on. Any other failure belongs to the
cluster or the connection (a broker down, a timeout, a leader moving, the hub's own login or
cluster rights): the row stays in the outbox and is sent again after a back-off. An error this
table does not know is treated as transient: nothing is parked by mistake, and the relay's log
names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from confluent_kafka import KafkaError


class Verdict(Enum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"


PERMANENT_CODES: frozenset[int] = frozenset(
    {
        # The topic is not there (auto-creation is off: topics come from `msix topics apply`).
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError._UNKNOWN_TOPIC,
        KafkaError._UNKNOWN_PARTITION,
        KafkaError.TOPIC_EXCEPTION,  # an invalid topic name
        # No ACL lets the hub write that topic: a name no `topics apply` made (e.g. from bad data).
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        # The message itself: too large, or refused as malformed by the broker or the client.
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.RECORD_LIST_TOO_LARGE,
        KafkaError.INVALID_RECORD,
        KafkaError.INVALID_MSG,  # the broker's CORRUPT_MESSAGE
        KafkaError._BAD_MSG,
        KafkaError.POLICY_VIOLATION,
        KafkaError._INVALID_ARG,
    }
)


def classify(code: int) -> Verdict:
    return Verdict.PERMANENT if code in PERMANENT_CODES else Verdict.TRANSIENT


@dataclass(frozen=True)
class Failure:
    """How Kafka refused a row, in the words kept with a parked row."""

    code: int
    name: str
    reason: str

    @classmethod
    def of(cls, err: KafkaError) -> Failure:
        return cls(err.code(), err.name(), err.str())


@dataclass
class Outcome:
    """One batch's rows, sorted by what happens to them next."""

    delivered: list[int] = field(default_factory=list)  # acknowledged: delete
    parked: list[tuple[int, Failure]] = field(default_factory=list)  # permanent failure: park
    retry: list[tuple[int, Failure]] = field(default_factory=list)  # transient failure: keep, back off
    unreported: list[int] = field(default_factory=list)  # no answer yet (shutdown): keep

    @property
    def rows(self) -> int:
        return len(self.delivered) + len(self.parked) + len(self.retry) + len(self.unreported)


def settle(ids: Sequence[int], reports: Mapping[int, Failure | None]) -> Outcome:
    """Sort a batch's row ids by their delivery reports (``None``: delivered; absent: no report)."""
    out = Outcome()
    for row_id in ids:
        if row_id not in reports:
            out.unreported.append(row_id)
            continue
        failure = reports[row_id]
        if failure is None:
            out.delivered.append(row_id)
        elif classify(failure.code) is Verdict.PERMANENT:
            out.parked.append((row_id, failure))
        else:
            out.retry.append((row_id, failure))
    return out


def first_reasons(failures: Iterable[tuple[int, Failure]], limit: int = 3) -> list[str]:
    """A few distinct reasons, for one log line (never the message: it may hold a child's data)."""
    seen: list[str] = []
    for _, failure in failures:
        if failure.name not in seen:
            seen.append(failure.name)
        if len(seen) == limit:
            break
    return seen
