"""Reliability tests run EpiGrid as the operator does: `epigrid ...` processes against a database file
(or a scratch PostgreSQL database) of their own, never the test run's in-memory database.

A small site is migrated and seeded once per session (a district down to a grid, an administrator,
households and people) and copied for each test: SQLite as a file, PostgreSQL as ``createdb -T``.
PostgreSQL sites exist only when DATABASE_URL names PostgreSQL; they are dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = urlsplit(DATABASE_URL).scheme in ("postgres", "postgresql")
needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgres://… (PostgreSQL)")

SEED = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import transaction
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.lib.idcard import make_id
from epigrid.people.services import household_register, person_register
from epigrid.regions.models import Level
from epigrid.regions.services import assignment_add, region_create

with transaction.atomic():
    district = region_create(code="420199", name="测试区", level=Level.DISTRICT, parent=None)
    town = region_create(code="420199100", name="甲镇", level=Level.TOWN, parent=district)
    village = region_create(code="420199100200", name="甲村", level=Level.VILLAGE, parent=town)
    grid = region_create(code="420199100200001", name="甲村第1网格", level=Level.GRID, parent=village)
    admin = User.objects.create_user(username="admin", password=None, role=Role.ADMIN)
    assignment_add(user=admin, region=district)
    for n in range(20):
        household = household_register(actor=None, grid=grid, number=f"{n:03d}", address=f"甲村{n}号")
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=97 * n)
        person_register(
            actor=None, household=household, name=f"王测{n}", sex="M", birth_date=birth,
            id_number=make_id(address_code="420106", birth=birth, sequence=n * 2 + 1),
        )
"""


@dataclass(frozen=True)
class Site:
    """One EpiGrid installation of a test: its environment, and its database (file or name)."""

    env: dict[str, str]
    data_dir: Path
    db_path: Path | None = None  # SQLite
    pg_name: str = ""  # PostgreSQL

    @property
    def engine(self) -> str:
        return "postgresql" if self.pg_name else "sqlite"


def child_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPIGRID_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "EPIGRID_MODE": "test",
            "EPIGRID_DATA_DIR": str(data_dir),
            "EPIGRID_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "epigrid.settings",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def epigrid(site: Site, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `epigrid ARGS` for the site; the caller checks the exit status and the output."""
    return subprocess.run(
        [sys.executable, "-m", "epigrid.cli", *args],
        env=site.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def python(site: Site, code: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run Python code with Django set up for the site (``django.setup()`` is the code's to call)."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=site.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def query(site: Site, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on the site's database (``%s`` placeholders) and return its rows."""
    if site.pg_name:
        import psycopg

        with psycopg.connect(pg_url(site.pg_name), autocommit=True) as conn:
            cursor = conn.execute(sql.encode(), params)  # type: ignore[call-overload]
            return list(cursor.fetchall()) if cursor.description else []
    assert site.db_path is not None
    db = sqlite3.connect(site.db_path, timeout=20)
    try:
        cursor = db.execute(sql.replace("%s", "?"), params)
        rows = cursor.fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def pg_url(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _pg_admin(*args: str) -> None:
    parts = urlsplit(DATABASE_URL)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    conn = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    subprocess.run([args[0], *conn, *args[1:]], env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    python(Site(child_env(folder), folder), SEED)
    return folder / "epigrid.sqlite3"


@pytest.fixture
def sqlite_site(tmp_path: Path, sqlite_template: Path) -> Site:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "epigrid.sqlite3")
    return Site(child_env(data), data, db_path=data / "epigrid.sqlite3")


_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ON_POSTGRES:
        pytest.skip("needs DATABASE_URL=postgres://… (PostgreSQL)")
    name = f"epigrid_reltemplate_{os.getpid()}"
    _pg_admin("dropdb", "--if-exists", name)
    _pg_admin("createdb", name)
    folder = tmp_path_factory.mktemp("pg-template")
    try:
        python(Site(child_env(folder, pg_url(name)), folder, pg_name=name), SEED)
        yield name
    finally:
        _pg_admin("dropdb", "--if-exists", "--force", name)


@pytest.fixture
def pg_site(tmp_path: Path, pg_template: str) -> Iterator[Site]:
    name = f"epigrid_restore_test_{os.getpid()}_{next(_numbers)}"
    _pg_admin("dropdb", "--if-exists", "--force", name)
    _pg_admin("createdb", "-T", pg_template, name)
    data = tmp_path / "data"
    data.mkdir()
    try:
        yield Site(child_env(data, pg_url(name)), data, pg_name=name)
    finally:
        _pg_admin("dropdb", "--if-exists", "--force", name)


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest) -> Site:
    """The SQLite site, and the PostgreSQL one when DATABASE_URL names PostgreSQL (else skipped)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_site")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_site")  # type: ignore[no-any-return]
