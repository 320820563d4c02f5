"""Read EpiGrid's configuration from the environment, once, failing loudly on bad values.

Every variable is listed in ``VARIABLES`` (the README's configuration table is checked against it by
``tests/core/test_settings_documented.py``). Parsing lives here, apart from ``settings.py``, so the
command-line entry point can validate the environment and print one line before Django starts.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

MODES = ("production", "demo", "test")

# name -> (default shown in the README, one-line meaning)
VARIABLES: dict[str, tuple[str, str]] = {
    "EPIGRID_MODE": ("production", "production, demo or test; demo and test generate a local secret key"),
    "EPIGRID_SECRET_KEY": ("(required in production)", "Django secret key, at least 50 characters"),
    "DATABASE_URL": (
        "sqlite:///<data dir>/epigrid.sqlite3",
        "sqlite:///path or postgres://user:pass@host:port/name (psycopg 3)",
    ),
    "EPIGRID_DATA_DIR": ("./data", "local folder for the SQLite database, demo secret and uploads"),
    "EPIGRID_ALLOWED_HOSTS": ("localhost,127.0.0.1", "comma-separated host names the site answers to"),
    "EPIGRID_CSRF_TRUSTED_ORIGINS": (
        "(empty)",
        "comma-separated origins, e.g. https://epigrid.example.gov.cn",
    ),
    "EPIGRID_HTTPS": ("0", "1 behind TLS: secure cookies, HSTS, redirect to https"),
    "EPIGRID_DEBUG": ("0", "1 shows Django's debug pages; refused in production mode"),
    "EPIGRID_TIME_ZONE": ("Asia/Shanghai", "time zone that defines the local day"),
    "EPIGRID_LANGUAGE": ("zh-hans", "default interface language: zh-hans or en"),
    "EPIGRID_LOGIN_MAX_FAILURES": ("5", "failed log-ins before an account is locked"),
    "EPIGRID_SUPPLY_WARN_DAYS": ("3", "warn when an item's stock lasts fewer days than this (1-30)"),
    "EPIGRID_DASHBOARD_REFRESH": ("60", "seconds a dashboard snapshot is served before a refresh (5-3600)"),
    "EPIGRID_LOGIN_LOCKOUT_MINUTES": (
        "15",
        "how long a lockout lasts and the window failures are counted in",
    ),
    "EPIGRID_HOST": ("127.0.0.1", "address `epigrid serve` and `epigrid demo` listen on"),
    "EPIGRID_PORT": ("8000", "port `epigrid serve` and `epigrid demo` listen on"),
    "EPIGRID_WEB_WORKERS": ("2", "web server worker processes for `epigrid serve`"),
    "EPIGRID_WEB_THREADS": ("4", "threads per web worker"),
    "EPIGRID_LOG_LEVEL": ("INFO", "DEBUG, INFO, WARNING or ERROR"),
    "EPIGRID_OUTBREAK_AREAS": (
        "湖北",
        "comma-separated provinces or cities counted as the outbreak area (transit included)",
    ),
    "EPIGRID_REPORT_CUTOFF": (
        "18:00",
        "local time (HH:MM, or 24:00) at which the daily report's figures are taken",
    ),
    "EPIGRID_REPORT_GRACE_MINUTES": (
        "60",
        "minutes after the cut-off a unit's daily report is still on time; later ones are marked late",
    ),
    "EPIGRID_PUBLIC_MIN_COUNT": (
        "5",
        "on public pages, counts of a town from 1 to this minus 1 are shown as <N (2-100)",
    ),
    "EPIGRID_PUBLIC_CACHE_SECONDS": (
        "60",
        "seconds a public page is cached by the web process and by browsers (0-3600; 0: not cached)",
    ),
    "EPIGRID_SELFREPORT_FAST_PATH": (
        "1",
        "0 sends self-report submissions (POST /r/<token>/) through Django's full request stack too",
    ),
}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Config:
    mode: str
    secret_key: str
    database: dict[str, object]
    data_dir: Path
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    https: bool
    debug: bool
    time_zone: str
    language: str
    login_max_failures: int
    supply_warn_days: int
    dashboard_refresh: int
    login_lockout_minutes: int
    host: str
    port: int
    web_workers: int
    web_threads: int
    log_level: str
    outbreak_areas: list[str]
    report_cutoff: str
    report_grace_minutes: int
    selfreport_fast_path: bool = True
    public_min_count: int = 5
    public_cache_seconds: int = 60


def _env(name: str, environ: dict[str, str]) -> str:
    return environ.get(name, "").strip()


def _bool(name: str, environ: dict[str, str], default: bool = False) -> bool:
    raw = _env(name, environ).lower()
    if not raw:
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1 or 0)")


def _int(name: str, environ: dict[str, str], default: int, low: int, high: int) -> int:
    raw = _env(name, environ)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is outside {low}..{high}")
    return value


def _list(name: str, environ: dict[str, str], default: list[str]) -> list[str]:
    raw = _env(name, environ)
    if not raw:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_database_url(url: str, *, data_dir: Path) -> dict[str, object]:
    """Turn DATABASE_URL into a Django DATABASES entry; only sqlite and postgres are accepted."""
    if not url:
        url = f"sqlite:///{data_dir / 'epigrid.sqlite3'}"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/x.db and sqlite:////abs/x.db, as in dj-database-url.
        name = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not name:
            raise ConfigError(f"DATABASE_URL {url!r} names no SQLite file")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-64000;"
                    "PRAGMA mmap_size=268435456;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
            "TEST": {"NAME": None},
        }
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("DATABASE_URL for PostgreSQL names no database (postgres://host/NAME)")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError("DATABASE_URL has a port that is not a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {},
            "TEST": {"NAME": f"test_{name}"},
        }
    shown = scheme or "(none)"
    raise ConfigError(f"DATABASE_URL scheme {shown!r} is not supported: use sqlite:/// or postgres://")


def _cutoff(name: str, environ: dict[str, str], default: str) -> str:
    raw = _env(name, environ) or default
    if raw == "24:00":
        return raw
    hours, sep, minutes = raw.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ConfigError(f"{name}={raw!r} is not a time of day (HH:MM, e.g. 18:00)")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise ConfigError(f"{name}={raw!r} is not a time of day (HH:MM, e.g. 18:00)")
    return f"{int(hours):02d}:{minutes}"


def _secret_key(mode: str, environ: dict[str, str], data_dir: Path) -> str:
    key = _env("EPIGRID_SECRET_KEY", environ)
    if key:
        if mode == "production" and len(key) < 50:
            raise ConfigError("EPIGRID_SECRET_KEY is shorter than 50 characters")
        return key
    if mode == "production":
        raise ConfigError(
            "EPIGRID_SECRET_KEY is not set: production needs a secret key (or run `epigrid demo`)"
        )
    if mode == "test":
        # A fresh random key per process: test mode must not become a known-secret back door.
        return secrets.token_urlsafe(50)
    # Demo mode: generate once and keep it, so sessions survive a restart of the demo.
    path = data_dir / "demo-secret-key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key, encoding="ascii")
    path.chmod(0o600)
    return key


def load(environ: dict[str, str] | None = None) -> Config:
    """Read and validate every EpiGrid variable; raise ConfigError with a one-line message."""
    env = dict(os.environ if environ is None else environ)
    mode = _env("EPIGRID_MODE", env).lower() or "production"
    if mode not in MODES:
        raise ConfigError(f"EPIGRID_MODE={mode!r} is not one of {', '.join(MODES)}")
    data_dir = Path(_env("EPIGRID_DATA_DIR", env) or BASE_DIR / "data").resolve()
    language = _env("EPIGRID_LANGUAGE", env).lower() or "zh-hans"
    if language not in ("zh-hans", "en"):
        raise ConfigError(f"EPIGRID_LANGUAGE={language!r} is not zh-hans or en")
    log_level = _env("EPIGRID_LOG_LEVEL", env).upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"EPIGRID_LOG_LEVEL={log_level!r} is not DEBUG, INFO, WARNING or ERROR")
    time_zone = _env("EPIGRID_TIME_ZONE", env) or "Asia/Shanghai"
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"EPIGRID_TIME_ZONE={time_zone!r} is not a known time zone") from None
    debug = _bool("EPIGRID_DEBUG", env)
    if debug and mode == "production":
        # Debug pages print settings, SQL and local variables: personal data must never reach them.
        raise ConfigError("EPIGRID_DEBUG=1 is refused in production mode (debug pages show personal data)")
    return Config(
        mode=mode,
        secret_key=_secret_key(mode, env, data_dir),
        database=parse_database_url(_env("DATABASE_URL", env), data_dir=data_dir),
        data_dir=data_dir,
        allowed_hosts=_list("EPIGRID_ALLOWED_HOSTS", env, ["localhost", "127.0.0.1", "[::1]"]),
        csrf_trusted_origins=_list("EPIGRID_CSRF_TRUSTED_ORIGINS", env, []),
        https=_bool("EPIGRID_HTTPS", env),
        debug=debug,
        time_zone=time_zone,
        language=language,
        login_max_failures=_int("EPIGRID_LOGIN_MAX_FAILURES", env, 5, 1, 100),
        supply_warn_days=_int("EPIGRID_SUPPLY_WARN_DAYS", env, 3, 1, 30),
        dashboard_refresh=_int("EPIGRID_DASHBOARD_REFRESH", env, 60, 5, 3600),
        login_lockout_minutes=_int("EPIGRID_LOGIN_LOCKOUT_MINUTES", env, 15, 1, 24 * 60),
        host=_env("EPIGRID_HOST", env) or "127.0.0.1",
        port=_int("EPIGRID_PORT", env, 8000, 1, 65535),
        web_workers=_int("EPIGRID_WEB_WORKERS", env, 2, 1, 64),
        web_threads=_int("EPIGRID_WEB_THREADS", env, 4, 1, 256),
        log_level=log_level,
        outbreak_areas=_list("EPIGRID_OUTBREAK_AREAS", env, ["湖北"]),
        report_cutoff=_cutoff("EPIGRID_REPORT_CUTOFF", env, "18:00"),
        report_grace_minutes=_int("EPIGRID_REPORT_GRACE_MINUTES", env, 60, 0, 24 * 60),
        selfreport_fast_path=_bool("EPIGRID_SELFREPORT_FAST_PATH", env, default=True),
        public_min_count=_int("EPIGRID_PUBLIC_MIN_COUNT", env, 5, 2, 100),
        public_cache_seconds=_int("EPIGRID_PUBLIC_CACHE_SECONDS", env, 60, 0, 3600),
    )
