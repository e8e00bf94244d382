"""The hub's side of data requests: read every ``state.ST.responses`` and record the answers.

A side topic (``consumers.side_topics``): a part of the worker, at least once, recording an answer
idempotent (the same answer again changes nothing). A state writes its own responses topic, so
anything may be there: a message that is no answer of ST's, or answers a request the hub never sent
to ST, is skipped, logged by position and counted; nothing in a message stops the recorder.
"""

from __future__ import annotations

import psycopg

from consumers.side_topics import Found, SideTopic, SideTopicRecorder, Skip
from hub.config import Settings
from hub.domain import data_requests
from hub.domain.data_requests import Answer
from hub.store import requests as store
from producers.topics import Topics

GROUP = "msix-responses"


def _record(cur: psycopg.Cursor, found: list[Found[Answer]], skip: Skip) -> int:
    """The answers to requests that were sent to the answering state; the rest skipped."""
    known: set[tuple[str, str]] = set()
    for state in {f.value.state for f in found}:
        ids = [f.value.request_id for f in found if f.value.state == state]
        known |= {(state, request_id) for request_id in store.known_to(cur, ids, state)}
    for f in found:
        if (f.value.state, f.value.request_id) not in known:
            skip(f.at, "an answer to no request sent to this state")
    return store.record(cur, [f.value for f in found if (f.value.state, f.value.request_id) in known])


def _pattern(topics: Topics) -> str:
    return topics.responses_pattern


RESPONSES = SideTopic("responses", "answer", GROUP, _pattern, data_requests.response, _record)


def response_recorder(settings: Settings, poll_timeout: float = 0.2) -> SideTopicRecorder[Answer]:
    return SideTopicRecorder(settings, RESPONSES, poll_timeout)
