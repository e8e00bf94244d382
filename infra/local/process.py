"""Start, find, wait for and stop one long-running local server process through a pid file.

Both servers (Kafka's JVM, PostgreSQL's postmaster) are started the same way: in a session of their
own (so a Ctrl-C in the terminal that ran ``msix infra up`` does not reach them), output to a log
file, pid written to a pid file. A pid file is trusted only while that pid is alive *and* one of its
arguments is still the server's own config file or data folder: pids are reused after a reboot.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from hub.errors import InfraError


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    address: str
    detail: str
    data: Path | None = None
    """Where the service keeps its data."""


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in ``pid_file`` if that process is alive and ``marker`` is one of its arguments."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return pid if marker in proc.cmdline() else None
    except psutil.Error:
        return None


def spawn(
    argv: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    cwd: Path,
    user: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` detached (own session), stdout and stderr appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(  # noqa: S603
                list(argv),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                # Run as ``user`` straight from this fork: a ``runuser`` wrapper would stay as the
                # parent and SIGKILL the server two seconds after forwarding our stop signal.
                user=user,
                group=pwd.getpwnam(user).pw_gid if user else None,
                extra_groups=[] if user else None,
            )
        except OSError as exc:
            raise InfraError(f"cannot start {argv[0]}: {exc}") from exc
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def wait_until(
    ready: Callable[[], bool],
    *,
    proc: subprocess.Popen[bytes] | None,
    what: str,
    log_file: Path,
    timeout: float,
    interval: float = 0.25,
) -> None:
    """Poll ``ready()`` until true; fail early, with the log's tail, if ``proc`` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise InfraError(f"{what} exited with status {proc.returncode}:\n{tail(log_file)}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise InfraError(f"{what} did not answer within {timeout:.0f} s:\n{tail(log_file)}")
        time.sleep(interval)


def stop(pid_file: Path, marker: str, *, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> bool:
    """Send ``sig``, wait up to ``timeout`` s, then SIGKILL. True if a process was running."""
    pid = running_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    try:
        proc = psutil.Process(pid)
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    except psutil.NoSuchProcess:
        pass
    except psutil.Error as exc:
        raise InfraError(f"cannot stop pid {pid}: {exc}") from exc
    pid_file.unlink(missing_ok=True)
    return True


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Does something accept TCP connections at host:port?"""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_free_port(host: str, port: int, what: str) -> None:
    if port_open(host, port):
        raise InfraError(
            f"cannot start {what}: {host}:{port} is already taken by another process (another msix"
            " stack with a different MSIX_HOME, or a system service); stop it or choose another port"
        )


def tail(path: Path, lines: int = 30) -> str:
    """The log's last ``lines`` lines that say something: a Java stack trace's frames ("at ...",
    "... 6 more") are dropped, so its messages and "Caused by:" lines (the reason) are what remain."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    said = [line for line in text.splitlines() if not _JAVA_FRAME.match(line)]
    return "\n".join(said[-lines:])


_JAVA_FRAME = re.compile(r"\s+(at \S+\(|\.\.\. \d+ more)")


@contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Serialise ``up``/``down`` of one MSIX_HOME across processes (e.g. parallel test workers)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
