"""Settings from the environment (prefix ``GONGHUI_``), read once per process."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-0000000000"
MIN_SECRET_LENGTH = 32


class Env(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGHUI_", env_file=".env", extra="ignore")

    env: Env = Env.development
    database_url: str = f"sqlite:///{Path('var') / 'gonghui.db'}"
    #: connections kept open per process. A request holds one from loading the caller to its end, so
    #: this should cover the requests one process serves at once (the thread pool runs 40): below
    #: that, every request over the limit opens and closes a connection of its own (on PostgreSQL a
    #: new backend each time). Lower it when many processes share one PostgreSQL server.
    db_pool_size: int = Field(40, ge=1, le=1000)
    #: extra connections opened at peaks, beyond the pool (PostgreSQL; SQLite never makes a request wait)
    db_max_overflow: int = Field(20, ge=0, le=1000)
    secret_key: str = DEV_SECRET

    # Tokens
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_private_key_file: Path | None = None
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "gonghui"
    jwt_audience: str = "gonghui-api"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)

    # Login throttling: failures counted in a sliding window per account and per address.
    login_window_seconds: int = 900
    login_slowdown_after: int = 3
    login_slowdown_step_seconds: float = 0.5
    login_slowdown_max_seconds: float = 4.0
    login_lockout_account: int = 10
    login_lockout_address: int = 30

    # Personal data: the key ring for resident ID numbers (`gonghui new-pii-key`; the first one
    # encrypts, all decrypt, so a key can be rotated in: `gonghui rotate-pii-keys`), and the HMAC key
    # of the lookup hash. Derived from the secret key in development; required in production.
    pii_keys: list[str] = []
    pii_hmac_key: str | None = None

    # Dues: docs/rules.md §1 leaves the rounding of 0.5% of the wage open [?]; default half up to the fen.
    dues_rounding: Literal["half_up", "down", "up", "half_even"] = "half_up"

    # Motions to the workers' congress (docs/rules.md §3 [L]): defaults a congress takes when created.
    motion_deadline_days_before: int = Field(15, ge=0, le=365)
    motion_reply_months: int = Field(2, ge=1, le=24)
    motion_min_cosigners: int = Field(2, ge=0, le=50)

    # Collective contracts (docs/rules.md §2 [C]): 令22 Art 36 adopts a draft with "more than half of all
    # representatives"; read as strictly more (default) or as at least half. The periods and the other
    # thresholds are the national rules in api/rules/collective_contracts.py (RULES), with articles.
    negotiation_vote_majority: Literal["more_than_half", "at_least_half"] = "more_than_half"

    # Union funds (domain.md §5). Budget adjustments allowed per fiscal year [L]: None = unlimited (some
    # provinces allow one). Expenses of at least this amount need the reference of a collective
    # decision (重大事项集体决策) [?]: 5,000,000 fen = 50,000 yuan by default.
    funds_max_adjustments_per_year: int | None = Field(None, ge=0, le=50)
    funds_decision_threshold_fen: int = Field(5_000_000, ge=1)
    #: the province whose data (welfare caps, festivals, allocation share) a new chart takes by default
    funds_default_province: str = "anhui"

    cors_origins: list[str] = []
    idempotency_ttl_hours: int = 24
    log_json: bool = True
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if (
            self.env is Env.production
            and self.jwt_algorithm == "HS256"
            and (
                not self.secret_key
                or self.secret_key == DEV_SECRET
                or len(self.secret_key) < MIN_SECRET_LENGTH
            )
        ):
            raise ValueError(
                f"GONGHUI_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
                "characters in production"
            )
        if self.env is Env.production and not (self.pii_keys and self.pii_hmac_key):
            raise ValueError("GONGHUI_PII_KEYS and GONGHUI_PII_HMAC_KEY must be set in production")
        if self.jwt_algorithm == "RS256" and not (self.jwt_private_key_file and self.jwt_public_key_file):
            raise ValueError("RS256 needs GONGHUI_JWT_PRIVATE_KEY_FILE and GONGHUI_JWT_PUBLIC_KEY_FILE")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
