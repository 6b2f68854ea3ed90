"""Typed settings from `LASTMILE_*` environment variables or a `.env` file."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lastmile.errors import InsecureSettings

DEFAULT_SECRET_KEY = "development-only-secret-change-me"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTMILE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    map_name: str | None = None
    database_url: str | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    public_url: str = ""
    """Where people reach this server: the base of tracking links, sign-in links and e-mails.
    Unset: the address it is served on (`host` and `port`; see `served_url`)."""
    host: str = "127.0.0.1"
    port: int = 8000
    access_log: bool = True
    """One log line per request (off behind a proxy that logs them: it costs CPU per fix)."""
    gc_freeze: bool = True
    """Tune the garbage collector once started: freeze start-up objects, collect young ones
    less often (`runtime.py`)."""
    max_body_bytes: int = 5_000_000
    session_ttl_s: int = 12 * 3600
    idempotency_ttl_s: int = 24 * 3600
    idempotency_lease_s: float = Field(
        30.0,
        gt=0,
        description="seconds an Idempotency-Key claim holds unless its running request renews it; "
        "a claim left by a process that died is free again this long after",
    )
    vendor_dir: Path | None = None
    map_tile_url: str = ""
    map_tile_attribution: str = ""

    bus_url: str = "memory://"
    mqtt_url: str | None = None
    osmand_port: int | None = None
    ingest_max_accuracy_m: float = 100.0
    ingest_max_speed_mps: float = 70.0
    ingest_max_future_s: float = 300.0
    ingest_batch_wait_s: float = 0.005
    fix_retention_days: int = 90
    alert_sweep_s: float = Field(30.0, gt=0, description="seconds between GPS-lost/late sweeps")

    eta_model_path: Path | None = None
    """Learned ETA model (JSON from `lastmile eta backtest --model-out`); default
    `<data_dir>/eta_model.json` when present, else built-in defaults."""
    eta_min_interval_s: float = 30.0
    """Seconds between two live ETA updates of one driver's route; positions still go out with
    every fix. Each update re-forecasts every remaining stop and checks its notifications."""

    run_workers: bool = True
    notify_poll_interval_s: float = 1.0
    notify_batch_size: int = 20
    notify_lease_s: float = 60.0
    notify_max_attempts: int = 8
    notify_backoff_base_s: float = 10.0
    notify_backoff_max_s: float = 3600.0
    notify_send_timeout_s: float = 10.0
    webhook_allow_private: bool = False
    """Let webhooks go to loopback, private and link-local addresses (a self-hoster's LAN)."""
    sms_provider: Literal["console", "twilio"] = "console"
    sms_from: str = "Lastmile"
    call_masking: Literal["off", "console"] = "console"
    """How a driver calls a customer without seeing their number: `console` (the embedded
    default) logs that a call was bridged; `off` hides the "Call the customer" button."""
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    email_from: str = "Lastmile <no-reply@localhost>"
    vapid_private_key: SecretStr | None = None
    """Web push signing key (P-256; base64url raw or DER, or PEM); default: one made once and
    kept in `<data_dir>/vapid_private_key.pem`, so browsers' subscriptions survive restarts."""
    vapid_subject: str | None = None
    """Contact that push services see (`mailto:` or `https://`); default: the public URL when
    it is https, else the address of `email_from`."""
    push_ttl_s: int = Field(6 * 3600, gt=0, description="how long a push service keeps a push")

    rate_limits: bool = True
    """Answer 429 past the limits below (off only for benchmarks that measure without them)."""
    rate_limit_sign_in_ip: str = "30/minute;300/hour"
    """Password sign-in attempts from one IP address, in the notation of `limits`."""
    rate_limit_pin_sign_in_ip: str = "300/minute;3000/hour"
    """Driver PIN sign-ins from one IP address: a depot's drivers share its one address and
    sign in together at the start of the shift (each phone has its own account budget and the
    PIN lockout as well)."""
    rate_limit_sign_in_account: str = "10/minute;30/hour"
    """Sign-in attempts naming one account (an email, a driver's phone), from anywhere."""
    rate_limit_tracking_ip: str = "300/minute"
    """Requests to the public tracking pages (`/t/…`) from one IP address."""
    rate_limit_osmand_ip: str = "3000/minute"
    """OsmAnd (Traccar Client) requests from one IP address: a fleet may share a carrier's."""
    rate_limit_osmand_device: str = "600/minute"
    """OsmAnd requests naming one device id, known or not. Traccar Client sends one request
    per fix, and a phone back from ten offline minutes at one fix a second has 600 to send:
    this lets it catch up in a minute while a forger still cannot flood one driver."""
    rate_limit_api_key: str = "60000/minute"
    """Requests made with one API key: a runaway or stolen key's ceiling, not an integrator's.
    A fleet posting through the native API with one key sends a request per driver every few
    seconds (1,000 drivers every 5 s: 12,000 a minute), and the demo's own simulated fleet
    met the 6,000 this started at."""

    geocoder_url: str | None = None
    """A Nominatim or Photon service to geocode with (e.g. `https://nominatim.example.org`);
    unset: the embedded address index (`lastmile map import` builds it)."""
    geocoder_kind: Literal["auto", "nominatim", "photon"] = "auto"
    """`auto`: Photon when the URL names `photon`, else Nominatim."""
    geocoder_timeout_s: float = Field(5.0, gt=0, description="seconds per geocoding request")
    geocoder_min_interval_s: float = Field(
        1.0,
        ge=0,
        description="seconds between two requests to the geocoding service (Nominatim's "
        "usage policy: at most one a second; 0 for your own instance)",
    )
    geocoder_max_wait_s: float = Field(
        10.0,
        ge=0,
        description="seconds one request may wait, in all, for its turns at the geocoding "
        "service; texts left after that are not geocoded (their quality stays unknown)",
    )
    geocoder_cache_entries: int = Field(10_000, ge=0)
    geocoder_cache_ttl_s: float = Field(7 * 24 * 3600.0, gt=0)

    driver_session_ttl_s: int = 16 * 3600
    driver_link_ttl_s: int = 30 * 60
    driver_pin_max_failures: int = 5
    driver_pin_lockout_s: int = 15 * 60
    driver_geofence_m: float = 100.0
    pod_max_photo_bytes: int = 4_000_000
    blob_store: Literal["filesystem", "s3"] = "filesystem"
    """Where proof images go: `<data_dir>/blobs`, or a bucket of an S3-compatible server."""
    s3_endpoint_url: str | None = None
    """Empty for AWS itself; e.g. `http://minio:9000` for another S3-compatible server."""
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_key_prefix: str = ""

    @model_validator(mode="after")
    def _public_url_defaults_to_the_served_address(self) -> "Settings":
        if not self.public_url:
            self.public_url = served_url(self.host, self.port)
        return self

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> "Settings":
        if self.blob_store == "s3" and not self.s3_bucket:
            raise ValueError("LASTMILE_BLOB_STORE=s3 needs LASTMILE_S3_BUCKET")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: the configured one, or a SQLite file in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'lastmile.db').resolve()}"

    def check_production_ready(self) -> None:
        """Refuse to run in production on a default or weak secret, naming the setting."""
        if self.env != "production":
            return
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY:
            raise InsecureSettings(
                "LASTMILE_SECRET_KEY is the built-in development default: "
                "set it to a random string of at least 32 characters"
            )
        if len(secret) < MIN_SECRET_LENGTH:
            raise InsecureSettings(
                f"LASTMILE_SECRET_KEY is {len(secret)} characters long: "
                f"use at least {MIN_SECRET_LENGTH} random characters"
            )
        if not self.public_url.startswith("https://"):
            raise InsecureSettings(
                f"LASTMILE_PUBLIC_URL is {self.public_url!r}: production needs https:// "
                "so that session cookies stay secure"
            )


def served_url(host: str, port: int) -> str:
    """The URL of a server listening on `host`:`port`, as a browser on this machine reaches it
    (a wildcard address is reached on loopback).

    >>> served_url("0.0.0.0", 9000)
    'http://127.0.0.1:9000'
    >>> served_url("::", 8000), served_url("fe80::1", 80), served_url("lm.example", 8080)
    ('http://[::1]:8000', 'http://[fe80::1]:80', 'http://lm.example:8080')
    """
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def normalise_database_url(url: str) -> str:
    """Pick our drivers: `postgresql://` means psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
