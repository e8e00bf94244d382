"""Which produce failures park an outbox row (the row's own fault) and which keep it for a retry
(the cluster's), and how a batch's delivery reports sort its rows."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from consumers.delivery_policy import Failure, Verdict, classify, first_reasons, settle


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (KafkaError.UNKNOWN_TOPIC_OR_PART, Verdict.PERMANENT),
        (KafkaError._UNKNOWN_TOPIC, Verdict.PERMANENT),
        (KafkaError.TOPIC_AUTHORIZATION_FAILED, Verdict.PERMANENT),
        (KafkaError.MSG_SIZE_TOO_LARGE, Verdict.PERMANENT),
        (KafkaError.INVALID_RECORD, Verdict.PERMANENT),
        (KafkaError.TOPIC_EXCEPTION, Verdict.PERMANENT),
        (KafkaError.RECORD_LIST_TOO_LARGE, Verdict.PERMANENT),
        # The cluster's or the connection's: every row would fail alike, none is to blame.
        (KafkaError._MSG_TIMED_OUT, Verdict.TRANSIENT),
        (KafkaError._TRANSPORT, Verdict.TRANSIENT),
        (KafkaError._ALL_BROKERS_DOWN, Verdict.TRANSIENT),
        (KafkaError._TIMED_OUT, Verdict.TRANSIENT),
        (KafkaError.REQUEST_TIMED_OUT, Verdict.TRANSIENT),
        (KafkaError.NOT_ENOUGH_REPLICAS, Verdict.TRANSIENT),
        (KafkaError.LEADER_NOT_AVAILABLE, Verdict.TRANSIENT),
        (KafkaError.CLUSTER_AUTHORIZATION_FAILED, Verdict.TRANSIENT),  # the hub's own rights
        (KafkaError._AUTHENTICATION, Verdict.TRANSIENT),
        (12345, Verdict.TRANSIENT),  # unknown: nothing is parked by mistake
    ],
)
def test_classify(code: int, verdict: Verdict) -> None:
    assert classify(code) is verdict


def test_failure_of_a_kafka_error_keeps_its_name_and_reason() -> None:
    failure = Failure.of(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    assert failure.code == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert failure.name == "TOPIC_AUTHORIZATION_FAILED" and failure.reason


def test_settle_sorts_each_row_by_its_own_report() -> None:
    denied = Failure(KafkaError.TOPIC_AUTHORIZATION_FAILED, "TOPIC_AUTHORIZATION_FAILED", "denied")
    timeout = Failure(KafkaError._MSG_TIMED_OUT, "_MSG_TIMED_OUT", "timed out")
    reports = {1: None, 2: denied, 3: None, 4: timeout, 6: None}
    outcome = settle([1, 2, 3, 4, 5, 6], reports)
    # A failure in the middle does not hold back the rows delivered after it.
    assert outcome.delivered == [1, 3, 6]
    assert outcome.parked == [(2, denied)]
    assert outcome.retry == [(4, timeout)]
    assert outcome.unreported == [5]
    assert outcome.rows == 6


def test_settle_of_nothing_is_empty() -> None:
    assert settle([], {}).rows == 0


def test_first_reasons_are_distinct_and_few() -> None:
    t = Failure(KafkaError._MSG_TIMED_OUT, "_MSG_TIMED_OUT", "x")
    d = Failure(KafkaError._TRANSPORT, "_TRANSPORT", "y")
    assert first_reasons([(1, t), (2, t), (3, d)]) == ["_MSG_TIMED_OUT", "_TRANSPORT"]
    assert len(first_reasons([(i, Failure(i, f"E{i}", "")) for i in range(10)])) == 3
