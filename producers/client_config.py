"""The one place every Kafka client of the hub gets its address and its security settings from.

A client configuration file holds ``key=value`` lines that librdkafka and Java clients read as they
are (``bootstrap.servers``, ``security.protocol``, ``sasl.mechanism``, ``sasl.username``,
``sasl.password``, ``ssl.ca.location``; for mutual TLS ``ssl.certificate.location`` and
``ssl.key.location`` instead of the SASL keys). `msix infra up` keeps the operator's and the hub's
under ``$MSIX_HOME/credentials``; `msix states credentials ST` writes a state's, `msix states
certificate ST` its mutual-TLS one.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError

from hub.config import KafkaSettings
from hub.errors import AccessDenied, UserInputError

# Only what concerns reaching and authenticating to the broker: a credentials file cannot change
# how the hub's producers batch or its consumers commit.
ALLOWED_KEYS = frozenset(
    {
        "bootstrap.servers",
        "security.protocol",
        "sasl.mechanism",
        "sasl.mechanisms",
        "sasl.username",
        "sasl.password",
        "ssl.ca.location",
        "ssl.certificate.location",
        "ssl.key.location",
        "ssl.endpoint.identification.algorithm",
    }
)


def parse_client_file(text: str, origin: str = "<credentials>") -> dict[str, str]:
    config: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or key not in ALLOWED_KEYS:
            raise UserInputError(f"{origin} line {n}: expected one of {', '.join(sorted(ALLOWED_KEYS))} as key=value")
        config[key] = value.strip()
    return config


@functools.cache
def read_client_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserInputError(f"cannot read the credentials file {path}: {exc.strerror}") from exc
    return parse_client_file(text, str(path))


def render_client_file(config: dict[str, str], comment: str) -> str:
    return f"# {comment}\n" + "".join(f"{key}={value}\n" for key, value in config.items())


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600), never briefly readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    read_client_file.cache_clear()


def client_config(settings: KafkaSettings) -> dict[str, Any]:
    """``bootstrap.servers`` plus the security settings of ``settings.credentials`` (if any), and an
    error callback that turns a refused login into one clear error instead of endless retries."""
    config: dict[str, Any] = {"bootstrap.servers": settings.bootstrap}
    if settings.credentials is not None:
        config.update(read_client_file(settings.credentials))
        config["error_cb"] = _raise_on_auth_failure
        config["logger"] = _LIBRDKAFKA_LOG
    return config


def principal(settings: KafkaSettings) -> str:
    """Who this client is to the broker, for messages: ``User:NAME`` or ``ANONYMOUS``."""
    if settings.credentials is None:
        return "ANONYMOUS"
    config = read_client_file(settings.credentials)
    if "sasl.username" not in config and "ssl.certificate.location" in config:
        from producers.certificates import common_name  # the broker maps the subject's CN

        return "User:" + common_name(Path(config["ssl.certificate.location"]))
    return "User:" + config.get("sasl.username", "?")


class _DropLoginFailures(logging.Filter):
    """A refused login is reported once, by ``_raise_on_auth_failure``; librdkafka would log each
    of its retries (three a second) until the command gave up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "SASL authentication error" not in record.getMessage()


def _librdkafka_log() -> logging.Logger:
    logger = logging.getLogger("librdkafka")
    if not logger.handlers:
        handler = logging.StreamHandler()  # stderr, as librdkafka's own logging
        handler.addFilter(_DropLoginFailures())
        logger.addHandler(handler)
        logger.propagate = False
    return logger


_LIBRDKAFKA_LOG = _librdkafka_log()


def _raise_on_auth_failure(err: KafkaError) -> None:
    # librdkafka retries a failed SASL login forever; for a command that is a hang, not an answer.
    # An exception raised here comes out of the poll(), consume() or flush() that served it.
    if err.code() == KafkaError._AUTHENTICATION:
        raise AccessDenied(f"Kafka refused the login: {err.str()}")
