"""The hub's side of what it asks of states: read every ``state.ST.responses`` and record the answers,
to data requests (DataResponse) and to parents' correction requests (CorrectionAnswer); the writer
schema's name in each message's header tells the two apart.

A side topic (``consumers.side_topics``): a part of the worker, at least once, recording an answer
idempotent (the same answer again changes nothing). A state writes its own responses topic, so
anything may be there: a message that is no answer of ST's, answers a request the hub never sent to
ST, or decides again a correction part ST decided otherwise (a decision is final), is skipped,
logged by position and counted; nothing in a message stops the recorder.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from consumers.side_topics import Found, SideTopic, SideTopicRecorder, Skip
from hub.config import Settings
from hub.domain import correction_messages, data_requests
from hub.domain.correction_messages import CorrectionAnswer
from hub.domain.data_requests import Answer
from hub.domain.state_messages import schema_name
from hub.store import corrections
from hub.store import requests as store
from producers.topics import Topics

GROUP = "msix-responses"
Response = Answer | CorrectionAnswer
_REFUSED = {
    corrections.UNKNOWN: "an answer to no correction request with a part for this state",
    corrections.FINAL: "a correction part this state decided otherwise before: a decision is final",
}


def parse(data: bytes | None, state: str) -> Response:
    """A DataResponse or a CorrectionAnswer of ``state``'s, or ``BadMessage`` (junk is reported as
    not being a DataResponse, the topic's first kind)."""
    if schema_name(data) == correction_messages.ANSWER:
        return correction_messages.answer(data, state)
    return data_requests.response(data, state)


def _record(cur: psycopg.Cursor, found: list[Found[Response]], skip: Skip) -> int:
    data = [Found(f.at, f.value) for f in found if isinstance(f.value, Answer)]
    fixes = [Found(f.at, f.value) for f in found if isinstance(f.value, CorrectionAnswer)]
    return _record_data(cur, data, skip) + _record_corrections(cur, fixes, skip)


def _record_data(cur: psycopg.Cursor, found: list[Found[Answer]], skip: Skip) -> int:
    """The answers to requests that were sent to the answering state; the rest skipped."""
    known: set[tuple[str, str]] = set()
    for state in {f.value.state for f in found}:
        ids = [f.value.request_id for f in found if f.value.state == state]
        known |= {(state, request_id) for request_id in store.known_to(cur, ids, state)}
    for f in found:
        if (f.value.state, f.value.request_id) not in known:
            skip(f.at, "an answer to no request sent to this state")
    return store.record(cur, [f.value for f in found if (f.value.state, f.value.request_id) in known])


def _record_corrections(cur: psycopg.Cursor, found: list[Found[CorrectionAnswer]], skip: Skip) -> int:
    """Each answer in the order the state wrote it (an acknowledgement before the decision), with no
    time later than now, when the hub read it."""
    changed, now = 0, datetime.now(UTC)
    for f in found:
        a = f.value
        result = corrections.answer_part(cur, a.correction_id, a.state, a.action, a.reason, a.by, min(a.at, now))
        if result in _REFUSED:
            skip(f.at, _REFUSED[result])
        changed += result == corrections.CHANGED
    return changed


def _pattern(topics: Topics) -> str:
    return topics.responses_pattern


RESPONSES = SideTopic("responses", "answer", GROUP, _pattern, parse, _record)


def response_recorder(settings: Settings, poll_timeout: float = 0.2) -> SideTopicRecorder[Response]:
    return SideTopicRecorder(settings, RESPONSES, poll_timeout)
