"""Department name lists for the demo district, as departments really send them, linked on load.

Seed report 1: "区教育局反馈武汉返XX人员X批次XX人，区卫健局反馈武汉返XX人员X批次XX人". The demo gets four
files from three departments, built from the demo registry with the errors such lists carry: a title
row and a 填报单位 line above the header, differently named columns, one mistyped ID digit, an ID that
Excel turned into 6.20188E+17, a homophone in a name, phones with +86 and dashes, full-width digits,
an empty row, a 合计 row, a row without a name, people the registry does not know, and people both
departments listed. The files are uploaded and linked through the same services as a real upload,
so the demo shows real decisions (matched, new, review, rejected) and the review queue has work.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from openpyxl import Workbook

from epigrid.core.models import User
from epigrid.lib.idcard import make_id
from epigrid.lists.models import ListBatch, ListSource
from epigrid.lists.services import list_batch_confirm, list_batch_process, list_batch_upload
from epigrid.people.models import Person
from epigrid.regions.models import Level, Region

SEED = "epigrid-demo-lists"
# Homophones and look-alikes clerks type for common given-name characters.
SWAPS = dict(zip("伟丽芳静军明华杰娟平红文建英强勇", "玮莉方婧君铭桦洁鹃萍宏雯健瑛蔷永", strict=True))
WUHAN_PLACES = ("湖北省武汉市", "武汉", "武汉市江岸区", "武汉市洪山区", "湖北武汉", "武汉市武昌区")
HUBEI_PLACES = ("湖北孝感", "黄冈", "湖北省荆州市", "十堰")
VIA_PLACES = ("广州（途经武汉）", "长沙", "南昌")
OTHER_PLACES = ("浙江温州", "广东深圳", "江苏苏州", "上海", "北京", "新疆乌鲁木齐")
TRANSPORT = (("高铁", "G{n}"), ("火车", "K{n}"), ("飞机", "CZ{n}"), ("自驾", "甘A{n}"), ("大巴", ""))
OUTSIDER_NAMES = "周立新 吴海燕 郑国庆 孙晓梅 马建军 胡秀兰 朱志强 高丽娟 林永福 何春花".split()
# An address code that GB/T 2260 does not assign, so no generated number can be a real person's.
OUTSIDER_ADDRESS = "429099"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class _Entry:
    """One person to put on a list: registry fields plus the journey the department wrote."""

    name: str
    sex: str
    id_number: str
    phone: str
    address: str
    origin: str
    via: bool
    arrived: date
    transport: str
    transport_no: str


def _noisy(rng: random.Random, entry: _Entry) -> tuple[str, str, str]:
    """Return name, ID and phone as a department would type them (about three rows in ten damaged)."""
    name, id_number, phone = entry.name, entry.id_number, entry.phone
    roll = rng.random()
    if roll < 0.05 and len(id_number) == 18:  # one mistyped digit
        i = rng.randrange(6, 17)
        id_number = id_number[:i] + str((int(id_number[i]) + 1) % 10) + id_number[i + 1 :]
    elif roll < 0.09 and len(id_number) == 18:  # Excel's scientific notation
        id_number = f"{int(id_number[:17]) / 10**11:.5f}".rstrip("0") + "E+17"
    elif roll < 0.14:  # a homophone in the given name
        name = name[0] + "".join(SWAPS.get(c, c) for c in name[1:])
    elif roll < 0.18 and phone:
        phone = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    elif roll < 0.21:
        id_number = id_number.translate(FULL_WIDTH)
    elif roll < 0.24:
        phone = ""
    elif roll < 0.29:  # only the name and address: the linker can at best propose, a person decides
        id_number, phone = "", ""
        name = name[0] + "".join(SWAPS.get(c, c) for c in name[1:])
    if rng.random() < 0.05:
        name = f" {name[0]} {name[1:]}"  # stray spaces
    return name, id_number, phone


def _journey(rng: random.Random, start: date) -> tuple[str, bool, date, str, str]:
    roll = rng.random()
    if roll < 0.6:
        origin, via = rng.choice(WUHAN_PLACES), False
    elif roll < 0.75:
        origin, via = rng.choice(HUBEI_PLACES), False
    elif roll < 0.9:
        origin, via = rng.choice(VIA_PLACES), True
    else:
        origin, via = rng.choice(OTHER_PLACES), False
    transport, number = rng.choice(TRANSPORT)
    return (
        origin,
        via,
        start + timedelta(days=rng.randrange(0, 10)),
        transport,
        number.format(n=rng.randrange(100, 9999)),
    )


def _entries(rng: random.Random, people: list[Person], count: int, start: date) -> list[_Entry]:
    entries = []
    for person in rng.sample(people, min(count, len(people))):
        origin, via, arrived, transport, number = _journey(rng, start)
        address = person.household.address if person.household else ""
        entry = _Entry(
            person.name,
            person.sex,
            person.id_number,
            person.phone,
            address,
            origin,
            via,
            arrived,
            transport,
            number,
        )
        entries.append(entry)
    return entries


def _outsiders(rng: random.Random, count: int, start: date) -> list[_Entry]:
    """People the registry does not know: students and workers registered elsewhere."""
    out = []
    for i in range(count):
        male = rng.random() < 0.5
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        sequence = rng.randrange(0, 499) * 2 + male
        number = make_id(address_code=OUTSIDER_ADDRESS, birth=birth, sequence=sequence)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
        origin, via, arrived, transport, tno = _journey(rng, start)
        name = OUTSIDER_NAMES[i % len(OUTSIDER_NAMES)]
        sex = "男" if male else "女"
        out.append(_Entry(name, sex, number, phone, "", origin, via, arrived, transport, tno))
    return out


def _table(rng: random.Random, entries: list[_Entry], style: int) -> list[list[object]]:
    """The rows of one list: header in a department's wording, then one row per entry."""
    headers = (
        ["序号", "姓名", "性别", "身份证号码", "联系电话", "现住址", "从何地返回", "是否途经武汉", "返回日期",
         "交通工具", "车次/航班"],
        ["序号", "名字", "性别", "证件号码", "手机号", "居住地址", "出发地", "途经武汉", "抵达日期",
         "返回方式", "车次航班号"],
        ["编号", "姓名", "性别", "身份证号", "电话", "住址", "来源地", "是否途经", "到达时间",
         "交通方式", "班次"],
    )[style]  # fmt: skip
    rows: list[list[object]] = [list(headers)]
    for n, entry in enumerate(entries, start=1):
        name, id_number, phone = _noisy(rng, entry)
        sex = entry.sex if entry.sex in ("男", "女") else {"M": "男", "F": "女"}.get(entry.sex, "")
        day = entry.arrived
        arrived = day.isoformat() if style != 1 else f"{day.year}年{day.month}月{day.day}日"
        rows.append([n, name, sex, id_number, phone, entry.address, entry.origin, "是" if entry.via else "否",
                     arrived, entry.transport, entry.transport_no])  # fmt: skip
    return rows


def _xlsx(title: str, rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.create_sheet("名单", 0)
    book.remove(book.worksheets[1])
    sheet.append([title])
    sheet.append(["填报单位：", "", "", "填报时间：2020年2月3日"])
    for row in rows:
        sheet.append(row)
    for row_cells in sheet.iter_rows(min_row=3):
        for cell in row_cells[3:5]:
            cell.number_format = "@"  # ID and phone as text, as a careful clerk sets them
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_gbk(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("gb18030")


def demo_lists_load(*, uploader: User, seed: str = SEED) -> list[ListBatch]:
    """Upload and link the demo lists once; return their batches (nothing is added a second time)."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or ListSource.objects.filter(district=district).exists():
        return []
    rng = random.Random(seed)
    people = list(
        Person.objects.filter(district=district, household__isnull=False, merged_into__isnull=True)
        .select_related("household")
        .order_by("id")[:20_000]
    )
    if not people:
        return []
    size = max(20, min(400, len(people) // 150))
    start = date(2020, 1, 15)
    education_1 = _entries(rng, people, size, start) + _outsiders(rng, max(2, size // 12), start)
    education_2 = _entries(rng, people, size // 2, start + timedelta(days=5)) + education_1[: size // 10]
    health = _entries(rng, people, size, start) + education_1[size // 10 : size // 5]
    police = _entries(rng, people, size // 2, start + timedelta(days=3))
    edu_rows_1 = _table(rng, education_1, 0)
    edu_rows_1.insert(len(edu_rows_1) // 2, [""] * 11)  # an empty row in the middle
    edu_rows_1.insert(5, [len(edu_rows_1), "", "男", "", "", "", "武汉", "否", "", "", ""])  # no name
    edu_rows_1.append(["合计", f"{len(education_1)}人"])
    files = [
        ("区教育局", 1, "区教育局反馈武汉返乡人员名单（第1批）.xlsx",
         _xlsx("区教育局反馈武汉返乡人员名单（第1批）", edu_rows_1)),
        ("区教育局", 2, "区教育局反馈武汉返乡人员名单（第2批）.xlsx",
         _xlsx("区教育局反馈武汉返乡人员名单（第2批）", _table(rng, education_2, 0))),
        ("区卫健局", 1, "区卫健局湖北返乡人员名单.xlsx",
         _xlsx("区卫健局反馈湖北返乡人员名单（第1批）", _table(rng, health, 1))),
        ("区公安分局", 1, "公安分局返乡人员.csv", _csv_gbk(_table(rng, police, 2))),
    ]  # fmt: skip
    batches = []
    for source, number, file_name, content in files:
        upload = list_batch_upload(
            actor=uploader, region=district, source_name=source, file_name=file_name, content=content,
            number=number,
        )  # fmt: skip
        batch = list_batch_confirm(actor=uploader, batch=upload.batch)
        list_batch_process(batch_id=batch.pk)  # records the rows' journeys too
        batch.refresh_from_db()
        batches.append(batch)
    return batches
