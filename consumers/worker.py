"""``msix worker``: the merge, the outbox relay, the receipts recorder and the roll-up compaction,
side by side under a small supervisor (``consumers.supervisor``): a part that fails is restarted
with back-off and the others go on; a signal stops them all within the supervisor's bound.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import structlog

from consumers.merge_worker import MergeWorker, WorkerOptions, WorkerTotals
from consumers.outbox_relay import OutboxRelayService
from consumers.receipt_recorder import receipt_recorder
from consumers.response_recorder import response_recorder
from consumers.supervisor import Part, Supervisor
from hub.config import Settings
from hub.store import effects, faults

log = structlog.get_logger(__name__)

# How often a worker folds the dashboard's roll-up (``effects.compact_records_received``): it
# grows by a row per batch, state and family meanwhile, a few thousand rows at full speed.
COMPACT_EVERY_S = 600.0


class Compaction:
    """The roll-up compaction part: folds ``records_received`` every ``every_s``, on a connection
    of its own for the moment it takes (none held in between)."""

    name = "compaction"

    def __init__(self, settings: Settings, every_s: float = COMPACT_EVERY_S) -> None:
        self._settings = settings
        self._every_s = every_s

    def run(self, stop: threading.Event) -> None:
        while True:
            conn = faults.connect(self._settings.database)
            with faults.translated(), conn, conn.transaction(), conn.cursor() as cur:
                removed = effects.compact_records_received(cur)
            if removed:
                log.info("records received per hour compacted", rows_removed=removed)
            if stop.wait(self._every_s):
                return


class RelayPart:
    """The outbox relay part: a fresh ``OutboxRelayService`` per run (the relay's own runnable), its
    counts kept across restarts, and woken by the merge after each commit."""

    name = "outbox-relay"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.current: OutboxRelayService | None = None
        self.sent = 0

    def run(self, stop: threading.Event) -> None:
        service = self.current = OutboxRelayService.of(self._settings)
        try:
            service.run(stop)
        finally:
            self.sent += service.sent

    def wake(self) -> None:
        if self.current is not None:
            self.current.wake()


@dataclass
class Worker:
    """The worker's parts under their supervisor, built by ``worker``; ``run`` returns the totals."""

    supervisor: Supervisor
    merge: MergeWorker
    relay: RelayPart

    def run(self) -> WorkerTotals:
        self.supervisor.run()
        self.merge.totals.relayed = self.relay.sent
        return self.merge.totals


def worker(settings: Settings, options: WorkerOptions) -> Worker:
    """Merge, outbox relay, receipts recorder and roll-up compaction, side by side."""
    relay = RelayPart(settings)
    # The side topics states write (consumers.side_topics): notice receipts, answers to data requests.
    receipts, responses = receipt_recorder(settings), response_recorder(settings)

    def others_caught_up() -> bool:
        return receipts.caught_up() and responses.caught_up()

    merge = MergeWorker(settings, options, wake_relay=relay.wake, others_caught_up=others_caught_up)
    parts = [Part(merge, ends_all=options.until_idle), Part(relay), Part(receipts), Part(Compaction(settings))]
    parts.append(Part(responses))
    # `--until-idle` is a job with an end: a part failing five times running fails it.
    return Worker(Supervisor(parts, give_up_after=5 if options.until_idle else None), merge, relay)
