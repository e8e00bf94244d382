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
