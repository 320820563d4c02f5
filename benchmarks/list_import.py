"""Import and link a noisy 100,000-row department list against the 1,000,000-person city demo.

    uv run python benchmarks/region_pages.py --db sqlite --size city      # once: builds the registry
    uv run python benchmarks/list_import.py --db sqlite --rows 100000
    uv run python benchmarks/list_import.py --db postgres --rows 100000

The list is made from the registry with known truth: most rows are registry people written the way
departments write them (one mistyped ID digit, adjacent digits swapped, an ID that Excel turned into
4.20106E+17, a homophone or look-alike character in the name, phones with +86, spaces and dashes,
full-width digits, missing fields), the rest are people the registry does not know. Times the whole
`epigrid lists import` process (wall clock and peak memory) and reports pairwise precision and
recall of the row → person links against the truth, and the share of rows sent to review.
Results go to benchmarks/results/list-import-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
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


def noisy(rng: random.Random, name: str, id_number: str, phone: str) -> tuple[str, str, str, str]:
    """Return (name, id cell, phone cell, kind of noise) as a department might have typed them."""
    kind = rng.choices(
        ["clean", "id_digit", "id_swap", "id_excel", "name_homophone", "phone_format", "fullwidth", "no_id"],
        weights=[40, 10, 5, 5, 15, 15, 5, 5],
    )[0]
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


def build_list(db: str, rows: int, known_share: float, seed: int, path: Path) -> dict[int, int | None]:
    """Write the list as xlsx and return the truth: spreadsheet row number -> person id (None: new)."""
    os.environ.update(env_for(db, "city"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from openpyxl import Workbook

    from epigrid.lib.idcard import make_id
    from epigrid.lists.models import ListBatch, ListRow, ListSource
    from epigrid.people.models import Person

    # Forget earlier benchmark imports: the people they created would otherwise count as registry.
    ListRow.objects.filter(batch__source__name__startswith="bench-").delete()
    ListBatch.objects.filter(source__name__startswith="bench-").delete()
    ListSource.objects.filter(name__startswith="bench-").delete()
    Person.objects.filter(source=Person.Source.SENT_DOWN).delete()
    rng = random.Random(seed)
    max_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = int(rows * known_share)
    ids = rng.sample(range(1, max_id + 1), wanted)
    people = {
        p[0]: p
        for p in Person.objects.filter(pk__in=ids)
        .values_list("pk", "name", "sex", "id_number", "phone")
        .iterator(chunk_size=10_000)
    }
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["安和区教育局反馈武汉返乡人员名单（第3批）"])
    ws.append([])
    ws.append(HEADER)
    truth: dict[int, int | None] = {}
    row_number = 3
    sources: list[int | None] = [*people, *([None] * (rows - len(people)))]
    rng.shuffle(sources)
    for seq, pk in enumerate(sources, start=1):
        row_number += 1
        if pk is not None:
            _, name, sex, id_number, phone = people[pk]
            name, id_cell, phone_cell, _kind = noisy(rng, name, id_number, phone)
        else:
            name = (
                rng.choice("王李张刘陈杨赵黄周吴")
                + rng.choice("子梓浩宇欣怡思雨")
                + rng.choice("涵轩萱琪睿晨")
            )
            sex = rng.choice("MF")
            birth = date(1960 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28))
            id_cell = make_id(address_code="420188", birth=birth, sequence=rng.randrange(1000))
            phone_cell = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        ws.append(
            [seq, name, "男" if sex == "M" else "女", id_cell, phone_cell, "安和区", "武汉", "2020-01-22"]
        )
        truth[row_number] = pk
    ws.append(["合计", f"{rows}人"])
    wb.save(path)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--known-share", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    work = DATA / "lists"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"list-{args.rows}-{args.seed}.xlsx"
    started = time.perf_counter()
    truth = build_list(args.db, args.rows, args.known_share, args.seed, path)
    size_mb = path.stat().st_size / 1e6
    print(f"list written: {path.name}, {size_mb:.1f} MB in {time.perf_counter() - started:.1f} s")

    source = f"bench-{int(time.time())}"
    env = env_for(args.db, "city")
    epigrid(["migrate", "-v0"], env)  # the registry may predate the lists tables
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "epigrid.cli", "lists", "import", str(path), "--source", source, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    summary = json.loads(out.stdout.strip().splitlines()[-1])

    from epigrid.lists.models import ListRow

    links = dict(
        ListRow.objects.filter(batch__source__name=source).values_list("row_number", "person_id").iterator()
    )
    decisions = dict(
        ListRow.objects.filter(batch__source__name=source).values_list("row_number", "decision").iterator()
    )
    true_pairs = {(row, pk) for row, pk in truth.items() if pk is not None}
    found_pairs = {
        (row, links[row]) for row, decision in decisions.items() if decision == "matched" and links.get(row)
    }
    # A "new" row whose truth is a registry person is a missed link; a match to the wrong person is both.
    tp = len(true_pairs & found_pairs)
    precision = tp / len(found_pairs) if found_pairs else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    review_share = sum(1 for d in decisions.values() if d == "review") / max(1, len(decisions))
    result = {
        "db": args.db,
        "rows": args.rows,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "review_share": round(review_share, 4),
        "summary": summary,
    }
    save(f"list-import-{args.db}", result)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
