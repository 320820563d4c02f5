"""Import and link a noisy 100,000-row department list against the 1,000,000-person city demo.

    uv run python benchmarks/region_pages.py --db sqlite --size city      # once: builds the registry
    uv sync --group bench                                                 # splink and duckdb
    uv run python benchmarks/list_import.py --db sqlite --rows 100000
    uv run python benchmarks/list_import.py --db postgres --rows 100000

The list is made from the registry with known truth: 70 % of its rows are registry people, 30 %
people the registry does not know, named by the demo's own name generator (so their names collide
with registry names as real outsiders' do) and living at addresses of the district (tenants,
lodgers). Every row, known or not, gets one kind of damage (``NOISE``: a mistyped ID digit, adjacent
digits swapped, an ID that went through Excel as "4.20106E+17", a homophone or look-alike character in
the name, phones with +86, spaces and dashes, full-width digits, an empty ID cell) and a 现住址 as
lists give it (in full, cut at the building, empty, or somewhere else). Registry people without a
phone (children, many elderly) keep none on the list, outsiders lack one as often. A title row,
a blank row, differently named columns than the registry's and a 合计 row frame it.

Times the whole `epigrid lists import` process ``--repeat`` times (wall clock and the process's own
peak memory; the median run is reported), reports pairwise precision and recall of the row → person
links against the truth, recall per kind of damage and the share of rows sent to review, then runs
splink (``splink_run.py``) on the same list and registry and scores it the same way.
Results go to benchmarks/results/list-import-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _harness import DATA, env_for, epigrid, save

# Homophones and look-alikes that clerks type for common given-name characters.
SWAPS = {
    "伟": "玮",
    "丽": "莉",
    "芳": "方",
    "静": "婧",
    "敏": "珉",
    "军": "君",
    "明": "铭",
    "华": "桦",
    "强": "蔷",
    "磊": "垒",
    "洋": "阳",
    "勇": "永",
    "艳": "燕",
    "杰": "洁",
    "娟": "鹃",
    "涛": "韬",
    "超": "潮",
    "霞": "侠",
    "平": "萍",
    "刚": "钢",
    "辉": "晖",
    "玲": "铃",
    "桂": "贵",
    "红": "宏",
    "文": "雯",
    "建": "健",
    "秀": "绣",
    "英": "瑛",
    "志": "智",
    "海": "梅",
    "林": "琳",
    "春": "椿",
}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HEADER = ["序号", "姓名", "性别", "身份证号码", "联系电话", "现住址", "从何地返回", "返回日期"]


# Shares of each kind of damage (one per row; a row may also lose its address, below). They are
# applied alike to registry people and to people the registry does not know.
NOISE = {
    "clean": 40,
    "id_digit": 10,  # one digit typed wrong
    "id_swap": 5,  # two adjacent digits swapped
    "id_excel": 5,  # the ID went through Excel: "4.20106E+17", every digit after the sixth lost
    "name_homophone": 15,  # an IME homophone or look-alike character in the given name
    "phone_format": 15,  # +86, spaces, dashes
    "fullwidth": 5,  # full-width digits in the ID
    "no_id": 5,  # the ID cell left empty
}


def noisy(rng: random.Random, name: str, id_number: str, phone: str) -> tuple[str, str, str, str]:
    """Return (name, id cell, phone cell, kind of noise) as a department might have typed them."""
    kind = rng.choices(list(NOISE), weights=list(NOISE.values()))[0]
    if len(id_number) != 18 and kind.startswith("id_"):
        kind = "clean"
    if kind == "id_digit":
        i = rng.randrange(17)
        id_number = id_number[:i] + str((int(id_number[i]) + rng.randrange(1, 10)) % 10) + id_number[i + 1 :]
    elif kind == "id_swap":
        i = rng.randrange(16)
        if id_number[i] != id_number[i + 1]:
            id_number = id_number[:i] + id_number[i + 1] + id_number[i] + id_number[i + 2 :]
    elif kind == "id_excel":
        id_number = f"{id_number[0]}.{id_number[1:6]}E+17"  # as Excel shows an 18-digit number
    elif kind == "name_homophone":
        chars = [SWAPS.get(c, c) for c in name]
        name = "".join(chars)
    elif kind == "phone_format" and phone:
        phone = rng.choice(
            [f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"]
        )
    elif kind == "fullwidth":
        id_number = id_number.translate(FULLWIDTH)
    elif kind == "no_id":
        id_number = ""
    return name, id_number, phone, kind


def noisy_address(rng: random.Random, address: str, other: str) -> str:
    """Return 现住址 as a list gives it: in full 55 %, down to the building or group 20 %, left
    empty 15 %, somewhere else (moved, or a relative's address) 10 %."""
    roll = rng.random()
    if roll < 0.55:
        return address
    if roll < 0.75:
        cut = max(address.find("栋"), address.find("组"))
        return address[: cut + 1] if cut > 0 else address
    return "" if roll < 0.90 else other


def _outsider(rng: random.Random) -> tuple[str, str, str, str]:
    """A person the registry does not know, named like the district's people: (name, sex, ID, phone)."""
    from epigrid.demo.names import given_name, surname
    from epigrid.lib.idcard import make_id

    male = rng.random() < 0.5
    birth = date(1940 + rng.randrange(75), 1 + rng.randrange(12), 1 + rng.randrange(28))
    name = surname(rng) + given_name(rng, male=male, birth_year=birth.year)
    # The sequence's last digit is odd for men; 420106 is a Wuhan county, not this district.
    id_number = make_id(address_code="420106", birth=birth, sequence=rng.randrange(500) * 2 + int(male))
    age = 2020 - birth.year
    has_phone = rng.random() < (0.95 if 16 <= age < 70 else 0.6)  # as the registry's own share
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if has_phone else ""
    return name, "M" if male else "F", id_number, phone


def build_list(
    db: str, rows: int, known_share: float, seed: int, path: Path
) -> tuple[dict[int, int | None], dict[int, str]]:
    """Write the list as xlsx; return the truth (spreadsheet row -> person id, None: new) and the
    kind of noise of each row ("+no_phone" when the row has neither a usable ID nor a phone)."""
    os.environ.update(env_for(db, "city"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from openpyxl import Workbook

    from epigrid.people.models import Person
    from epigrid.regions.models import Household

    # Forget earlier benchmark imports: the people they created would otherwise count as registry.
    forget_imports()
    rng = random.Random(seed)
    max_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = int(rows * known_share)
    ids = rng.sample(range(1, max_id + 1), wanted)
    people = {
        p[0]: p
        for p in Person.objects.filter(pk__in=ids)
        .values_list("pk", "name", "sex", "id_number", "phone", "household__address")
        .iterator(chunk_size=10_000)
    }
    max_household = Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    addresses = list(
        Household.objects.filter(pk__in=rng.sample(range(1, max_household + 1), 20_000)).values_list(
            "address", flat=True
        )
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["安和区教育局反馈武汉返乡人员名单（第3批）"])
    ws.append([])
    ws.append(HEADER)
    truth: dict[int, int | None] = {}
    kinds: dict[int, str] = {}
    row_number = 3
    sources: list[int | None] = [*people, *([None] * (rows - len(people)))]
    rng.shuffle(sources)
    for seq, pk in enumerate(sources, start=1):
        row_number += 1
        if pk is not None:
            _, name, sex, id_number, phone, address = people[pk]
            address = address or ""
        else:
            name, sex, id_number, phone = _outsider(rng)
            address = rng.choice(addresses) if rng.random() < 0.7 else ""  # tenants, lodgers
        name, id_cell, phone_cell, kind = noisy(rng, name, id_number, phone)
        address_cell = noisy_address(rng, address, rng.choice(addresses)) if address else ""
        ws.append(
            [seq, name, "男" if sex == "M" else "女", id_cell, phone_cell, address_cell, "武汉", "2020-01-22"]
        )
        truth[row_number] = pk
        kinds[row_number] = kind if phone_cell or kind not in ("id_excel", "no_id") else f"{kind}+no_phone"
    ws.append(["合计", f"{rows}人"])
    wb.save(path)
    return truth, kinds


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a process; return its wall clock seconds, its own peak RSS in MB and its stdout."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise RuntimeError(f"{command[:4]} failed: {process.stderr.read() if process.stderr else ''}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read()


def forget_imports() -> None:
    """Delete earlier benchmark batches and the people they created, so each run starts alike."""
    from django.db import connection, transaction

    from epigrid.lists.models import ListBatch, ListRow, ListSource
    from epigrid.people.models import Person, TravelRecord

    # The journeys the lists gave registry people too, or every run after the first would find them
    # on record and skip writing them.
    TravelRecord.objects.filter(person__list_rows__batch__source__name__startswith="bench-").delete()
    ListRow.objects.filter(batch__source__name__startswith="bench-").delete()
    ListBatch.objects.filter(source__name__startswith="bench-").delete()
    ListSource.objects.filter(name__startswith="bench-").delete()
    TravelRecord.objects.filter(person__source=Person.Source.SENT_DOWN).delete()
    # In SQL, with foreign-key checks off for this one statement: deleting a person makes both
    # databases look for people merged into them, a scan of the unindexed merged_into column per
    # person (30,000 scans of a million rows). Nothing points at the people a benchmark created.
    table = connection.ops.quote_name(Person._meta.db_table)
    delete = f"DELETE FROM {table} WHERE source = %s"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(delete, [Person.Source.SENT_DOWN])
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute(delete, [Person.Source.SENT_DOWN])
            cursor.execute("PRAGMA foreign_keys = ON")


def accuracy(
    truth: dict[int, int | None],
    kinds: dict[int, str],
    links: dict[int, int | None],
    decisions: dict[int, str],
) -> dict[str, object]:
    """Pairwise precision and recall of the matched (row, person) links, review share, recall by noise."""
    true_pairs = {(row, pk) for row, pk in truth.items() if pk is not None}
    found_pairs = {
        (row, links[row]) for row, decision in decisions.items() if decision == "matched" and links.get(row)
    }
    # A "new" row whose truth is a registry person is a missed link; a match to the wrong person is both.
    tp = len(true_pairs & found_pairs)
    by_kind: dict[str, list[int]] = {}
    for row, pk in truth.items():
        if pk is not None:
            counts = by_kind.setdefault(kinds[row], [0, 0])
            counts[0] += 1
            counts[1] += (row, pk) in found_pairs
    return {
        "precision": round(tp / len(found_pairs), 4) if found_pairs else 1.0,
        "recall": round(tp / len(true_pairs), 4) if true_pairs else 1.0,
        "review_share": round(
            sum(1 for d in decisions.values() if d == "review") / max(1, len(decisions)), 4
        ),
        "wrong_links": len(found_pairs - true_pairs),
        "recall_by_noise": {
            k: {"rows": n, "recall": round(f / n, 4)} for k, (n, f) in sorted(by_kind.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--known-share", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3, help="imports timed; the median is reported")
    parser.add_argument("--no-splink", action="store_true", help="skip the splink run")
    args = parser.parse_args()
    work = DATA / "lists"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"list-{args.rows}-{args.seed}.xlsx"
    env = env_for(args.db, "city")
    epigrid(["migrate", "-v0"], env)  # the registry may predate the lists tables
    started = time.perf_counter()
    truth, kinds = build_list(args.db, args.rows, args.known_share, args.seed, path)
    size_mb = path.stat().st_size / 1e6
    print(f"list written: {path.name}, {size_mb:.1f} MB in {time.perf_counter() - started:.1f} s")

    from epigrid.lists.models import ListRow

    runs = []
    for attempt in range(args.repeat):
        forget_imports()
        source = f"bench-{int(time.time())}-{attempt}"
        command = [sys.executable, "-m", "epigrid.cli", "lists", "import", str(path), "--source", source]
        seconds, peak_mb, out = run_child([*command, "--json"], env)
        summary = json.loads(out.strip().splitlines()[-1])
        rows = ListRow.objects.filter(batch__source__name=source)
        links = dict(rows.values_list("row_number", "person_id").iterator())
        decisions = dict(rows.values_list("row_number", "decision").iterator())
        runs.append(
            {
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(peak_mb),
                **accuracy(truth, kinds, links, decisions),
                "summary": summary,
            }
        )
        print(f"run {attempt + 1}: {seconds:.1f} s, {peak_mb:.0f} MB", flush=True)
    median = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    result: dict[str, object] = {
        "db": args.db,
        "rows": args.rows,
        "seconds_each_run": [run["seconds"] for run in runs],
        "epigrid": median,
    }
    if not args.no_splink:
        with tempfile.TemporaryDirectory() as tmp:
            out_path = Path(tmp) / "splink.json"
            splink_script = str(Path(__file__).with_name("splink_run.py"))
            command = [
                sys.executable,
                splink_script,
                "--db",
                args.db,
                "--list",
                str(path),
                "--out",
                str(out_path),
            ]
            seconds, peak_mb, _ = run_child(command, {**os.environ, **env})
            found = json.loads(out_path.read_text())
        links = {int(row): person for row, person in found["links"].items()}
        decisions = {row: "matched" if row in links else "new" for row in truth}
        result["splink"] = {
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_mb),
            "phases": found["phases"],
            **accuracy(truth, kinds, links, decisions),
        }
        print(f"splink: {seconds:.1f} s, {peak_mb:.0f} MB", flush=True)
    save(f"list-import-{args.db}", result)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
