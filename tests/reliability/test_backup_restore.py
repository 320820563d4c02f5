"""`epigrid backup` and `epigrid restore` on a site's real database, SQLite always, PostgreSQL too when
DATABASE_URL names it: a backup is verified and described by its manifest, a restore brings the data
back, and a damaged, foreign or newer backup is refused with the reason, leaving the database as it was.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.reliability.conftest import Site, epigrid, query

REFUSED_HOLDING = (
    "restore refused: the database holds data (core_user (1 rows), regions_region (4 rows), "
    "people_person (20 rows)); add --force to overwrite it"
)


def _backup(site: Site) -> tuple[Path, dict[str, object]]:
    folder = site.data_dir.parent / "backups"
    folder.mkdir()
    done = epigrid(site, "backup", "--output", str(folder))
    assert done.returncode == 0, done.stderr
    [path] = [p for p in folder.iterdir() if not p.name.endswith(".manifest.json")]
    assert "verified" in done.stdout
    manifest = json.loads((folder / (path.name + ".manifest.json")).read_text(encoding="utf-8"))
    return path, manifest


def _names(site: Site) -> list[object]:
    return [row[0] for row in query(site, "SELECT name FROM people_person ORDER BY id")]


def _scalar(site: Site, sql: str) -> object:
    return query(site, sql)[0][0]


def test_backup_then_restore_brings_the_data_back(site: Site) -> None:
    names = _names(site)
    audit = _scalar(site, "SELECT count(*) FROM core_auditevent")
    latest_core = _scalar(
        site, "SELECT name FROM django_migrations WHERE app = 'core' ORDER BY id DESC LIMIT 1"
    )
    path, manifest = _backup(site)
    assert manifest["engine"] == site.engine
    assert manifest["format"] == 1
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["size"] == path.stat().st_size
    assert manifest["migrations"]["core"] == latest_core  # type: ignore[index]
    counts: dict[str, int] = manifest["counts"]  # type: ignore[assignment]
    assert (counts["people_person"], counts["core_user"], counts["regions_region"]) == (20, 1, 4)
    assert counts["core_auditevent"] == audit
    assert path.stat().st_mode & 0o077 == 0  # personal data: the owner's only

    query(site, "UPDATE people_person SET name = %s", ("已改",))
    query(site, "DELETE FROM core_auditevent")

    refused = epigrid(site, "restore", str(path))
    assert refused.returncode == 1
    assert REFUSED_HOLDING in refused.stderr
    assert set(_names(site)) == {"已改"}

    done = epigrid(site, "restore", str(path), "--force")
    assert done.returncode == 0, done.stderr
    assert f"{len(counts)} tables, {sum(counts.values())} rows, equal to the manifest" in done.stdout
    assert "(core_user 1, regions_region 4, people_person 20)" in done.stdout
    assert _names(site) == names
    assert _scalar(site, "SELECT count(*) FROM core_auditevent") == audit


def test_a_damaged_backup_is_refused_and_nothing_is_restored(site: Site) -> None:
    path, _manifest = _backup(site)
    query(site, "UPDATE people_person SET name = %s", ("已改",))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    done = epigrid(site, "restore", str(path), "--force")
    assert done.returncode == 1
    assert (
        f"restore refused: {path.name} does not match its manifest (sha256 differs): the file is damaged "
        "or not the one that was backed up; nothing restored"
    ) in done.stderr
    assert set(_names(site)) == {"已改"}


def test_a_backup_without_its_manifest_is_refused(site: Site) -> None:
    path, _manifest = _backup(site)
    (path.parent / (path.name + ".manifest.json")).unlink()
    done = epigrid(site, "restore", str(path), "--force")
    assert done.returncode == 1
    assert (
        f"restore refused: {path.name}: no manifest {path.name}.manifest.json beside it; "
        "refusing an unverified backup"
    ) in done.stderr


def test_a_backup_from_a_newer_version_is_refused(site: Site) -> None:
    path, manifest = _backup(site)
    manifest["migrations"]["core"] = "9999_from_the_future"  # type: ignore[index]
    (path.parent / (path.name + ".manifest.json")).write_text(json.dumps(manifest), encoding="utf-8")
    query(site, "UPDATE people_person SET name = %s", ("已改",))

    done = epigrid(site, "restore", str(path), "--force")
    assert done.returncode == 1
    assert (
        f"restore refused: {path.name} was made by a newer EpiGrid: migration core.9999_from_the_future is "
        "unknown to this version; upgrade EpiGrid first, then restore"
    ) in done.stderr
    assert set(_names(site)) == {"已改"}


def test_a_backup_whose_rows_differ_from_its_manifest_is_refused(site: Site) -> None:
    path, manifest = _backup(site)
    manifest["counts"]["people_person"] = 21  # type: ignore[index]
    (path.parent / (path.name + ".manifest.json")).write_text(json.dumps(manifest), encoding="utf-8")

    done = epigrid(site, "restore", str(path), "--force")
    assert done.returncode == 1
    assert "table people_person holds 20 rows, the manifest says 21 (1 tables differ)" in done.stderr
