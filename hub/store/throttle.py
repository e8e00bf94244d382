"""The sign-in throttle, in PostgreSQL: shared by every server process (``msix serve --workers N``)
and kept across restarts, atomic, and bounded.

Atomic: an attempt takes a ticket with ONE statement (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``), before the password is checked, so concurrent wrong passwords cannot all pass a
check made before any of them is counted; the row lock serialises the tickets of one key. A good
password gives its tickets back.

Bounded: the table has one row per key, and keys come from bounded sets: a client address is
hashed into one of ``client_buckets``; a user name is itself only when it is an account's (the
accounts table bounds those), and any other name is hashed into one of ``name_buckets``. The client
is asked first: a client over its limit is refused before any name it sends is counted.

Each ticket is taken in its own short transaction on an engine of its own: committed at once (a
refused login rolls its request's transaction back, which must not take the count with it), and
never waiting for a connection held by a request (a request holds its own while it checks a
password: sharing one pool, a burst of logins would wait on each other until the pool's timeout).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, text

NAME_BUCKETS = 4096
CLIENT_BUCKETS = 65536
# A client address may be a school district's NAT, shared by its staff: it gets this many times a
# user name's allowance.
CLIENT_FACTOR = 10

# The window restarts at the first attempt after it ended; within it, the count stops one above the
# limit (enough to refuse, and the integer never grows).
_TAKE = text(
    """
INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES (:key, now(), 1)
ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN t.window_start <= now() - make_interval(secs => :window)
                        THEN now() ELSE t.window_start END,
    attempts = CASE WHEN t.window_start <= now() - make_interval(secs => :window)
                    THEN 1 ELSE least(t.attempts + 1, :limit + 1) END
RETURNING attempts, extract(epoch FROM t.window_start + make_interval(secs => :window) - now())
"""
)
_GIVE_BACK = text("UPDATE login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = :key")
_FORGET = text("DELETE FROM login_throttle WHERE key = :key")


def bucket(value: str, buckets: int) -> int:
    digest = hashlib.blake2b(value.encode(errors="replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % buckets


@dataclass(frozen=True, slots=True)
class Keys:
    client: str
    user: str


@dataclass
class LoginThrottle:
    """At most ``attempts`` sign-ins per user name and ``attempts * CLIENT_FACTOR`` per client
    address in ``window_s`` seconds (a good password does not count). The database is the app's,
    given with each call (a test may point the app at another); the connections are the throttle's."""

    attempts: int
    window_s: float
    name_buckets: int = NAME_BUCKETS
    client_buckets: int = CLIENT_BUCKETS
    _pools: dict[str, Engine] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def keys(self, client: str | None, username: str, is_account: bool) -> Keys:
        user = f"user:{username}" if is_account else f"name#{bucket(username, self.name_buckets)}"
        return Keys(f"client#{bucket(client or '', self.client_buckets)}", user)

    def attempt(self, database: Engine, keys: Keys) -> float:
        """Take a ticket for the client, then for the user name: 0 when granted, else the seconds
        until one may be tried again."""
        wait = self._take(database, keys.client, self.attempts * CLIENT_FACTOR)
        return wait if wait > 0 else self._take(database, keys.user, self.attempts)

    def succeeded(self, database: Engine, keys: Keys) -> None:
        """A good password: the user name starts afresh, the client gets its ticket back."""
        with self._pool(database).begin() as conn:
            conn.execute(_FORGET, {"key": keys.user})
            conn.execute(_GIVE_BACK, {"key": keys.client})

    def _take(self, database: Engine, key: str, limit: int) -> float:
        params = {"key": key, "window": float(self.window_s), "limit": limit}
        with self._pool(database).begin() as conn:
            attempts, left = conn.execute(_TAKE, params).one()
        return 0.0 if attempts <= limit else max(float(left), 0.001)

    def _pool(self, database: Engine) -> Engine:
        """A small pool of the throttle's own on the same database."""
        url = database.url.render_as_string(hide_password=False)
        with self._lock:
            if url not in self._pools:
                self._pools[url] = create_engine(database.url, pool_size=2, max_overflow=8, pool_pre_ping=True)
            return self._pools[url]
