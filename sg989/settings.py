"""One Settings object for the whole application, read from SG989_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SG989_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite file under data_dir
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "sg989-cases"
    policy_file: Path | None = None  # empty: the policy shipped with sg989
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    log_format: str = "console"  # console | json

    # Authentication (issue 3): JWKS in production, a local signing key on the embedded default.
    jwt_issuer: str = "sg989-local"
    jwt_audience: str = "sg989"
    jwks_url: str = ""
    local_signing_key_file: Path | None = None

    # The known units (issue 8): empty means the list shipped beside the policy.
    units_file: Path | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'sg989.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
