"""Settings: the only module that reads the environment."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./tandem.db"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    auto_migrate: bool = True
    allow_signup: bool = False
    demo: bool = False
    redis_url: str | None = None
    # Prefix of every key and channel Tandem keeps in Redis, so deployments (and test runs)
    # can share one.
    redis_prefix: str = Field(default="tandem:", min_length=1, max_length=64)
    meili_url: str | None = None
    meili_key: str | None = None
    meili_prefix: str = "tandem_"
    # How long a search waits for the engine before answering 503.
    search_timeout_seconds: float = Field(default=3.0, gt=0)
    # The embedded FTS5 index; unset: beside the SQLite file (`<db>.search.sqlite`).
    search_fts5_path: str | None = None
    token_ttl_hours: int = Field(default=720, ge=1)
    # Failed sign-ins at one email from one client address (no limit counts an email alone:
    # it would let anyone lock the owner out); the name predates that.
    login_attempts_per_email: int = Field(default=10, ge=1)
    login_attempts_per_client: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    # Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks,
    # comma-separated, or `*`); none by default, since a header from anyone else would let a
    # client choose the address its failed logins count under.
    forwarded_allow_ips: str = ""
    # Argon2id cost of new password hashes; the defaults are argon2-cffi's (RFC 9106's "low
    # memory" profile). Existing hashes keep verifying, whatever cost made them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    # /docs and /redoc (and their scripts); /openapi.json is served either way.
    api_docs: bool = True
    max_import_bytes: int = Field(default=5_000_000, ge=1)
    # The largest request body elsewhere: JSON and forms (a 100,000-character blog fits).
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # The largest accepted upload (a file's bytes; the request may add multipart framing).
    max_upload_bytes: int = Field(default=25_000_000, ge=1)
    # Uploaded files: a local folder (unset: beside the SQLite file, `<db>.media`), or an
    # S3-compatible store when `s3_url` is set (with the bucket and its credentials).
    media_dir: str | None = None
    s3_url: str | None = None
    s3_bucket: str | None = None
    s3_key: str | None = None
    s3_secret: str | None = None
    s3_region: str | None = None
    # PostgreSQL connections per process. Size it to the database's cores, not to the
    # requests in flight: on two cores, 5 per worker served 926 feed pages/s and 10 served
    # 722-805 (more backends than cores contend; waiting in the app's pool is cheaper).
    db_pool_size: int = Field(default=5, ge=1)
    # How long an SQLite write waits for another's lock; past it the request answers 503.
    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0)
    # Test each pooled connection before use (a round trip per checkout). Off: a connection
    # the database dropped is found by its first statement, reads are retried once and
    # the rest answer 503. On where connections are dropped often (an idle-killing proxy).
    db_pre_ping: bool = False
    # Live events: run the outbox dispatcher in this process (app workers and `tandem worker`).
    dispatcher: bool = True
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    event_retention_days: float = Field(default=7.0, gt=0)
    live_send_queue: int = Field(default=256, ge=1)
    live_send_timeout_seconds: float = Field(default=10.0, gt=0)
    # How long a socket without the session cookie has to send its `auth` message.
    live_auth_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips_are_addresses(cls, value: str) -> str:
        # uvicorn takes an entry it cannot parse as a literal host name that no peer has:
        # a typo would silently trust nobody (or, worse, be read as trusting someone).
        items = [item.strip() for item in value.split(",") if item.strip()]
        if items == ["*"]:
            return "*"
        for item in items:
            try:
                ipaddress.ip_network(item)
            except ValueError:
                raise ValueError(
                    f"TANDEM_FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network "
                    "(a network has no host bits set: 10.0.0.0/8); `*` trusts every peer"
                ) from None
        return ",".join(items)

    @model_validator(mode="after")
    def _argon2_memory_fits_lanes(self) -> Settings:
        # Argon2 needs 8 KiB per lane; refuse at start rather than at the first hash.
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError(
                "TANDEM_ARGON2_MEMORY_KIB must be at least 8 x TANDEM_ARGON2_PARALLELISM"
            )
        return self

    @model_validator(mode="after")
    def _s3_is_complete(self) -> Settings:
        if self.s3_url and not self.s3_bucket:
            raise ValueError("TANDEM_S3_BUCKET must be set with TANDEM_S3_URL")
        return self

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        database = make_url(self.database_url).database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    def resolved_media_dir(self) -> Path:
        """Where the local storage keeps files: `TANDEM_MEDIA_DIR`, else beside the SQLite
        file (`<db>.media`), else `./media` in the working directory."""
        if self.media_dir:
            return Path(self.media_dir)
        path = self.sqlite_path
        return path.with_name(path.name + ".media") if path is not None else Path("media")

    def resolved_secret_key(self) -> str:
        """The secret key; the embedded SQLite mode generates one and keeps it beside the file."""
        if self.secret_key:
            return self.secret_key
        path = self.sqlite_path
        if path is None:
            raise ConfigError(
                "TANDEM_SECRET_KEY must be set when the database is not an SQLite file"
            )
        key_file = path.with_name(path.name + ".secret")
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
