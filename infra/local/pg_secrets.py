"""The local cluster's passwords, in a libpq password file under ``$MSIX_HOME/credentials`` (0600).

Every role of the local cluster logs in with SCRAM-SHA-256 over 127.0.0.1: the bootstrap superuser
(which only ``infra`` uses), the hub's role (the URL's: it owns the schema and runs migrations) and
the web application's role (``hub.store.db.WEB_ROLE``: reads and writes rows, may not change the schema). The
password file is the one place they are kept; libpq reads it through ``PGPASSFILE``
(``use_home_passfile``), so ``MSIX_DATABASE_URL`` stays password-free as the contract writes it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.config import HomeSettings

HOST = "127.0.0.1"


def passfile(home: HomeSettings) -> Path:
    return home.credentials_dir / "postgres.pgpass"


def read(path: Path) -> dict[str, str]:
    """role -> password, from a password file's ``host:port:database:role:password`` lines."""
    found: dict[str, str] = {}
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        fields = line.split(":", 4)
        if len(fields) == 5 and not line.startswith("#"):
            found[fields[3]] = fields[4]
    return found


def ensure(path: Path, roles: list[str]) -> dict[str, str]:
    """The passwords of ``roles``, a new random one for each role the file lacks; the file is
    rewritten (0600, in a 0700 folder) only when something was added."""
    known = read(path)
    missing = [role for role in roles if role not in known]
    if missing:
        # URL-safe and colon-free: the password file separates its fields with colons.
        known |= {role: secrets.token_urlsafe(24) for role in missing}
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lines = ["# Written by `msix infra up`: the local PostgreSQL cluster's logins (libpq password file)."]
        lines += [f"{HOST}:*:*:{role}:{password}" for role, password in known.items()]
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("\n".join(lines) + "\n")
        path.with_suffix(".tmp").replace(path)
    return {role: known[role] for role in roles}


def use_home_passfile(home: HomeSettings) -> None:
    """Point libpq at the local cluster's password file, unless PGPASSFILE already names one or the
    file does not exist (a real cluster: the password is the operator's to give). Called once, at
    start-up, by the command line and the test session; child processes inherit it."""
    path = passfile(home)
    if "PGPASSFILE" not in os.environ and path.exists():
        os.environ["PGPASSFILE"] = str(path)
