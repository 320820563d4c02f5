"""Configuration: bad values stop start-up with one line; defaults are safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from epigrid import config


def test_unknown_database_scheme_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="DATABASE_URL scheme 'mysql' is not supported"):
        config.load(
            {"EPIGRID_MODE": "test", "EPIGRID_DATA_DIR": str(tmp_path), "DATABASE_URL": "mysql://x/y"}
        )


def test_production_without_secret_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="EPIGRID_SECRET_KEY is not set"):
        config.load({"EPIGRID_DATA_DIR": str(tmp_path)})


def test_short_production_secret_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="shorter than 50"):
        config.load({"EPIGRID_DATA_DIR": str(tmp_path), "EPIGRID_SECRET_KEY": "short"})


def test_demo_mode_generates_and_keeps_a_secret(tmp_path):
    first = config.load({"EPIGRID_MODE": "demo", "EPIGRID_DATA_DIR": str(tmp_path)})
    second = config.load({"EPIGRID_MODE": "demo", "EPIGRID_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 50
    assert first.secret_key == second.secret_key
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EPIGRID_PORT", "eighty", "EPIGRID_PORT='eighty' is not an integer"),
        ("EPIGRID_PORT", "70000", "EPIGRID_PORT=70000 is outside 1..65535"),
        ("EPIGRID_HTTPS", "maybe", "EPIGRID_HTTPS='maybe' is not a boolean"),
        ("EPIGRID_MODE", "staging", "EPIGRID_MODE='staging' is not one of"),
        ("EPIGRID_TIME_ZONE", "Mars/Olympus", "is not a known time zone"),
        ("EPIGRID_LANGUAGE", "fr", "is not zh-hans or en"),
    ],
)
def test_bad_values_are_named(tmp_path, name, value, message):
    env = {"EPIGRID_MODE": "test", "EPIGRID_DATA_DIR": str(tmp_path), name: value}
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config.load(env)


def test_sqlite_defaults_to_wal_in_the_data_dir(tmp_path):
    cfg = config.load({"EPIGRID_MODE": "test", "EPIGRID_DATA_DIR": str(tmp_path)})
    assert cfg.database["NAME"] == str(tmp_path / "epigrid.sqlite3")
    options = cfg.database["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "synchronous=NORMAL" in options["init_command"]


def test_postgres_url_is_parsed(tmp_path):
    cfg = config.load(
        {
            "EPIGRID_MODE": "test",
            "EPIGRID_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://eg:p%40ss@db.local:5433/epigrid",
        }
    )
    assert cfg.database["ENGINE"] == "django.db.backends.postgresql"
    assert (cfg.database["NAME"], cfg.database["USER"], cfg.database["PASSWORD"]) == ("epigrid", "eg", "p@ss")
    assert (cfg.database["HOST"], cfg.database["PORT"]) == ("db.local", "5433")


def _run(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPIGRID_", "DATABASE_URL", "DJANGO_"))}
    env.update({"EPIGRID_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "epigrid.cli", "check"], env=env, capture_output=True, text=True, timeout=60
    )


def test_start_up_without_secret_stops_with_one_line(tmp_path):
    result = _run({}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("epigrid: configuration error: EPIGRID_SECRET_KEY is not set")


def test_start_up_with_unknown_database_scheme_stops_with_one_line(tmp_path):
    result = _run({"EPIGRID_MODE": "demo", "DATABASE_URL": "oracle://db/x"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "epigrid: configuration error: DATABASE_URL scheme 'oracle' is not supported: use sqlite:/// or postgres://"
    ]


def test_debug_is_refused_in_production(tmp_path):
    env = {"EPIGRID_DATA_DIR": str(tmp_path), "EPIGRID_SECRET_KEY": "k" * 60, "EPIGRID_DEBUG": "1"}
    with pytest.raises(config.ConfigError, match="EPIGRID_DEBUG=1 is refused in production mode"):
        config.load(env)


def test_deploy_checks_pass_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPIGRID_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "EPIGRID_DATA_DIR": str(tmp_path),
            "EPIGRID_SECRET_KEY": "s3cr3t-" * 10,
            "EPIGRID_HTTPS": "1",
            "EPIGRID_ALLOWED_HOSTS": "epigrid.example.gov.cn",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "epigrid.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_test_mode_has_no_fixed_secret(tmp_path):
    env = {"EPIGRID_MODE": "test", "EPIGRID_DATA_DIR": str(tmp_path)}
    assert config.load(env).secret_key != config.load(env).secret_key
