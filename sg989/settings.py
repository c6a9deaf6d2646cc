"""One Settings object for the whole application, read from SG989_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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

    # Encryption keys (issue 9): newest first, "id:base64,..."; else a key file (see sg989/keys.py).
    payload_keys: SecretStr = SecretStr("")
    payload_key_file: Path | None = None  # empty: data_dir/payload-keys, created once
    temporal_ui_origins: str = ""  # CORS for /codec; empty: the embedded UI on temporal_ui_port
    # Notifications (issue 10): e-mail over SMTP. On the embedded default `sg989 up` starts a
    # local sink on smtp_host:smtp_port that keeps every message under data_dir/mail.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "sg989@localhost"
    smtp_sink: bool = True  # `sg989 up` only; false when SG989_SMTP_HOST is a real server
    public_base_url: str = ""  # links in messages; empty: http://api_host:api_port
    notify_poll_seconds: float = 0.5
    # Operations (issue 11): the worker's Temporal SDK metrics, e.g. 0.0.0.0:9464 (empty: off);
    # `sg989 up` runs the worker and the API as two processes, as production does, or in one
    # ("one": less memory, but an API burst then shares the worker's event loop and GIL).
    worker_metrics_address: str = ""
    up_processes: str = "separate"  # separate | one
    # Web app (issue 12): signed session cookies; OpenID Connect in production.
    web_session_secret: str = ""  # empty: derived from the local signing key (embedded default)
    web_session_minutes: int = 480
    web_secure_cookies: bool = False  # true behind HTTPS (production)
    oidc_issuer: str = ""  # set: sign-in through this identity provider only
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_roles_claim: str = "roles"  # claim holding role names (or groups mapped below)
    oidc_units_claim: str = "units"
    oidc_role_map: dict[
        str, str
    ] = {}  # identity-provider value -> sg989 role, e.g. {"G-CDT": "commandant"}
    # The known units (issue 8): empty means the list shipped beside the policy.
    units_file: Path | None = None
    # Worker (issue 8): open cases kept in memory; an Update on an evicted case replays its
    # history (`python -m benchmarks.bench_writes --only memory` prints RSS and that cost).
    worker_max_cached_workflows: int = 1000
    # Spare sandboxes per workflow class, prepared while the worker is idle, so that loading a
    # case skips importing the workflow modules (sg989/sandbox_pool.py); 0 turns that off.
    worker_sandbox_pool: int = Field(default=2, ge=0, le=16)
    # Young-generation threshold of the garbage collector once started (sg989/collector.py);
    # 0 keeps Python's default of 700.
    gc_young_threshold: int = Field(default=10_000, ge=0, le=1_000_000)

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'sg989.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
