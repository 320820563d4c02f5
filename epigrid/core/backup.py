"""Backups that verify themselves, and restores that check a backup before they touch the database.

A backup is one file (SQLite: a copy of the database; PostgreSQL: a ``pg_dump -Fc`` archive) and a
manifest beside it (``<file>.manifest.json``): format version, engine, the latest applied migration of
every app, the row count of every table, the file's size and sha256, and when it was made.

Consistency while the site runs. The row counts are read in the same snapshot the copy is made from,
so "the copy holds exactly these rows" is checked, not assumed:

- SQLite: one connection opens a read transaction (in WAL mode writers go on meanwhile), counts every
  table, and hands that snapshot to the online backup API (``sqlite3.Connection.backup``, in one step).
  The copy is switched to ``journal_mode=DELETE`` (one self-contained file), checked with
  ``PRAGMA integrity_check`` and counted again; any difference refuses the backup.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot (``pg_export_snapshot()``), counts
  every table and runs ``pg_dump --snapshot`` on it; the archive is read back with
  ``pg_restore --list`` and must hold the data of every counted table.

A restore refuses, with one line saying why, a backup whose file does not match its manifest (size,
sha256), a backup of the other engine, a backup made by a newer EpiGrid (a migration this code does
not know), and a database that holds data (users, regions or people) unless ``force``. SQLite: the
backup is copied to a temporary file beside the database and verified there, then moved over the
database with one ``os.replace``; the web server and the worker must be stopped (checked: the
database must be lockable exclusively). PostgreSQL: ``pg_restore --clean --if-exists
--single-transaction``. Afterwards every table is counted again and compared with the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction

FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
SQLITE_TIMEOUT = 20.0  # seconds, as the application's connections (epigrid.config)
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: dict[str, object]


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    manifest: dict[str, object]
    counts: dict[str, int]
    # Migrations the code has and the backup had not: `epigrid migrate` brings the database up to date.
    pending_migrations: list[str]
    dropped_tables: list[str]


def engine() -> str:
    """``sqlite`` or ``postgresql``: the engine of the configured database."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of a {vendor} database are not supported")
    return vendor


def manifest_path_of(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _latest_migrations(rows: list[tuple[str, str]]) -> dict[str, str]:
    """The last applied migration of each app, from ``django_migrations`` rows in id order."""
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[app] = name
    return dict(sorted(latest.items()))


def default_output(kind: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if kind == "sqlite" else ".dump"
    return Path(settings.DATA_DIR) / "backups" / f"epigrid-{stamp}{suffix}"


def _target(output: Path | None, kind: str) -> Path:
    path = default_output(kind) if output is None else output
    if path.is_dir():
        path = path / default_output(kind).name
    if path.exists() or manifest_path_of(path).exists():
        raise BackupError(f"{path} already exists: choose another --output")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _private(path: Path) -> None:
    """Backups hold personal data: readable by their owner only."""
    with contextlib.suppress(OSError):
        path.chmod(0o600)


def _write_manifest(path: Path, manifest: dict[str, object]) -> Path:
    target = manifest_path_of(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _private(partial)
    os.replace(partial, target)
    return target


def _manifest(kind: str, path: Path, migrations: dict[str, str], counts: dict[str, int]) -> dict[str, object]:
    return {
        "format": FORMAT_VERSION,
        "engine": kind,
        "file": path.name,
        "size": path.stat().st_size,
        "sha256": file_sha256(path),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "migrations": migrations,
        "counts": dict(sorted(counts.items())),
    }


def backup_create(output: Path | None = None) -> BackupResult:
    """Back up the configured database to ``output`` (default: <data dir>/backups/) and verify it."""
    kind = engine()
    path = _target(output, kind)
    partial = path.with_name(path.name + ".partial")
    try:
        if kind == "sqlite":
            migrations, counts = _sqlite_backup(partial)
        else:
            migrations, counts = _pg_backup(partial)
        _private(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    manifest = _manifest(kind, path, migrations, counts)
    return BackupResult(path, _write_manifest(path, manifest), manifest)


# --- SQLite ------------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {t: int(db.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0]) for t in _sqlite_tables(db)}  # noqa: S608


def _sqlite_migrations(db: sqlite3.Connection) -> dict[str, str]:
    if "django_migrations" not in _sqlite_tables(db):
        return {}
    return _latest_migrations(db.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall())


def _sqlite_verify(path: Path, counts: dict[str, int]) -> None:
    """Raise unless the SQLite file at ``path`` passes integrity_check and holds exactly ``counts``."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise BackupError(f"{path.name} fails PRAGMA integrity_check: {problems[0]}")
        found = _sqlite_counts(db)
    finally:
        db.close()
    _compare_counts(path, counts, found)


def _compare_counts(path: Path, expected: dict[str, int], found: dict[str, int]) -> None:
    missing = sorted(set(expected) - set(found))
    if missing:
        raise BackupError(f"{path.name}: table {missing[0]} is missing ({len(missing)} tables in all)")
    wrong = [t for t in sorted(expected) if found[t] != expected[t]]
    if wrong:
        t = wrong[0]
        raise BackupError(
            f"{path.name}: table {t} holds {found[t]} rows, the manifest says {expected[t]} "
            f"({len(wrong)} tables differ)"
        )


def _sqlite_backup(partial: Path) -> tuple[dict[str, str], dict[str, int]]:
    source_path = _sqlite_path()
    if not source_path.exists():
        raise BackupError(f"the database {source_path} does not exist")
    source = sqlite3.connect(source_path, timeout=SQLITE_TIMEOUT, isolation_level=None)
    try:
        # One read transaction: the counts and the copy are the same snapshot while others write.
        source.execute("BEGIN")
        counts = _sqlite_counts(source)
        migrations = _sqlite_migrations(source)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(copy)  # pages=-1: in one step, from this connection's snapshot
            # One self-contained file: a WAL-mode copy would look for a -wal file beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        source.execute("COMMIT")
    finally:
        source.close()
    _sqlite_verify(partial, counts)
    return migrations, counts


# --- PostgreSQL --------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """Find ``pg_dump``/``pg_restore``: on PATH, else the Debian/Ubuntu server folders."""
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    raise BackupError(
        f"{name} not found on PATH nor in {', '.join(PG_BIN_DIRS)}: install the PostgreSQL client"
    )


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _pg_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        return [str(row[0]) for row in cursor.fetchall()]


def _pg_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in _pg_tables():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_migrations() -> dict[str, str]:
    if "django_migrations" not in _pg_tables():
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return _latest_migrations(cursor.fetchall())


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603 (our arguments)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        # pg_* messages name objects and options, not row contents.
        raise BackupError(f"{what} failed (exit {done.returncode}): {lines[-1] if lines else 'no message'}")
    return done.stdout


def _pg_backup(partial: Path) -> tuple[dict[str, str], dict[str, int]]:
    args, env = _pg_args()
    name = str(settings.DATABASES["default"]["NAME"])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
        counts = _pg_counts()
        migrations = _pg_migrations()
        # The dump reads the snapshot this transaction exported: the counts above are its contents.
        _run(
            [pg_tool("pg_dump"), *args, "-Fc", f"--snapshot={snapshot}", "-f", str(partial), "-d", name],
            env,
            "pg_dump",
        )
    _pg_verify_archive(partial, counts)
    return migrations, counts


def _pg_verify_archive(path: Path, counts: dict[str, int]) -> None:
    """Raise unless ``pg_restore --list`` reads the archive and it holds the data of every table."""
    listing = _run([pg_tool("pg_restore"), "--list", str(path)], dict(os.environ), "pg_restore --list")
    data = set(re.findall(r"^\d+; \d+ \d+ TABLE DATA \S+ (\S+) ", listing, flags=re.MULTILINE))
    missing = sorted(set(counts) - data)
    if missing:
        raise BackupError(f"{path.name}: the archive holds no data for table {missing[0]}")


# --- restore -----------------------------------------------------------------------------------------


def manifest_read(path: Path) -> dict[str, object]:
    """Read a backup's manifest and check the file against it (size, sha256); raise BackupError."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    target = manifest_path_of(path)
    if not target.is_file():
        raise BackupError(f"{path.name}: no manifest {target.name} beside it; refusing an unverified backup")
    try:
        manifest = json.loads(target.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{target.name} is not a valid manifest (not JSON)") from None
    required = {"format": int, "engine": str, "sha256": str, "size": int, "migrations": dict, "counts": dict}
    if not isinstance(manifest, dict) or any(not isinstance(manifest.get(k), t) for k, t in required.items()):
        raise BackupError(f"{target.name} is not a valid manifest (fields missing)")
    if manifest["format"] != FORMAT_VERSION:
        raise BackupError(f"{target.name}: manifest format {manifest['format']} is not {FORMAT_VERSION}")
    if path.stat().st_size != manifest["size"] or file_sha256(path) != manifest["sha256"]:
        raise BackupError(
            f"{path.name} does not match its manifest (sha256 differs): the file is damaged or not the "
            "one that was backed up; nothing restored"
        )
    return manifest


def _migration_check(manifest: dict[str, object], path: Path) -> list[str]:
    """Refuse a backup made by a newer EpiGrid; return the migrations the code has beyond the backup."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    latest: dict[str, str] = manifest["migrations"]  # type: ignore[assignment]
    for app, name in sorted(latest.items()):
        if (app, name) not in known:
            raise BackupError(
                f"{path.name} was made by a newer EpiGrid: migration {app}.{name} is unknown to this "
                "version; upgrade EpiGrid first, then restore"
            )
    applied: set[tuple[str, str]] = set()
    for app, name in latest.items():
        applied.update(loader.graph.forwards_plan((app, name)))
    return [f"{app}.{name}" for app, name in sorted(set(loader.graph.nodes) - applied)]


# Tables whose rows mean the database is in use: migrations alone leave them empty.
def _data_tables() -> list[str]:
    from epigrid.core.models import User
    from epigrid.people.models import Person
    from epigrid.regions.models import Region

    return [User._meta.db_table, Region._meta.db_table, Person._meta.db_table]


def _holding_data(counts: dict[str, int]) -> list[str]:
    return [t for t in _data_tables() if counts.get(t, 0) > 0]


def backup_restore(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore a verified backup over the configured database; see the module's docstring."""
    kind = engine()
    manifest = manifest_read(path)
    if manifest["engine"] != kind:
        raise BackupError(
            f"{path.name} is a backup of a {manifest['engine']} database; this EpiGrid uses {kind}"
        )
    pending = _migration_check(manifest, path)
    counts: dict[str, int] = {str(k): int(v) for k, v in manifest["counts"].items()}  # type: ignore[attr-defined]
    if kind == "sqlite":
        found = _sqlite_restore(path, counts, force=force)
        dropped: list[str] = []
    else:
        found, dropped = _pg_restore(path, counts, force=force)
    return RestoreResult(path, manifest, found, pending, dropped)


def _refuse_if_holding(counts: dict[str, int], force: bool) -> None:
    holding = _holding_data(counts)
    if holding and not force:
        shown = ", ".join(f"{t} ({counts[t]} rows)" for t in holding)
        raise BackupError(f"the database holds data ({shown}); add --force to overwrite it")


@contextlib.contextmanager
def _sqlite_exclusive(db_path: Path) -> Iterator[sqlite3.Connection | None]:
    """Hold the live database exclusively (None when it does not exist yet); refuse if it is open."""
    if not db_path.exists():
        yield None
        return
    db = sqlite3.connect(db_path, timeout=0.5, isolation_level=None)
    try:
        try:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            raise BackupError(
                f"{db_path.name} is open in another process: stop `epigrid serve` and `epigrid worker` "
                "first, then restore"
            ) from None
        yield db
    finally:
        db.close()


def _sqlite_restore(path: Path, counts: dict[str, int], *, force: bool) -> dict[str, int]:
    db_path = _sqlite_path()
    connections.close_all()
    with _sqlite_exclusive(db_path) as live:
        current = _sqlite_counts(live) if live is not None else {}
        _refuse_if_holding(current, force)
        temporary = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}")
        try:
            shutil.copyfile(path, temporary)
            with temporary.open("rb+") as handle:
                os.fsync(handle.fileno())
            if file_sha256(temporary) != file_sha256(path):
                raise BackupError(f"copying {path.name} beside the database changed it; nothing restored")
            _sqlite_verify(temporary, counts)
            if live is not None:
                live.execute("COMMIT")
                # Nothing of the old database may stay in a -wal file to be replayed onto the new one.
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            os.replace(temporary, db_path)
            _fsync_dir(db_path.parent)
        finally:
            temporary.unlink(missing_ok=True)
    for leftover in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)
    try:
        found = _sqlite_counts(db)
    finally:
        db.close()
    _compare_counts(db_path, counts, found)
    return found


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on Windows; the rename is durable there anyway
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pg_restore(path: Path, counts: dict[str, int], *, force: bool) -> tuple[dict[str, int], list[str]]:
    _pg_verify_archive(path, counts)
    _refuse_if_holding(_pg_counts(), force)
    # Tables of a newer schema than the backup's would make the next `migrate` fail: dropped first.
    extra = sorted(set(_pg_tables()) - set(counts))
    if extra:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in extra:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connections.close_all()
    args, env = _pg_args()
    name = str(settings.DATABASES["default"]["NAME"])
    _run(
        [pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--single-transaction", "--no-owner",
         "-d", name, str(path)],
        env,
        "pg_restore",
    )  # fmt: skip
    found = _pg_counts()
    _compare_counts(path, counts, found)
    return found, extra
