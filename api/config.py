"""Settings from the environment (prefix ``GONGHUI_``), read once per process."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-0000000000"
MIN_SECRET_LENGTH = 32


class Env(StrEnum):
    development = "development"
    production = "production"


VotingStatus = Literal["active", "transfer_pending", "retained"]


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

    # Overload (api/overload.py): requests one process serves at once; past this it answers 503
    # `overloaded` with Retry-After at once instead of queueing them (0 = never shed). Keep it below
    # db_pool_size + db_max_overflow on PostgreSQL: a request beyond the connections blocks a worker
    # thread while it waits for one, and once every thread waits, the requests holding connections
    # cannot finish either (until the pool's 30 s timeout: measured, docs/scaling.md).
    max_in_flight: int = Field(48, ge=0, le=100_000)
    overload_retry_after_seconds: int = Field(1, ge=1, le=3600)
    # /metrics (api/metrics.py): open in development; in production only with this bearer token
    metrics_enabled: bool = True
    metrics_token: str | None = None

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
    #: 0.5 % of the monthly wage [L] (docs/rules.md §1 Dues), ignoring the part of the wage under
    #: ``dues_floor_unit_fen`` (10 yuan) [L]
    dues_rate: Decimal = Field(Decimal("0.005"), ge=0, le=Decimal("0.1"), decimal_places=6)
    dues_floor_unit_fen: int = Field(1000, ge=1, le=1_000_000)

    # Membership (docs/rules.md §1 [L]): who votes, whether a withdrawn member may apply again
    #: statuses whose members vote and may be congress representatives; retained members lose voting
    #: rights by default [L: Beijing 2020]
    member_voting_statuses: list[VotingStatus] = Field(
        default_factory=lambda: list[VotingStatus](["active", "transfer_pending"]), min_length=1
    )
    #: a withdrawn member may apply again (withdrawn -> applied) [L]
    member_rejoin_allowed: bool = True

    # Motions to the workers' congress (docs/rules.md §3 [L]): defaults a congress takes when created.
    motion_deadline_days_before: int = Field(15, ge=0, le=365)
    motion_reply_months: int = Field(2, ge=1, le=24)
    motion_min_cosigners: int = Field(2, ge=0, le=50)
    #: the motion categories a union uses, as codes (docs/rules.md §3 [L]); labels are the clients' concern
    motion_categories: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")]] = Field(
        default_factory=lambda: [
            "production",
            "safety",
            "wages",
            "welfare",
            "democracy",
            "training",
            "other",
        ],
        min_length=1,
    )

    # Rationalisation proposals (合理化建议, docs/rules.md §3 [L]): months the department has to answer
    rationalisation_reply_months: int = Field(2, ge=1, le=24)
    rationalisation_major_reply_months: int = Field(3, ge=1, le=24)

    # Hardship aid (domain.md §4 [L]): the 低保 multiples of deep and relative hardship, the share of
    # the annual income accident costs must exceed, the notice period in working days, the labour
    # relationship a migrant worker needs, the review cycle and how long closed files are kept.
    aid_deep_multiple: Decimal = Field(Decimal("1"), gt=0, le=10)
    aid_relative_multiple: Decimal = Field(Decimal("2"), gt=0, le=10)
    aid_accident_cost_share: Decimal = Field(Decimal("0.8"), gt=0, le=10)
    aid_notice_working_days: int = Field(5, ge=1, le=60)
    aid_migrant_min_labour_years: int = Field(1, ge=0, le=20)
    aid_review_months: int = Field(12, ge=1, le=60)
    aid_review_warning_days: int = Field(30, ge=0, le=365)
    aid_retention_years: int = Field(10, ge=1, le=100)

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
