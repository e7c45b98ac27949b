"""Settings from the environment (prefix ``GONGHUI_``), read once per process."""

from __future__ import annotations

import base64
import os
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator
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
    # SQLite: run GET requests' short database calls (caller, the addressed object, a page of at most
    # 200 rows) on the event loop instead of the thread pool. It saves a thread-pool hop (~0.2 ms of CPU
    # per request) when the process has a core to itself; off by default because on a shared core one
    # thread gets a small share of the CPU against busy neighbours (measured: 0.48x the req/s of the
    # thread pool at a load average of 18, docs/benchmarks.md §6) and requests then queue in the sockets.
    sqlite_inline_reads: bool = False
    overload_retry_after_seconds: int = Field(1, ge=1, le=3600)
    # Freeze the objects alive after start-up out of the cyclic garbage collector's sight (gc.freeze),
    # so a full collection does not pause every request in flight for ~150 ms (api/main.py, lifespan).
    gc_freeze: bool = True
    # /metrics (api/metrics.py): open in development; in production only with this bearer token
    metrics_enabled: bool = True
    metrics_token: str | None = None
    # OpenTelemetry tracing (api/tracing.py; needs the `otel` extra): off by default, and then free.
    # The exporter, service name and sampling come from the standard OTEL_* environment variables.
    otel_enabled: bool = False

    # Background jobs (api/jobs, docs/scaling.md): "queue" runs imports and the deadline sweeps on the
    # PostgreSQL job queue (procrastinate) that `gonghui worker` processes on any host take jobs from;
    # "inprocess" runs them in threads of the serving process (the only choice on SQLite); "auto" picks
    # the queue on PostgreSQL and in-process on SQLite.
    job_runner: Literal["auto", "queue", "inprocess"] = "auto"
    #: attempts of a job whose worker died (no heartbeat) before it is failed for good
    job_max_attempts: int = Field(3, ge=1, le=20)
    #: a worker without a heartbeat for this long is dead, and its running jobs are retried or failed
    job_stalled_seconds: int = Field(30, ge=5, le=3600)
    #: how often the deadline sweeps run (cron; the queue's periodic task, or the in-process timer)
    job_sweep_cron: str = "*/10 * * * *"
    #: how often a worker looks for jobs of dead workers (cron; a sixth field counts seconds)
    job_reaper_cron: str = "* * * * *"
    #: whether this process runs the sweeps when jobs run in-process (the queue's workers always do)
    job_sweeps_enabled: bool = True
    #: where a queued import's upload waits for a worker; with workers on several hosts, a volume that
    #: every API and worker host mounts at this path
    import_spool_dir: Path = Path("var") / "imports"

    # Tokens
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_private_key_file: Path | None = None
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "gonghui"
    jwt_audience: str = "gonghui-api"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)

    # Login throttling (api.services.login_throttle): failures counted in a sliding window. After
    # `login_slowdown_after` failures of one (account, address) pair, that pair waits step * 2^n seconds
    # (capped at the max) before its next attempt; there is no account-wide lock (anyone could lock
    # anyone out). One address is refused after `login_lockout_address` failures in the window.
    login_window_seconds: int = Field(900, ge=1)
    login_slowdown_after: int = Field(3, ge=1)
    login_slowdown_step_seconds: float = Field(1.0, ge=0)
    login_slowdown_max_seconds: float = Field(900.0, ge=0)
    login_lockout_address: int = Field(30, ge=1)

    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # e.g. ["10.0.0.5", "10.1.0.0/16"]); nobody's by default, so the peer address is the client's.
    trusted_proxies: list[str] = []

    # Request limits (api.security.http): JSON and form bodies, and concurrent member imports.
    max_json_body_bytes: int = Field(1024 * 1024, ge=1024)
    max_validation_errors: int = Field(50, ge=1, le=1000)
    max_imports_per_unit: int = Field(2, ge=1)
    max_imports_total: int = Field(6, ge=1)

    # Full resident-ID reads per user in a sliding window; over it: 429 and an audit alert.
    national_id_reads_per_window: int = Field(60, ge=1)
    national_id_read_window_seconds: int = Field(600, ge=1)

    # Production surface: Swagger UI and /openapi.json (default: on in development, off in
    # production), and HSTS on responses served over HTTPS (0 turns it off).
    docs_enabled: bool | None = None
    hsts_seconds: int = Field(31_536_000, ge=0)

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
    def _refuse_bad_key_material(self) -> Settings:
        """Every problem with secrets and keys, one line each (``get_settings`` prints them and stops)."""
        problems = key_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def docs_on(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else self.env is Env.development

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def key_problems(settings: Settings) -> list[str]:
    """What is wrong with the secret, the token keys and the personal-data keys, one sentence each."""
    problems: list[str] = []
    production = settings.env is Env.production
    if (
        settings.jwt_algorithm == "HS256"
        and production
        and (
            not settings.secret_key
            or settings.secret_key == DEV_SECRET
            or len(settings.secret_key) < MIN_SECRET_LENGTH
        )
    ):
        problems.append(
            f"GONGHUI_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
            "characters in production"
        )
    if settings.jwt_algorithm == "RS256":
        for name, path in (
            ("GONGHUI_JWT_PRIVATE_KEY_FILE", settings.jwt_private_key_file),
            ("GONGHUI_JWT_PUBLIC_KEY_FILE", settings.jwt_public_key_file),
        ):
            if path is None:
                problems.append(f"RS256 needs {name}")
            elif not path.is_file() or not os.access(path, os.R_OK):
                problems.append(f"{name}: {path} is not a readable file")
    if production and not (settings.pii_keys and settings.pii_hmac_key):
        problems.append("GONGHUI_PII_KEYS and GONGHUI_PII_HMAC_KEY must be set in production")
    for index, key in enumerate(settings.pii_keys):
        if not _is_ring_key(key):
            problems.append(
                f"GONGHUI_PII_KEYS[{index}] is not a key from `gonghui new-pii-key` "
                "(32 random bytes in url-safe base64)"
            )
    if len(set(settings.pii_keys)) != len(settings.pii_keys):
        problems.append("GONGHUI_PII_KEYS lists the same key twice")
    if settings.pii_hmac_key is not None and len(settings.pii_hmac_key) < MIN_SECRET_LENGTH:
        problems.append(f"GONGHUI_PII_HMAC_KEY must be at least {MIN_SECRET_LENGTH} characters")
    return problems


def _is_ring_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key.encode(), altchars=b"-_", validate=True)) == 32
    except (ValueError, UnicodeEncodeError):
        return False


class ConfigurationError(SystemExit):
    """Stops the process with one line per configuration problem (no traceback)."""


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            where = ".".join(str(part) for part in error.get("loc", ()))
            for line in message.splitlines():
                lines.append(f"gonghui: configuration: {f'GONGHUI_{where.upper()}: ' if where else ''}{line}")
        raise ConfigurationError("\n".join(lines)) from None
