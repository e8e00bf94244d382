"""One exception tree. Driver errors (psycopg, confluent-kafka, fastavro) are translated at the edge."""


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class UserInputError(HubError):
    """The user's mistake: bad usage or bad input. The CLI prints one line and exits 2."""


class SubmissionRejected(UserInputError):
    """A whole submission refused (e.g. its manifest's counts disagree with its files)."""


class InfraError(HubError):
    """Local Kafka or PostgreSQL could not be started, stopped or reached."""


class DecodeError(HubError):
    """A message's bytes are not a value of any known schema."""


class DeliveryError(HubError):
    """Kafka did not acknowledge a message."""


class AccessDenied(UserInputError):
    """The broker refused this principal (bad or revoked credentials, or no ACL for the action):
    the caller's mistake, reported in one line."""


class DatabaseRefused(HubError):
    """PostgreSQL refused a value (SQLSTATE class 22 data exception, 23 integrity constraint, 54
    program limit, or the driver refusing it before sending): the data is at fault, not the
    database, so retrying cannot help. ``reason`` names the SQLSTATE and the constraint or limit,
    never the value."""

    def __init__(self, reason: str, sqlstate: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sqlstate = sqlstate


class DatabaseUnavailable(InfraError):
    """PostgreSQL is away for now (connection lost, shutting down or starting up, out of resources,
    a serialization failure or deadlock): roll back, wait, and run the work again."""


class DatabaseMisconfigured(InfraError):
    """PostgreSQL refuses the hub itself (authentication, missing database, table or privilege):
    waiting will not help; an operator must fix the settings or run the migrations."""
