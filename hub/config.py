"""Settings, one pydantic-settings object per concern, read once by an entry point and passed down.

Only this module reads the environment. Names and defaults are the outside contract
(``MSIX_HOME``, ``MSIX_KAFKA_BOOTSTRAP``, ``MSIX_DATABASE_URL``); the rest are ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HomeSettings(BaseSettings):
    """Where the local infrastructure keeps its data and where fetched jars are cached."""

    model_config = SettingsConfigDict(env_prefix="MSIX_", extra="ignore")

    home: Path = Field(default=Path(".msix"), description="data and logs of the local infrastructure")
    cache: Path = Field(default=Path.home() / ".cache" / "msix", description="Maven cache of Kafka's jars")

    @property
    def kafka_dir(self) -> Path:
        return self.home.resolve() / "kafka"

    @property
    def postgres_dir(self) -> Path:
        return self.home.resolve() / "postgres"

    @property
    def kafka_libs(self) -> Path:
        return self.cache.resolve() / "kafka-libs"

    @property
    def credentials_dir(self) -> Path:
        """Client configurations of the operator and the hub, and the broker's own secrets (0700)."""
        return self.home.resolve() / "credentials"

    @property
    def operator_credentials(self) -> Path:
        return self.credentials_dir / "operator.properties"

    @property
    def hub_credentials(self) -> Path:
        return self.credentials_dir / "hub.properties"

    @property
    def web_credentials(self) -> Path:
        return self.credentials_dir / "web.properties"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MSIX_KAFKA_", extra="ignore")

    bootstrap: str = "127.0.0.1:9092"
    # Prefixed onto every topic name. Empty in production; tests set one per test so that each
    # test has topics of its own on the one shared broker.
    topic_prefix: str = ""
    # A client configuration file (``key=value`` lines: security.protocol, sasl.*, ssl.ca.location),
    # as `msix states credentials` writes it. None: the defaults `msix infra up` keeps under
    # MSIX_HOME (see ``Settings.as_operator``), or plaintext when the broker runs without security.
    credentials: Path | None = None

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        return host or "127.0.0.1", int(port)


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MSIX_DATABASE_", extra="ignore")

    url: str = "postgresql+psycopg://msix@127.0.0.1:5433/msix"

    @property
    def libpq_url(self) -> str:
        """The same URL as psycopg itself takes it (without SQLAlchemy's ``+psycopg`` driver tag)."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    @property
    def port(self) -> int:
        return urlsplit(self.libpq_url).port or 5432

    @property
    def database(self) -> str:
        return urlsplit(self.libpq_url).path.lstrip("/") or "msix"

    @property
    def user(self) -> str:
        return urlsplit(self.libpq_url).username or "msix"

    def with_database(self, name: str) -> DatabaseSettings:
        parts = urlsplit(self.url)
        return DatabaseSettings(url=parts._replace(path="/" + name).geturl())

    def as_user(self, user: str) -> DatabaseSettings:
        """The same server and database, logged in as ``user`` (its password from PGPASSFILE)."""
        parts = urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]
        return DatabaseSettings(url=parts._replace(netloc=f"{user}@{host}").geturl())


class WebSettings(BaseSettings):
    """``msix serve``: where it listens and how long logins last."""

    model_config = SettingsConfigDict(env_prefix="MSIX_WEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    token_minutes: int = 60  # a bearer token's life
    session_minutes: int = 480  # a browser session's life (a school day)
    # Secure cookies are sent over HTTPS only; browsers make an exception for localhost and 127.0.0.1.
    cookie_secure: bool = True
    # The web app's own database login, which may read and write rows but not change the schema
    # (migration 0008); empty: the hub's URL as the role ``msix_web`` (which `msix infra up` makes).
    database_url: str = ""
    login_attempts: int = 5  # failed logins allowed per user name and per client in `login_window_s`
    login_window_s: int = 300


class IdentitySettings(BaseSettings):
    """Identity matching: the score thresholds (log2 Bayes factor, see ``hub.identity.model``) and
    how long a near match may wait for a data admin before it is escalated."""

    model_config = SettingsConfigDict(env_prefix="MSIX_IDENTITY_", extra="ignore")

    matcher: Literal["probabilistic", "exact"] = Field(
        default="probabilistic", description="exact: only exact agreement links, no worklist (the old rule)"
    )
    upper: float = Field(
        default=14.0, description="at or above: linked automatically (up to 64,000 stored children; more beyond)"
    )
    lower: float = Field(
        default=10.0, description="at or above (and below upper): a near-match worklist item (rises with upper)"
    )
    escalate_after_hours: float = Field(default=72.0, gt=0, description="an open worklist item escalates after this")


class NoticeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MSIX_NOTICE_", extra="ignore")

    # A move notice not acknowledged by its destination state this long after the hub sent it is
    # shown as overdue. Three days: a school registrar's working week leaves room for a weekend.
    ack_due_hours: float = 72.0


class Settings(BaseModel):
    """Everything an entry point needs; each part reads its own ``MSIX_*`` variables once."""

    home: HomeSettings = Field(default_factory=HomeSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)

    def as_operator(self) -> Settings:
        """Kafka as the operator (a super user), unless credentials were named explicitly."""
        return self._with_default_credentials(self.home.operator_credentials)

    def as_hub(self) -> Settings:
        """Kafka as the hub's own principal (only the ACLs the worker needs), unless credentials
        were named explicitly."""
        return self._with_default_credentials(self.home.hub_credentials)

    def as_web(self) -> Settings:
        """Kafka as the web app's own principal (``msix serve``: only what its pages need, see
        ``producers.acls.web_bindings``), unless credentials were named explicitly."""
        return self._with_default_credentials(self.home.web_credentials)

    def with_credentials(self, path: Path | None) -> Settings:
        if path is None:
            return self
        return self.model_copy(update={"kafka": self.kafka.model_copy(update={"credentials": path})})

    def _with_default_credentials(self, default: Path) -> Settings:
        if self.kafka.credentials is not None or not default.exists():
            return self
        return self.with_credentials(default)
