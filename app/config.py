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
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    torch_threads: int = Field(
        1, ge=1, le=64, description="Torch intra-op threads; 1 is fastest for this tiny model."
    )

    @field_validator("api_key")
    @classmethod
    def _refuse_short_keys(cls, key: SecretStr | None) -> SecretStr | None:
        # An empty variable (API key left blank in .env) means "no key", not "the empty key".
        if key is None or key.get_secret_value() == "":
            return None
        if len(key.get_secret_value()) < 16:
            raise ValueError("CGPA_API_KEY must be at least 16 characters long")
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
