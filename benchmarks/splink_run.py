"""Link the benchmark list with splink (DuckDB backend), for comparison with EpiGrid's own linker.

    uv sync --group bench
    uv run python benchmarks/list_import.py --db sqlite        # runs this module after EpiGrid

Run as its own process so that its time and peak memory are measured alone. Both linkers get the same
input: the list read and normalised by EpiGrid's reader and ``make_record`` (so splink does not have
to re-implement Excel damage, full-width digits or pinyin), and the whole registry of the district,
all 1,000,000 people, with their household address. splink then does its own job end to end: blocking
(the same keys EpiGrid blocks on: the ID, four partial IDs, the phone's last eight digits, and the
pinyin of the name for rows that have neither ID nor phone), training (u by random sampling, m by
expectation maximisation) and scoring. A row is linked to its best candidate when splink's match
probability is at least 0.5 (``--threshold``). Only splink's public API is used; nothing is
downloaded. Writes the links as JSON (row -> person id) to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from _harness import env_for

COLUMNS = (
    "unique_id", "name", "name_key", "id_number", "idp", "ida", "idy", "idm", "phone", "ph8",
    "birth_date", "birth_year", "sex", "address", "name_only_key",
)  # fmt: skip


def _row(
    uid: int, name: str, name_key: str, id_number: str, birth: object, sex: str, phone: str, address: str
) -> list[object]:
    n = id_number if len(id_number) == 18 else ""
    parts = (n, n[:14], n[6:], n[:6] + n[10:], n[:10] + n[14:]) if n else ("",) * 5
    ph8 = phone.replace("-", "")[-8:] if phone else ""
    year = getattr(birth, "year", "")
    return [uid, name, name_key, *parts, phone, ph8, birth or "", year, sex, address, ""]


def write_inputs(db: str, list_path: Path, work: Path) -> tuple[Path, Path]:
    """Write the normalised list rows and the district's registry as CSV for DuckDB."""
    os.environ.update(env_for(db, "city"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from epigrid.core.clock import local_today
    from epigrid.lists.reader import read_list
    from epigrid.lists.services import MAX_LIST_BYTES, _fields_record
    from epigrid.people.models import Person
    from epigrid.regions.models import Level, Region

    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    assert district is not None
    result = read_list(list_path.read_bytes(), list_path.name, max_bytes=MAX_LIST_BYTES)
    today = local_today()
    rows_csv = work / "rows.csv"
    with rows_csv.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in result.rows:
            r = _fields_record(row.fields, row_number=row.row_number, as_of=today)
            address = "".join(r.address.split())
            line = _row(
                row.row_number, r.name, r.name_key, r.id_number, r.birth_date, r.sex, r.phone, address
            )
            if not line[3] and not r.phone:
                line[-1] = r.name_key  # blocked by name only when nothing else identifies the row
            writer.writerow(line)
    people_csv = work / "people.csv"
    with people_csv.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        people = (
            Person.objects.filter(district_id=district.pk, merged_into__isnull=True)
            .values_list(
                "id", "name", "name_key", "id_number", "birth_date", "sex", "phone", "household__address"
            )
            .iterator(chunk_size=20_000)
        )
        for pk, name, name_key, id_number, birth, sex, phone, address in people:
            line = _row(pk, name, name_key, id_number, birth, sex, phone, address or "")
            line[-1] = name_key
            writer.writerow(line)
    return rows_csv, people_csv


def link(rows_csv: Path, people_csv: Path, threshold: float) -> tuple[dict[int, int], dict[str, float]]:
    import duckdb
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    phases: dict[str, float] = {}
    started = time.perf_counter()
    con = duckdb.connect()
    for table, path in (("list_rows", rows_csv), ("registry", people_csv)):
        # Every column as text except the id, as EpiGrid sees them; empty text is "unknown" (NULL).
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header=true, all_varchar=true, "  # noqa: S608
            "nullstr='')",
            [str(path)],
        )
        con.execute(f"ALTER TABLE {table} ALTER unique_id TYPE BIGINT")
    db_api = DuckDBAPI(connection=con)
    left = db_api.register("list_rows", dataset_display_name="list_rows")
    right = db_api.register("registry", dataset_display_name="registry")
    phases["load"] = time.perf_counter() - started

    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.CustomComparison(
                output_column_name="id_number",
                comparison_levels=[
                    cll.NullLevel("id_number"),
                    cll.ExactMatchLevel("id_number"),
                    cll.DamerauLevenshteinLevel("id_number", 1),  # one wrong digit or a swap
                    cll.DamerauLevenshteinLevel("id_number", 2),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="name",
                comparison_levels=[
                    cll.NullLevel("name"),
                    cll.ExactMatchLevel("name", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("name_key"),  # homophones share the pinyin
                    cll.DamerauLevenshteinLevel("name", 1),  # a look-alike character
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="birth",
                comparison_levels=[
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("birth_date"),
                    cll.ExactMatchLevel("birth_year"),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("sex"),
            cl.CustomComparison(
                output_column_name="phone",
                comparison_levels=[
                    cll.NullLevel("phone"),
                    cll.ExactMatchLevel("phone"),
                    cll.ExactMatchLevel("ph8"),
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("address"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("idp", "sex"),
            block_on("ida"),
            block_on("idy"),
            block_on("idm"),
            block_on("ph8"),
            block_on("name_only_key"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker([left, right], settings, log_level=logging.WARNING)
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("ph8"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    phases["train"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    phases["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    # Each list row goes to its most probable registry person; the list is on the left.
    best = con.execute(
        f"""
        SELECT row_id, person_id FROM (
            SELECT
                CASE WHEN source_dataset_l = 'list_rows' THEN unique_id_l ELSE unique_id_r END AS row_id,
                CASE WHEN source_dataset_l = 'list_rows' THEN unique_id_r ELSE unique_id_l END AS person_id,
                row_number() OVER (
                    PARTITION BY
                        CASE WHEN source_dataset_l = 'list_rows' THEN unique_id_l ELSE unique_id_r END
                    ORDER BY match_probability DESC
                ) AS rank
            FROM {predictions.physical_name}
        ) WHERE rank = 1
        """  # noqa: S608
    ).fetchall()
    phases["best"] = time.perf_counter() - started
    return {int(row): int(person) for row, person in best}, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--list", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        rows_csv, people_csv = write_inputs(args.db, args.list, Path(tmp))
        export = time.perf_counter() - started
        links, phases = link(rows_csv, people_csv, args.threshold)
    phases = {"export": export, **phases}
    args.out.write_text(json.dumps({"links": links, "phases": {k: round(v, 1) for k, v in phases.items()}}))
    print(json.dumps({k: round(v, 1) for k, v in phases.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
