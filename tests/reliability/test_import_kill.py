"""A department list import killed with SIGKILL half-way leaves no partial write and can be re-run.

What the design promises (epigrid/lists/services.py, ``list_batch_process``): a batch is claimed with a
conditional UPDATE (status running); its new people and every row linked to them are written in one
transaction, then the other rows in chunks of ``WRITE_CHUNK``, each chunk committed together with the
batch's ``rows_done``. So a batch killed at any moment holds exactly ``rows_done`` rows, only whole
chunks, and no person without the row that created them; it stays "running". The same file imported
again continues it: at once with ``--resume``, or without once it has shown no progress for
``STALE_AFTER`` (15 minutes); before that the command refuses and says so. The rows already written
are kept and skipped, so the finished batch has every row once and every new person once.

The import is `epigrid lists import` in a process of its own on the site's real database (SQLite file,
or PostgreSQL when DATABASE_URL names it). It is killed at two points found by polling the database:
right after its claim (before any row is written), and between two chunks, held there by a write lock
the test takes on the rows' table as soon as the first transaction has committed (the import then
waits on the lock, as it would behind any other writer, and is killed waiting).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from epigrid.lib.idcard import make_id
from tests.reliability.conftest import ROOT, Site, epigrid, pg_url, query

KNOWN = 10_000  # registry people (list A), listed again in list B: matched rows, written in chunks
NEW = 1_000  # people only list B has: written in its first transaction
# Rows without a name (rejected at once, no linkage cost) written in chunks too: they make the time
# between the first transaction and the last chunk long enough to stop the import there on a busy machine.
NAMELESS = 20_000
TOTAL = KNOWN + NEW + NAMELESS
SOURCE = "区卫健局"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def _people(count: int, offset: int, *, area: str, phone: str) -> list[list[str]]:
    """``count`` people with distinct ID numbers and phones (``area`` code, ``phone`` prefix)."""
    rng = random.Random(offset)
    rows = []
    for n in range(offset, offset + count):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=n % 25_000)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        id_number = make_id(address_code=area, birth=birth, sequence=(n // 25_000) * 2 + 1)
        rows.append([name, "", id_number, f"{phone}{n:08d}"])
    return rows


def _write(path: Path, people: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["序号", "姓名", "性别", "身份证号码", "联系电话"])
        writer.writerows([[n + 1, *row] for n, row in enumerate(people)])
    return path


def _lists(site: Site) -> tuple[Path, Path]:
    known = _people(KNOWN, 0, area="420106", phone="139")
    a = _write(site.data_dir / "registry.csv", known)
    nameless = [["", "", "", f"150{n:08d}"] for n in range(NAMELESS)]
    b = _write(
        site.data_dir / "list-b.csv", _people(NEW, KNOWN, area="420111", phone="186") + known + nameless
    )
    return a, b


def _import(site: Site, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return epigrid(site, "lists", "import", str(path), "--source", SOURCE, *extra)


def _start_import(site: Site, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "lists", "import", str(path), "--source", SOURCE],
        env=site.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _batch(site: Site, file_name: str) -> tuple[int, str, int] | None:
    rows = query(site, "SELECT id, status, rows_done FROM lists_listbatch WHERE file_name = %s", (file_name,))
    return (int(str(rows[0][0])), str(rows[0][1]), int(str(rows[0][2]))) if rows else None


def _poll(site: Site, file_name: str, ready: object, child: subprocess.Popen[str]) -> tuple[int, str, int]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = _batch(site, file_name)
        if state is not None and ready(state):  # type: ignore[operator]
            return state
        assert child.poll() is None, f"the import ended before it was killed: {child.stderr.read()[-500:]}"  # type: ignore[union-attr]
        time.sleep(0.005)
    raise AssertionError("the import never reached the state it is killed in")


@contextmanager
def _rows_locked(site: Site) -> Iterator[None]:
    """Hold a write lock that stops inserts into the list rows (SQLite: the database's; PostgreSQL: the
    table's), as another writer would, until the block ends."""
    if site.pg_name:
        import psycopg

        with psycopg.connect(pg_url(site.pg_name)) as conn:
            conn.execute("LOCK TABLE lists_listrow IN SHARE ROW EXCLUSIVE MODE")
            yield
            conn.rollback()
        return
    db = sqlite3.connect(site.db_path, timeout=20, isolation_level=None)  # type: ignore[arg-type]
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _people_count(site: Site) -> int:
    return int(str(query(site, "SELECT count(*) FROM people_person")[0][0]))


def _rows(site: Site, batch_id: int) -> tuple[int, int, int]:
    """Rows of the batch, distinct row numbers, and rows decided "new"."""
    [(rows, distinct, new)] = query(
        site,
        "SELECT count(*), count(DISTINCT row_number), coalesce(sum(CASE WHEN decision = 'new' THEN 1 "
        "ELSE 0 END), 0) FROM lists_listrow WHERE batch_id = %s",
        (batch_id,),
    )
    return int(str(rows)), int(str(distinct)), int(str(new))


def _assert_finished_once(site: Site, batch_id: int, people_before: int) -> None:
    """The batch is done with every row of list B once and each of its new people created once."""
    assert _batch(site, "list-b.csv") == (batch_id, "done", TOTAL)
    assert _rows(site, batch_id) == (TOTAL, TOTAL, NEW)
    assert _people_count(site) == people_before + NEW
    [(linked, distinct_people)] = query(
        site,
        "SELECT count(*), count(DISTINCT person_id) FROM lists_listrow "
        "WHERE batch_id = %s AND decision = 'new'",
        (batch_id,),
    )
    assert linked == distinct_people == NEW
    [(matched,)] = query(
        site, "SELECT count(*) FROM lists_listrow WHERE batch_id = %s AND decision = 'matched'", (batch_id,)
    )
    assert matched == KNOWN
    [(rejected,)] = query(
        site, "SELECT count(*) FROM lists_listrow WHERE batch_id = %s AND decision = 'rejected'", (batch_id,)
    )
    assert rejected == NAMELESS
    # No person of the batch without the row that created them.
    [(orphans,)] = query(
        site,
        "SELECT count(*) FROM people_person p WHERE p.source = 'sent_down' AND NOT EXISTS "
        "(SELECT 1 FROM lists_listrow r WHERE r.person_id = p.id)",
    )
    assert orphans == 0


def _registry(site: Site, a: Path) -> int:
    done = _import(site, a)
    assert done.returncode == 0, done.stderr[-1000:]
    assert f"{KNOWN} rows read, 0 matched, {KNOWN} new" in done.stdout
    return _people_count(site)


def test_an_import_killed_after_its_claim_wrote_nothing_and_resumes(site: Site) -> None:
    a, b = _lists(site)
    people_before = _registry(site, a)
    child = _start_import(site, b)
    try:
        batch_id, _status, _done = _poll(site, "list-b.csv", lambda s: s[1] == "running", child)
    finally:
        _kill(child)
    assert _rows(site, batch_id) == (0, 0, 0)
    assert _people_count(site) == people_before
    assert _batch(site, "list-b.csv") == (batch_id, "running", 0)

    refused = _import(site, b)
    assert refused.returncode == 1
    assert (
        f"{SOURCE} 第2批 is being linked by another process (0 of {TOTAL} rows, last progress"
        in refused.stderr
    )
    assert "if that process has stopped, re-run with --resume, or re-run after 15 minutes" in refused.stderr
    assert _rows(site, batch_id) == (0, 0, 0)

    resumed = _import(site, b, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-1000:]
    assert f"{TOTAL} rows read, {KNOWN} matched, {NEW} new, 0 review, {NAMELESS} rejected" in resumed.stdout
    assert "(continued where it stopped)" in resumed.stdout
    _assert_finished_once(site, batch_id, people_before)


def test_an_import_killed_between_chunks_keeps_whole_chunks_and_is_taken_over_when_stale(site: Site) -> None:
    a, b = _lists(site)
    people_before = _registry(site, a)
    child = _start_import(site, b)
    lock: AbstractContextManager[None] = _rows_locked(site)
    try:
        # The first transaction (the new people and their rows) has committed: stop the next chunk.
        _poll(site, "list-b.csv", lambda s: s[1] == "running" and s[2] > 0, child)
        with lock:
            time.sleep(0.5)  # the import is now waiting for the lock, inside its next chunk
            _kill(child)
    finally:
        if child.poll() is None:
            _kill(child)
    batch_id, status, done = _batch(site, "list-b.csv")  # type: ignore[misc]
    assert status == "running"
    assert NEW <= done < TOTAL, "the import finished before it could be stopped: make the list longer"
    assert (done - NEW) % 2_000 == 0  # whole chunks only
    assert _rows(site, batch_id) == (done, done, NEW)
    assert _people_count(site) == people_before + NEW

    # Its worker is gone: 15 minutes later the batch is anyone's to finish (here: its clock turned back).
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    # As Django stores it: aware on PostgreSQL, UTC text on SQLite.
    value = stale if site.pg_name else stale.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    query(site, "UPDATE lists_listbatch SET updated_at = %s WHERE id = %s", (value, batch_id))
    again = _import(site, b)
    assert again.returncode == 0, again.stderr[-1000:]
    expected = f"{TOTAL} rows read, {KNOWN} matched, {NEW} new, 0 review, {NAMELESS} rejected (continued"
    assert expected in again.stdout
    _assert_finished_once(site, batch_id, people_before)
