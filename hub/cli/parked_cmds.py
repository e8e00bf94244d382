"""``msix parked list`` / ``replay``: the messages the merge worker kept instead of applying.

A message written with a schema the hub does not know yet is parked (kept with its bytes, never
rejected); a message the hub's checks refused is dead-lettered to state.ST.rejected and kept too.
After an upgrade that brings the schema, or a fix of a rule, ``replay`` decodes and checks them again
with this hub's code and applies those that now pass, in one transaction per chunk, exactly as the
worker would (event ids make a second replay change nothing). Outbox rows it makes (move notices,
new rejections) are sent by the next running worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import typer

from consumers import merge_batch
from consumers.decoding import DeadLetter, Parked, decode_message
from consumers.merge_worker import matcher_for
from hub.cli.common import print_json, settings
from hub.domain.records import Event
from hub.errors import UserInputError
from hub.store import db, effects, parked
from hub.store.batch.postgres import PostgresBatchStore
from producers.topics import Topics, is_state_code

parked_app = typer.Typer(no_args_is_help=True, help="Messages the merge worker kept instead of applying.")

CHUNK = 1000


def _states(state: str | None) -> list[str] | None:
    if state is None:
        return None
    code = state.strip().upper()
    if not is_state_code(code):
        raise UserInputError(f"{state!r} is not a USPS state or territory code")
    return [code]


def _statuses(status: str) -> list[str]:
    chosen = list(parked.STATUSES) if status == "all" else [status]
    if not set(chosen) <= set(parked.STATUSES):
        raise UserInputError(f"--status must be one of {', '.join(parked.STATUSES)} or all, not {status!r}")
    return chosen


@parked_app.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="Only this state's messages."),
    status: str = typer.Option("parked", "--status", help="parked, rejected, replayed or all."),
) -> None:
    """Kept messages, oldest first, one JSON object a line: position, status and reason (no bytes)."""
    s = settings()
    with db.connect(s.database) as conn, conn.cursor() as cur:
        for held in parked.load(cur, _states(state), _statuses(status)):
            print_json(held.summary(), lines=True)


@parked_app.command("replay")
def replay(
    state: str | None = typer.Option(None, "--state", help="Only this state's messages."),
    rejected: bool = typer.Option(False, "--rejected", help="Also what the hub's checks refused."),
) -> None:
    """Decode, check and apply the kept messages again with this hub's schemas and rules."""
    s = settings()
    topics = Topics(s.kafka.topic_prefix)
    # A group of its own: the offsets the batch saves for these old positions are not the worker's.
    group_id = topics.hub_group_prefix + "parked-replay"
    matcher, allocate = matcher_for(s), effects.IdAllocator()
    totals = {"replayed": 0, "parked": 0, "rejected": 0}
    statuses = ["parked", "rejected"] if rejected else ["parked"]
    with db.connect(s.database) as conn:
        with conn.transaction(), conn.cursor() as cur:
            # A row without bytes (an event the database refused, kept for the record) cannot be replayed.
            held = [h for h in parked.load(cur, _states(state), statuses) if h.data is not None]
        for start in range(0, len(held), CHUNK):
            now = datetime.now(UTC)
            chunk = held[start : start + CHUNK]
            items = [decode_message(topics, h.topic, h.partition, h.offset, h.key, h.data, now) for h in chunk]
            # As the worker applies a batch: a value the database refuses is dead-lettered, not fatal.
            positions = [(h.topic, h.partition, h.offset) for h in chunk]
            merge_batch.process_splitting(
                PostgresBatchStore(conn), items, positions, group_id, topics, matcher, allocate, now
            )
            applied = [
                (h.topic, h.partition, h.offset) for h, i in zip(chunk, items, strict=True) if isinstance(i, Event)
            ]
            with conn.transaction(), conn.cursor() as cur:
                parked.mark_replayed(cur, applied, now)
            _count(totals, items)
    print_json(totals, lines=True)


def _count(totals: dict[str, int], items: Sequence[Event | DeadLetter]) -> None:
    for item in items:
        key = "replayed" if isinstance(item, Event) else "parked" if isinstance(item, Parked) else "rejected"
        totals[key] += 1
