"""SQLite specifics of `epigrid backup` / `epigrid restore`: a backup taken while another connection
writes is one consistent snapshot, a restore needs the database closed, and a new install restores
without --force."""

from __future__ import annotations

import sqlite3
import threading
import time

from tests.reliability.conftest import Site, epigrid, query
from tests.reliability.test_backup_restore import _backup, _names


def test_backup_while_another_connection_writes_is_consistent(sqlite_site: Site) -> None:
    site = sqlite_site
    query(site, "CREATE TABLE reliability_a (n INTEGER)")
    query(site, "CREATE TABLE reliability_b (n INTEGER)")
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        db = sqlite3.connect(site.db_path, timeout=20, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not stop.is_set():
            n += 1
            db.execute("BEGIN IMMEDIATE")  # one transaction writes both tables: a snapshot has both or none
            db.execute("INSERT INTO reliability_a VALUES (?)", (n,))
            db.execute("INSERT INTO reliability_b VALUES (?)", (n,))
            db.execute("COMMIT")
            written.append(n)
        db.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 50:
            time.sleep(0.01)
        before = len(written)
        path, manifest = _backup(site)
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join()
    counts = manifest["counts"]
    assert before <= counts["reliability_a"] < len(written)  # type: ignore[index]
    assert counts["reliability_a"] == counts["reliability_b"]  # type: ignore[index]
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        a = copy.execute("SELECT count(*), max(n) FROM reliability_a").fetchone()
        b = copy.execute("SELECT count(*), max(n) FROM reliability_b").fetchone()
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        copy.close()
    assert a == b == (counts["reliability_a"], counts["reliability_a"])  # type: ignore[index]


def test_restore_refuses_while_the_database_is_open(sqlite_site: Site) -> None:
    site = sqlite_site
    path, _manifest = _backup(site)
    query(site, "UPDATE people_person SET name = %s", ("已改",))
    assert site.db_path is not None
    server = sqlite3.connect(site.db_path, isolation_level=None)  # as a running web server holds it
    try:
        server.execute("PRAGMA journal_mode=WAL")
        server.execute("SELECT count(*) FROM people_person").fetchone()
        done = epigrid(site, "restore", str(path), "--force")
    finally:
        server.close()
    assert done.returncode == 1
    assert (
        "restore refused: epigrid.sqlite3 is open in another process: stop `epigrid serve` and "
        "`epigrid worker` first, then restore"
    ) in done.stderr
    assert set(_names(site)) == {"已改"}


def test_restore_into_a_new_install_needs_no_force(sqlite_site: Site) -> None:
    site = sqlite_site
    names = _names(site)
    path, manifest = _backup(site)
    assert site.db_path is not None
    site.db_path.unlink()
    done = epigrid(site, "restore", str(path))
    assert done.returncode == 0, done.stderr
    assert _names(site) == names
    assert not site.db_path.with_name("epigrid.sqlite3-wal").exists()
    leftovers = [p.name for p in site.data_dir.iterdir() if ".restore-" in p.name]
    assert leftovers == []
    assert manifest["engine"] == "sqlite"
