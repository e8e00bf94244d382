"""A small supervisor: the worker's parts run side by side, each restarted with back-off when it
fails, all stopped together on a signal within a bounded time.

A part is a runnable: a name and ``run(stop)``, which returns once ``stop`` is set (or, for a part
that ``ends_all``, when its work is done: the merge under ``--until-idle``). A failure of one part
does not stop the others: the outbox relay losing its broker no longer stops the merge. Only a
refused configuration (``fatal``) stops everything, and is raised from ``run``.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from hub.errors import DatabaseMisconfigured, UserInputError

log = structlog.get_logger(__name__)

# Errors that another attempt cannot cure: the settings or the credentials are wrong.
FATAL: tuple[type[BaseException], ...] = (DatabaseMisconfigured, UserInputError)


class Runnable(Protocol):
    name: str

    def run(self, stop: threading.Event) -> None: ...


@dataclass
class Part:
    runnable: Runnable
    ends_all: bool = False  # its normal return (work done) stops the others
    failures: int = 0
    thread: threading.Thread | None = None


@dataclass
class Supervisor:
    parts: list[Part]
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    # Consecutive failures of one part before the supervisor gives up (None: never). A long-running
    # worker waits out anything; `--until-idle`, a job with an end, reports a part that keeps failing.
    give_up_after: int | None = None
    # A run this long counts as healthy: the next failure starts the back-off again from the bottom.
    healthy_after_s: float = 60.0
    stop_event: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def stop(self, *_: object) -> None:
        """Signal-handler shaped: ``signal.signal(SIGTERM, supervisor.stop)``."""
        self.stop_event.set()

    def run(self, shutdown_s: float = 8.0) -> list[str]:
        """Run every part until a stop; returns the names of parts still running ``shutdown_s``
        after it (left behind: daemon threads end with the process). Raises a fatal error."""
        for part in self.parts:
            part.thread = threading.Thread(target=self._keep, args=(part,), name=part.runnable.name, daemon=True)
            part.thread.start()
        # With a timeout, so that signal handlers run in this, the main, thread while it waits.
        while not self.stop_event.wait(0.2):
            pass
        deadline = time.monotonic() + shutdown_s
        for part in self.parts:
            assert part.thread is not None
            part.thread.join(max(0.0, deadline - time.monotonic()))
        late = [p.runnable.name for p in self.parts if p.thread is not None and p.thread.is_alive()]
        if late:
            log.warning("parts still running at the shutdown deadline, left behind", parts=late, after_s=shutdown_s)
        if self.error is not None:
            raise self.error
        return late

    def _keep(self, part: Part) -> None:
        name = part.runnable.name
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                part.runnable.run(self.stop_event)
            except FATAL as exc:
                log.error("part refused its configuration; stopping", part=name, error=str(exc))
                self._end(exc)
                return
            except Exception as exc:
                if time.monotonic() - started >= self.healthy_after_s:
                    part.failures = 0
                part.failures += 1
                if self.give_up_after is not None and part.failures >= self.give_up_after:
                    log.error("part keeps failing; stopping", part=name, failures=part.failures, error=_short(exc))
                    self._end(exc)
                    return
                delay = self.backoff(part.failures)
                log.warning("part failed; restarting", part=name, attempt=part.failures, delay_s=round(delay, 2),
                            error=_short(exc))  # fmt: skip
                self.stop_event.wait(delay)
                continue
            if part.ends_all:
                self.stop_event.set()
            return

    def backoff(self, failures: int) -> float:
        """Capped exponential, with jitter so that parts failing together do not retry in step."""
        base = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (failures - 1))
        return base + random.uniform(0, base / 2)  # noqa: S311 (timing, not secrecy)

    def _end(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self.stop_event.set()


def _short(exc: BaseException) -> str:
    """A failure's type and first line: messages that quote a child's data are the driver's, and
    the store translates those before they get here."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
