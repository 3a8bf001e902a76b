"""Every setting of the service, in one typed place, read from `CGPA_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CGPA_", env_file=".env", extra="ignore")

    model_path: Path = Field(
        Path("models/cgpa_rnn.pt"),
        description="TorchScript checkpoint; its model card is the .json file beside it.",
    )
    api_key: SecretStr | None = Field(
        None,
        description="When set, prediction and model routes require it in the X-API-Key header.",
    )
    max_batch: int = Field(1000, ge=1, le=100_000, description="Most students in one batch.")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Larger request bodies get 413."
    )
    admin_key: SecretStr | None = Field(
        None,
        description="When set, POST /admin/reload and /admin/rollback exist and require it in "
        "the X-Admin-Key header; unset, those routes do not exist.",
    )
    risk_below: float | None = Field(
        None,
        allow_inf_nan=False,
        description="A default cut-off on the model's scale: every answer then carries the "
        "risk of the next grade falling below it, unless the request names its own.",
    )
    max_outcomes: int = Field(
        10_000,
        ge=1,
        le=1_000_000,
        description="Most outcomes (real grades) in one POST /outcomes.",
    )
    # Set by `python -m app` for its workers when it supervises several (app/server/): where
    # a worker forwards a reload so that every worker acts on it. Not a user setting.
    supervisor_pid: int | None = Field(None, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    torch_threads: int = Field(
        1, ge=1, le=64, description="Torch intra-op threads; 1 is fastest for this tiny model."
    )

    # The store (app/store/): recorded forecasts and the outcomes that follow them.
    database_url: str | None = Field(
        None,
        description="Where forecasts asked with a student_id are recorded: unset, a SQLite "
        "file data/cgpa.sqlite3 under the working directory; postgresql://user:password@"
        "host:port/db for several replicas; none turns recording off.",
    )
    id_key: SecretStr | None = Field(
        None,
        description="Key of the HMAC-SHA256 that turns a student id into the key stored (the "
        "database never holds a raw id). Unset with SQLite: made once beside the file; "
        "required with PostgreSQL.",
    )
    retention_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="Recorded forecasts and outcomes older than this many days are purged; "
        "unset keeps them.",
    )

    @field_validator("retention_days", mode="before")
    @classmethod
    def _blank_means_keep(cls, days: object) -> object:
        # An empty variable (left blank in .env) means "keep everything", not an error.
        return None if isinstance(days, str) and not days.strip() else days

    @field_validator("api_key", "admin_key")
    @classmethod
    def _refuse_short_keys(cls, key: SecretStr | None) -> SecretStr | None:
        # An empty variable (a key left blank in .env) means "no key", not "the empty key".
        if key is None or key.get_secret_value() == "":
            return None
        if len(key.get_secret_value()) < 16:
            raise ValueError("keys (CGPA_API_KEY, CGPA_ADMIN_KEY) must be at least 16 characters")
        return key

    @field_validator("id_key")
    @classmethod
    def _refuse_short_id_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is None or key.get_secret_value() == "":
            return None
        # A short key can be guessed, and with it every stored key traced back to an id.
        if len(key.get_secret_value()) < 16:
            raise ValueError("CGPA_ID_KEY must be at least 16 characters")
        return key

    # Connection limits (app/server/), per connection and per worker, so a slow or abusive
    # client cannot hold connections forever: the header timeout and unfinished headers in
    # the protocol; the body timeout in the request path; header size and the concurrency cap
    # in the app's outermost middleware (app/server/request_limits.py).
    header_timeout: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Seconds for a request line and headers, from the connection opening or "
        "the request's first byte; then 408 and close.",
    )
    body_timeout: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Seconds for a body, from the end of its headers; then 408 and close "
        "(the rest of a body the app answered without reading gets as long).",
    )
    max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="Larger request lines plus headers get 431 and close.",
    )
    keep_alive_timeout: int = Field(
        5, ge=1, le=300, description="Seconds an idle keep-alive connection stays open."
    )
    max_concurrency: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description="Per worker: once this many requests are in flight, a further one gets "
        "503 with Retry-After.",
    )
    max_rows_in_flight: int = Field(
        200_000,
        ge=1024,
        le=100_000_000,
        description="Per worker: the forward-pass rows (a student is one, an explanation "
        "2^(grades + 1), a path the model's term count less its shortest history) of the "
        "prediction requests being worked on at once. Past it requests wait, first come first "
        "served, and get 503 with Retry-After once they waited CGPA_ADMISSION_WAIT seconds. "
        "Bounds memory and keeps the worker responsive: see the README on sizing it for a "
        "memory limit.",
    )
    admission_wait: float = Field(
        2.0,
        ge=0,
        le=300,
        description="Seconds a prediction request may wait for room under "
        "CGPA_MAX_ROWS_IN_FLIGHT before it gets 503.",
    )
    retry_after: int = Field(
        1, ge=1, le=3600, description="Seconds the Retry-After of that 503 asks a client to wait."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
