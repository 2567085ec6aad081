"""Configuration defaults; environment variables override them.

FIELDAPP_ENV, SECRET_KEY, DATABASE_URL, MAX_PHOTO_MB, MAX_UPLOAD_MB, MAP_TILE_URL and
MAP_TILE_ATTRIBUTION are read from the environment by `load_config`; then any
FIELDAPP_<NAME> variable sets <NAME> through Flask's `from_prefixed_env`, its value read
as JSON when it is JSON (FIELDAPP_GPS_MAX_DISTANCE_M=250 gives the number 250, `true`
and `false` give booleans) and as text otherwise.
"""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from fieldapp import clock

# OWASP's advice for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1.
PASSWORD_HASH_METHOD = "scrypt:131072:8:1"

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _local_secret_key(instance: Path) -> str:
    """Return a random key kept in instance/, so local sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _database_url(url: str | None, instance: Path) -> str:
    if not url:
        return f"sqlite:///{instance / 'fieldapp.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


ENVIRONMENTS = ("development", "production")
# What a server needs from its environment, with what to set it to.
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "a long random text, the same on every server, e.g. the output of "
    "`python3 -c 'import secrets; print(secrets.token_hex(32))'`",
    "DATABASE_URL": "the database, e.g. postgresql://fieldapp:PASSWORD@127.0.0.1/fieldapp",
}


def environment(env=os.environ) -> str:
    """FIELDAPP_ENV: `development` (the default: `make run`, the commands, the tests) or
    `production`, which needs SECRET_KEY and DATABASE_URL from the environment."""
    raw = env.get("FIELDAPP_ENV", "")
    name = raw.strip().lower() or "development"
    if name not in ENVIRONMENTS:
        raise SettingError(
            f"FIELDAPP_ENV={raw!r}: the setting ENV needs production or development."
        )
    if name == "production":
        missing = [var for var in REQUIRED_IN_PRODUCTION if not env.get(var, "").strip()]
        if missing:
            wanted = "; ".join(f"{var}: {REQUIRED_IN_PRODUCTION[var]}" for var in missing)
            raise SettingError(
                f"FIELDAPP_ENV=production: set {' and '.join(missing)} in the environment "
                f"({wanted}). deploy/.env.example lists every setting."
            )
    return name


def load_config(instance: Path = INSTANCE) -> dict:
    """Build the configuration from defaults and the environment."""
    env = os.environ
    production = environment(env) == "production"
    photo_mb = float(env.get("MAX_PHOTO_MB", "10"))
    upload_mb = float(env.get("MAX_UPLOAD_MB", "62"))  # six photos of 10 MB and the form
    config = {
        "SECRET_KEY": env.get("SECRET_KEY") or _local_secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance),
        "ENV": "production" if production else "development",
        # An SQL error's message leaves out its parameters (a password hash, a token): the
        # log keeps nothing secret.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAX_PHOTO_BYTES": int(photo_mb * 1024 * 1024),
        "MAX_CONTENT_LENGTH": int(upload_mb * 1024 * 1024),
        "MAX_PHOTOS": 6,
        # Photos are re-encoded to at most this many pixels on the longest side.
        "PHOTO_MAX_SIDE": 1600,
        # An uploaded photo (or scan) announcing more pixels than this is refused before it
        # is decoded; a phone photo is about 12 megapixels.
        "MAX_PHOTO_PIXELS": 40_000_000,
        # Copied here from the npm package by the set-up (`make install`).
        "POSTER_FONT_DIR": str(ROOT / "static" / "vendor" / "fonts" / "be-vietnam-pro"),
        # The letter's serif face (Tinos: Times New Roman's metrics, Vietnamese), `make install`.
        "LETTER_FONT_DIR": str(ROOT / "static" / "vendor" / "fonts" / "tinos"),
        "POSTER_FOLDER": str(instance / "posters"),
        # Spreadsheets of national figures wait here between their preview and their import.
        "FIGURES_UPLOAD_FOLDER": str(instance / "figure-imports"),
        # Where photos, batch PDFs and waiting spreadsheets live (fieldapp/storage.py): empty,
        # the three folders above; s3://bucket/prefix, S3-compatible object storage, at
        # FIELDAPP_S3_ENDPOINT_URL (empty: AWS), with the standard AWS_* variables.
        "STORAGE_URL": "",
        "S3_ENDPOINT_URL": "",
        # The weekly notice's issuer; {district} and {province} are filled in.
        "REPORT_ISSUER": "UBND huyện {district}",
        "PROVINCE_REPORT_ISSUER": "UBND tỉnh {province}",
        # The national summary's issuer (a national supervisor's office).
        "NATIONAL_REPORT_ISSUER": "Bộ Thông tin và Truyền thông",
        # The address citizens reach the app at, printed in every poster's second code
        # (<PUBLIC_BASE_URL>/p/<venue code>); set FIELDAPP_PUBLIC_BASE_URL on a server.
        "PUBLIC_BASE_URL": "http://localhost:5000",
        # {district} and {province} (names) and {district_unit} and {province_unit} (written
        # by their kinds: "quận Ba Đình") are filled in; FIELDAPP_POSTER_ISSUER overrides it.
        "POSTER_ISSUER": "Phòng Văn hóa và Thông tin {district_unit}",
        # The job queue (fieldapp/jobs.py): empty, Huey's SQLite storage in instance/jobs.db;
        # sqlite:////path/queue.db another file; redis://host:6379/0 a Redis server. The
        # consumer is `flask --app wsgi jobs-worker` (`make run` starts one).
        "QUEUE_URL": "",
        # Run each job at once inside the request that asks for it, with no queue or
        # consumer (the tests do).
        "JOBS_IMMEDIATE": False,
        # A poster batch that made no progress for this many minutes shows as failed, with
        # "Try again".
        "BATCH_TIMEOUT_MINUTES": 30,
        # A venue registry import (a job) not finished this many minutes after it started,
        # or still waiting for a worker, shows as failed; it writes nothing from then on.
        "IMPORT_TIMEOUT_MINUTES": 30,
        # A batch being made that saved no progress for this many seconds lost its worker
        # (killed, machine gone): the consumer's check, every minute, queues it again. Keep
        # it well above the time one chunk of pages takes (100 pages: a few seconds).
        "BATCH_LEASE_SECONDS": 120,
        # Pages rendered together before they go to disk and the progress is saved.
        "BATCH_CHUNK": 100,
        # Tests only: seconds to wait after each page, to catch a batch in the middle.
        "BATCH_TEST_PAGE_DELAY": 0.0,
        # Map tiles, e.g. https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png; empty: none
        # (the markers show on a plain background, with no internet).
        "MAP_TILE_URL": env.get("MAP_TILE_URL", ""),
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", ""),
        # A venue found non-compliant this many times is listed for escalation.
        "ESCALATION_THRESHOLD": 3,
        # A citizen's report is answered within this many working days (weekends and the
        # public holidays in the public_holiday table skipped).
        "CITIZEN_REPORT_WORKING_DAYS": 3,
        "GPS_MAX_ACCURACY_M": 100,
        "GPS_MAX_DISTANCE_M": 300,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": clock.TIME_ZONE,  # shown dates are Vietnam's; stored ones UTC
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "SEARCH_PAGE_SIZE": 30,
        # The map draws each venue up to this many in its box, and counts per cell above (a
        # province, the country, a large district at its first view: more dots of 16 px
        # would cover a 360 px map).
        "MAP_MARKER_MAX": 300,
        # Pages, fragments, JSON, CSS and JS leave compressed (gzip, or brotli when asked).
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # static files are streamed
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
        ],
        "PASSWORD_HASH_METHOD": PASSWORD_HASH_METHOD,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Served over HTTPS: the session and remember-me cookies are sent only over HTTPS.
        # On in production.
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # A session without "keep me logged in" ends after this many minutes without a
        # request, and this many hours after its log-in in any case.
        "SESSION_IDLE_MINUTES": 120,
        "SESSION_LIFETIME_HOURS": 12,
        # "Keep me logged in on this phone" lasts this many days from the log-in (at most 30).
        "REMEMBER_DAYS": 30,
        # Log-in attempts that fail, per username and per client address (Flask-Limiter's
        # notation, several separated by ";"); the counts live in memory, or in Redis with
        # FIELDAPP_RATELIMIT_STORAGE_URI=redis://host:6379 (needed with several workers).
        "LOGIN_LIMITS_PER_ACCOUNT": "5/minute;30/hour",
        "LOGIN_LIMITS_PER_ADDRESS": "100/hour",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Citizens' reports sent by the public form (fieldapp/citizens/public_routes.py): every
        # post per client address (many phones share an address behind a carrier's NAT), and
        # reports received per venue (the same venue and problem joins as +1 anyway).
        "PUBLIC_REPORT_LIMITS_PER_ADDRESS": "20/hour;100/day",
        "PUBLIC_REPORT_LIMITS_PER_VENUE": "30/day",
        # The public form's pages and its venue search as typed, per client address.
        "PUBLIC_SEARCH_LIMITS_PER_ADDRESS": "1000/hour",
        # CSRF tokens live as long as the session (a new one at each log-in and log-out):
        # a form opened in the morning, or a finding queued offline, must still submit in
        # the afternoon.
        "WTF_CSRF_TIME_LIMIT": None,
        # Origins besides the app's own allowed to post (e.g. behind a renaming proxy):
        # FIELDAPP_TRUSTED_ORIGINS, comma-separated or a JSON list.
        "TRUSTED_ORIGINS": [],
        # Strict-Transport-Security's max-age, sent only on requests that came over HTTPS
        # (behind a proxy, the proxy must say so: X-Forwarded-Proto with ProxyFix); 0: none.
        "HSTS_MAX_AGE": 31536000,
        # How many reverse proxies (nginx, a load balancer) stand in front of the app: their
        # X-Forwarded-For, -Proto and -Host headers give the client's address, the scheme
        # and the host (werkzeug's ProxyFix), and X-Request-Id the request's id. 0: none is
        # trusted (the app is reached directly).
        "TRUSTED_PROXIES": 0,
        # The log on standard output: `json` (one object a line: production's default) or
        # `text` (Flask's and the development server's usual lines).
        "LOG_FORMAT": "json" if production else "text",
    }
    return config


PREFIX = "FIELDAPP"
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingError(ValueError):
    """A FIELDAPP_<NAME> variable whose value cannot be the setting's kind: the app does not
    start, rather than fail later on every request that reads it."""


def typed_setting(name: str, raw: str, default):
    """The value of FIELDAPP_<name>=raw as the kind of its default: a yes/no, a whole number,
    a number, text or a list (comma-separated or JSON)."""
    kind = type(default)
    try:
        if kind is bool:
            word = raw.strip().lower()
            if word not in TRUE_WORDS + FALSE_WORDS:
                raise ValueError
            return word in TRUE_WORDS
        if kind in (int, float):  # a limit in metres may be 75.5 even if its default is 100
            text = raw.strip()
            return int(text) if text.lstrip("-").isdigit() else float(text)
        if kind is str:
            return raw
        if kind is list:
            value = json.loads(raw) if raw.strip().startswith("[") else raw.split(",")
            return [item.strip() for item in value if str(item).strip()]
    except ValueError:
        words = {bool: "true or false", int: "a number", float: "a number", list: "a list"}
        raise SettingError(
            f"{PREFIX}_{name}={raw!r}: the setting {name} needs {words[kind]}."
        ) from None
    return None


def configure(app: Flask, overrides: dict | None = None) -> None:
    """Set the app's configuration: defaults, then the environment, then `overrides`.

    FIELDAPP_<NAME> variables are read by Flask's `from_prefixed_env`; a setting that has a
    default of a plain kind then takes the variable as that kind (so `no` is False and
    `250m` for a distance stops the start with a message)."""
    defaults = load_config(Path(app.instance_path))
    app.config.update(defaults)
    app.config.from_prefixed_env(PREFIX)
    for variable, raw in os.environ.items():
        name = variable.removeprefix(f"{PREFIX}_")
        if variable.startswith(f"{PREFIX}_") and name in defaults:
            value = typed_setting(name, raw, defaults[name])
            if value is not None:
                app.config[name] = value
    if overrides:
        app.config.update(overrides)
    _derive_cookie_settings(app)
    _derive_engine_options(app)


def _derive_engine_options(app: Flask) -> None:
    """ENGINE-SPECIFIC: the database connections' options, by engine.

    PostgreSQL: transactions run READ COMMITTED (its default), whatever the server's
    default_transaction_isolation says: the claim of a form's UUID
    (inspections/service.py, claim_uuid) waits for a racing post's transaction and then
    must see what it committed; and connecting gives up after 10 s. SQLite: nothing to set
    (one writer at a time).
    Both branches are tested: the suite runs on each engine (tests/test_config.py,
    test_transactions_run_as_the_uuid_claim_needs and the test after it)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        options.setdefault("isolation_level", "READ COMMITTED")
        # An unreachable server is given up after this many seconds (not the system's minutes),
        # so /healthz answers 503 while a load balancer still waits for it.
        options["connect_args"] = {"connect_timeout": 10, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


MAX_REMEMBER_DAYS = 30


def _derive_cookie_settings(app: Flask) -> None:
    """Flask-Login's and Flask's cookie settings follow the app's own."""
    config = app.config
    config["REMEMBER_DAYS"] = min(config["REMEMBER_DAYS"], MAX_REMEMBER_DAYS)
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["REMEMBER_DAYS"])
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_LIFETIME_HOURS"])
