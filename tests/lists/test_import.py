"""Department lists end to end: upload, confirm, link against the registry, re-import, CLI."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from epigrid.lib.idcard import make_id
from epigrid.lists import services
from epigrid.lists.models import ListBatch, ListRow
from epigrid.lists.services import (
    ERR_FIELD_TOO_LONG,
    ERR_NAME_TOO_LONG,
    ERR_NO_NAME,
    list_batch_confirm,
    list_batch_process,
    list_batch_upload,
)
from epigrid.people.models import Person, TravelRecord


def _typo(id_number: str) -> str:
    """Change one sequence digit: the check digit no longer fits, as in a mistyped list."""
    digit = "1" if id_number[15] != "1" else "2"
    return id_number[:15] + digit + id_number[16:]


SUN_ID = make_id(address_code="420106", birth=date(1992, 3, 3), sequence=451)
NAMELESS_ID = make_id(address_code="420106", birth=date(1992, 3, 3), sequence=452)


def _list_csv(world) -> bytes:
    zhang, li, other = world.zhang, world.li, world.outsider_person
    lines = [
        "测试区教育局反馈武汉返乡人员名单（第2批）",
        "",
        "序号,姓名,身份证号码,联系电话,现住址,返回日期",
        f"1,{zhang.name},{zhang.id_number},{zhang.phone},甲村一组1号,2020-01-21",
        f"2,{li.name},{_typo(li.id_number)},{li.phone},乙社区3栋,2020-01-22",
        f"3,孙立,{SUN_ID},13912345678,甲村五组,2020-01-23",
        f"4,,{NAMELESS_ID},13912340000,甲村六组,2020-01-23",
        f"5,孙立,{SUN_ID},139 1234 5678,甲村五组,2020-01-23",
        f"6,{other.name},{other.id_number},{other.phone},外村,2020-01-20",
        "合计,,,,,",
    ]
    return ("\n".join(lines) + "\n").encode("gb18030")


@pytest.fixture
def batch(world, django_capture_on_commit_callbacks) -> ListBatch:
    upload = list_batch_upload(
        actor=world.hq,
        region=world.district,
        source_name="区教育局",
        file_name="第2批.csv",
        content=_list_csv(world),
    )
    with django_capture_on_commit_callbacks(execute=False):
        list_batch_confirm(actor=world.hq, batch=upload.batch)
    list_batch_process(batch_id=upload.batch.pk)
    upload.batch.refresh_from_db()
    return upload.batch


def _decisions(batch: ListBatch) -> dict[int, ListRow]:
    return {row.row_number: row for row in batch.rows.all()}


def test_rows_are_matched_created_reviewed_or_rejected(world, batch):
    rows = _decisions(batch)
    assert batch.status == ListBatch.Status.DONE
    assert batch.number == 2  # from the title row
    assert sorted(rows) == [4, 5, 6, 7, 8, 9]  # the spreadsheet's own row numbers; 合计 skipped
    assert (rows[4].decision, rows[4].person_id) == ("matched", world.zhang.pk)
    assert rows[4].evidence["candidates"][0]["rule"] == "id_equal"
    # One mistyped ID digit, same name and phone: the same person.
    assert (rows[5].decision, rows[5].person_id) == ("matched", world.li.pk)
    assert rows[6].decision == "new"
    assert rows[7].decision == "rejected" and rows[7].reason == ERR_NO_NAME.format(row=7)
    # Listed twice: one person, the second row linked to the first row's.
    assert (rows[8].decision, rows[8].person_id) == ("matched", rows[6].person_id)
    # Someone from another district is not linked across districts.
    assert rows[9].decision == "new" and rows[9].person_id != world.outsider_person.pk


def test_new_people_are_sent_down_and_placed_at_the_district(world, batch):
    sun = Person.objects.get(name="孙立")
    assert sun.source == Person.Source.SENT_DOWN
    assert (sun.district_id, sun.town_id, sun.grid_id, sun.household_id) == (
        world.district.pk,
        None,
        None,
        None,
    )
    assert sun.name_key == "sunli"
    world.district.refresh_from_db()
    assert world.district.person_count == 4 + 2  # 孙立 and the outsider's namesake


def test_summary_counts_every_row(batch):
    assert batch.summary == {
        "rows": 6,
        "skipped": 1,
        "new_people": 2,
        "matched": 3,
        "new": 2,
        "review": 0,
        "rejected": 1,
        "journeys": 4,  # the linked rows with an origin or arrival date
    }
    assert batch.rows_done == batch.rows_total == 6
    assert TravelRecord.objects.filter(person__list_rows__batch=batch).distinct().count() == 4


def test_reimporting_the_same_file_changes_nothing(world, batch):
    people, rows = Person.objects.count(), ListRow.objects.count()
    again = list_batch_upload(
        actor=world.hq,
        region=world.district,
        source_name="区教育局",
        file_name="copy.csv",
        content=_list_csv(world),
    )
    assert again.created is False and again.batch == batch
    assert (Person.objects.count(), ListRow.objects.count()) == (people, rows)


def test_a_second_list_links_to_the_people_the_first_one_created(world, batch):
    second = f"姓名,身份证号,手机号\n孙立,{SUN_ID},13912345678\n".encode()
    upload = list_batch_upload(
        actor=world.hq, region=world.district, source_name="区卫健局", file_name="卫健.csv", content=second
    )
    list_batch_confirm(actor=world.hq, batch=upload.batch)
    list_batch_process(batch_id=upload.batch.pk)
    row = ListRow.objects.get(batch=upload.batch)
    assert (row.decision, row.person_id) == ("matched", Person.objects.get(name="孙立").pk)


def test_cli_import_and_links(world, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(_list_csv(world))
    out = io.StringIO()
    call_command(
        "lists", "import", str(path), "--source", "区教育局", "--region", world.district.code, stdout=out
    )
    assert out.getvalue().strip() == "区教育局 第2批: 6 rows read, 3 matched, 2 new, 0 review, 1 rejected"
    out = io.StringIO()
    call_command(
        "lists", "import", str(path), "--source", "区教育局", "--region", "420199", "--json", stdout=out
    )
    assert '"new_file": false' in out.getvalue()
    out = io.StringIO()
    call_command("lists", "links", "--source", "区教育局", "--batch", "2", stdout=out)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == ["source", "batch", "row", "person_id", "decision", "score"]
    assert table[1][:5] == ["区教育局", "2", "4", str(world.zhang.pk), "matched"]
    assert len(table) == 7


def test_a_file_that_is_not_a_list_imports_nothing(world, tmp_path):
    from django.core.management import CommandError

    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 not a list")
    before = ListBatch.objects.count()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("lists", "import", str(path), "--source", "区教育局")
    assert ListBatch.objects.count() == before


def test_a_row_without_id_or_phone_meets_its_namesakes_by_pinyin(world):
    content = "姓名,性别,现住址\n张玮,男,甲村一组1号\n".encode()  # 张伟 written with a homophone
    upload = list_batch_upload(
        actor=world.hq, region=world.district, source_name="派出所", file_name="线索.csv", content=content
    )
    list_batch_confirm(actor=world.hq, batch=upload.batch)
    list_batch_process(batch_id=upload.batch.pk)
    row = ListRow.objects.get(batch=upload.batch)
    # A name alone never settles it, but the reviewer sees who it might be.
    assert row.decision in ("new", "review")
    assert world.zhang.pk in [c["person"] for c in row.evidence["candidates"]]


def test_bad_rows_never_abort_the_others(world):
    lines = [
        "姓名,身份证号,联系电话,返回日期,年龄",
        "甲一,,13900000001,2020-01-21,30",
        '=HYPERLINK("http://x"),4.20106E+17,+86 139-0000-0002,昨天,abc',
        ",,,,",
        "乙二" * 40 + ",12345,not a phone,2020-13-45,999",
        "丙三,,13900000003,2020-01-22,40",
    ]
    upload = list_batch_upload(
        actor=world.hq,
        region=world.district,
        source_name="乡镇",
        file_name="杂.csv",
        content="\n".join(lines).encode(),
    )
    list_batch_confirm(actor=world.hq, batch=upload.batch)
    assert list_batch_process(batch_id=upload.batch.pk) == ListBatch.Status.DONE
    rows = {row.row_number: row for row in ListRow.objects.filter(batch=upload.batch)}
    assert rows[2].decision == rows[6].decision == "new"
    # The formula stays text, the damaged ID never links, the over-long name is cut to the column.
    assert rows[3].fields["name"].startswith("=HYPERLINK") and rows[3].person_id is not None
    assert rows[3].person.id_number == ""
    assert rows[5].decision == "rejected"
    assert rows[5].reason == ERR_NAME_TOO_LONG.format(row=5, limit=50)


class Killed(BaseException):
    """A worker killed mid-batch: not an Exception, so nothing marks the batch failed."""


def _queued(world, content: bytes, name: str = "续.csv") -> ListBatch:
    upload = list_batch_upload(
        actor=world.hq, region=world.district, source_name="卫健局", file_name=name, content=content
    )
    list_batch_confirm(actor=world.hq, batch=upload.batch)
    return upload.batch


def test_a_batch_killed_mid_way_finishes_on_rerun_without_duplicates(world, monkeypatch):
    lines = ["姓名,身份证号码,联系电话"]
    lines += [
        f"新{i}号,{make_id(address_code='420106', birth=date(1990, 1, 1 + i), sequence=11)},"
        for i in range(7)
    ]
    lines += [f"{world.zhang.name},{world.zhang.id_number},{world.zhang.phone}"] * 3
    lines += [
        "新0号," + make_id(address_code="420106", birth=date(1990, 1, 1), sequence=11) + ","
    ]  # a repeat
    batch = _queued(world, "\n".join(lines).encode())
    people_before = Person.objects.count()
    monkeypatch.setattr(services, "WRITE_CHUNK", 2)

    def kill(done: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        list_batch_process(batch_id=batch.pk, progress=kill)
    batch.refresh_from_db()
    assert batch.status == ListBatch.Status.RUNNING
    # The new people were written with their rows; the matched rows only partly.
    assert Person.objects.count() == people_before + 7
    assert 0 < batch.rows.count() < 11
    # Another worker does not take over a batch that is still moving...
    assert list_batch_process(batch_id=batch.pk) == ListBatch.Status.RUNNING
    # ...but finishes one whose worker stopped writing progress long ago.
    ListBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - services.STALE_AFTER * 2)
    assert list_batch_process(batch_id=batch.pk) == ListBatch.Status.DONE
    batch.refresh_from_db()
    rows = {row.row_number: row for row in batch.rows.all()}
    assert sorted(rows) == list(range(2, 13))
    assert Person.objects.count() == people_before + 7
    assert batch.summary["rows"] == 11 and batch.summary["new_people"] == batch.summary["new"] == 7
    assert batch.summary["matched"] == 4
    assert rows[12].person_id == rows[2].person_id
    assert {rows[n].person_id for n in (9, 10, 11)} == {world.zhang.pk}


def test_a_failed_batch_is_resumed_on_request(world, monkeypatch):
    batch = _queued(world, f"姓名,联系电话\n{world.li.name},{world.li.phone}\n".encode(), "败.csv")
    real = services.link_rows

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "link_rows", broken)
    with pytest.raises(RuntimeError):
        list_batch_process(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ListBatch.Status.FAILED
    monkeypatch.setattr(services, "link_rows", real)
    assert list_batch_process(batch_id=batch.pk) == ListBatch.Status.FAILED  # not without asking
    assert list_batch_process(batch_id=batch.pk, resume=True) == ListBatch.Status.DONE
    batch.refresh_from_db()
    assert batch.errors == [] and batch.rows.get().person_id == world.li.pk


def test_text_longer_than_its_column_is_cut_and_the_row_says_so(world):
    long_address = "幸福社区" + "很长的地址" * 60
    lines = [
        "姓名,联系电话,现住址,从何地返回,同行人员",
        f"甲一,13900000001,{long_address},武汉,",
        f"乙二,13900000002,幸福社区,{'武汉' * 60},{'某' * 201}",
        "丙三,13900000003,幸福社区,武汉,",
    ]
    batch = _queued(world, "\n".join(lines).encode(), "长.csv")
    assert list_batch_process(batch_id=batch.pk) == ListBatch.Status.DONE
    rows = {row.row_number: row for row in ListRow.objects.filter(batch=batch)}
    assert rows[2].decision == "new" and len(rows[2].fields["address"]) == 200
    assert rows[2].reason == ERR_FIELD_TOO_LONG.format(row=2, field="现住址", limit=200)
    assert rows[3].reason == "；".join(
        [
            ERR_FIELD_TOO_LONG.format(row=3, field="从何地返回", limit=100),
            ERR_FIELD_TOO_LONG.format(row=3, field="同行人员", limit=200),
        ]
    )
    assert len(rows[3].fields["origin"]) == 100
    assert rows[4].reason == "" and rows[4].decision == "new"


def test_people_merged_into_another_are_not_linked(world):
    twin = Person.objects.create(
        name=world.zhang.name,
        sex=world.zhang.sex,
        id_number="",
        phone="13700000000",
        district=world.district,
        merged_into=world.zhang,
    )
    batch = _queued(world, f"姓名,联系电话\n{twin.name},13700000000\n".encode(), "并.csv")
    list_batch_process(batch_id=batch.pk)
    assert ListRow.objects.get(batch=batch).person_id != twin.pk


def test_uploading_and_linking_in_one_process_reads_the_file_once(world, monkeypatch):
    from epigrid.lists import services

    calls = []
    real = services.read_list

    def counting(*args, **kwargs):
        calls.append(kwargs.get("limit"))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "read_list", counting)
    upload = list_batch_upload(
        actor=world.hq, region=world.district, source_name="区教育局", file_name="a.csv",
        content=_list_csv(world), read_all=True,
    )  # fmt: skip
    list_batch_confirm(actor=world.hq, batch=upload.batch)
    list_batch_process(batch_id=upload.batch.pk, read=upload.read)
    assert calls == [None]  # one whole read, no preview, no second read
    # The web upload reads a preview; a corrected mapping is always read again from the file.
    other = list_batch_upload(
        actor=world.hq, region=world.district, source_name="区卫健局", file_name="b.csv",
        content=_list_csv(world), read_all=True,
    )  # fmt: skip
    mapping = dict(other.batch.mapping)
    mapping.pop("phone", None)
    list_batch_confirm(actor=world.hq, batch=other.batch, mapping=mapping)
    list_batch_process(batch_id=other.batch.pk, read=other.read)
    assert calls == [None, None, None]
    assert ListBatch.objects.get(pk=other.batch.pk).status == ListBatch.Status.DONE
