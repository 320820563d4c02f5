"""Region tree and boundary imports: good files land, a bad row names row and column and imports nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from epigrid.core.models import AuditEvent
from epigrid.regions.importers import RegionFileError, parse_boundaries, parse_region_table, read_table
from epigrid.regions.models import Level, Region, RegionImport
from epigrid.regions.tasks import region_import_run

GOOD_CSV = (
    "区划代码,名称,上级代码,层级\n"
    "420199101,丙镇,420199,镇\n"
    "420199101201,丙一村,420199101,村\n"
    "420199101201001,丙一村第1网格,420199101201,网格\n"
    "420199101201001001,第1片区,420199101201001,片区\n"
)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file as the import page does, run the task it queued, and return the status page.

    The queued task is run in-process (``Task.call``) because the real worker closes the database
    connection when it ends, which would end the test's transaction on PostgreSQL;
    ``test_the_worker_process_runs_a_queued_import`` covers the worker itself.
    """

    def run(client: Client, content: bytes, name: str, kind: str = "tree"):
        field = f"{kind}-file"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("regions:import"), {"kind": kind, field: SimpleUploadedFile(name, content)}
            )
        if response.status_code != 302:
            return response
        queued = DBTaskResult.objects.get(task_path="epigrid.regions.tasks.region_import_run", status="READY")
        region_import_run.call(*queued.args_kwargs["args"])
        queued.delete()
        return client.get(response["Location"])

    return run


def _hq(world) -> Client:
    client = Client()
    client.force_login(world.hq)
    return client


def test_good_csv_creates_the_tree_with_paths(world, upload):
    response = upload(_hq(world), GOOD_CSV.encode("utf-8-sig"), "tree.csv")
    assert response.status_code == 200
    assert 'data-status="done"' in response.content.decode()
    grid = Region.objects.get(code="420199101201001")
    town = Region.objects.get(code="420199101")
    assert grid.level == Level.GRID
    assert grid.path.startswith(town.path) and town.path.startswith(world.district.path)
    assert Region.objects.get(code="420199101201001001").parent == grid
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_type="region_tree").exists()


def test_reimport_renames_and_is_idempotent(world, upload):
    client = _hq(world)
    upload(client, GOOD_CSV.encode(), "tree.csv")
    before = Region.objects.count()
    upload(client, GOOD_CSV.replace("丙镇", "丙新镇").encode(), "tree.csv")
    assert Region.objects.count() == before
    assert Region.objects.get(code="420199101").name == "丙新镇"


def test_gb18030_csv_from_chinese_excel_is_read():
    table = read_table(GOOD_CSV.encode("gb18030"), "tree.csv")
    assert table[1][1] == "丙镇"


def test_xlsx_is_read_with_numeric_codes(world):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "parent_code", "level"])
    ws.append([420199101, "丙镇", 420199, "town"])  # Excel stores typed codes as numbers
    buf = io.BytesIO()
    wb.save(buf)
    rows = parse_region_table(read_table(buf.getvalue(), "t.xlsx"), existing={"420199": Level.DISTRICT})
    assert rows[0].code == "420199101"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("420199101,丙镇,420199,省", "第3行 第4列（层级）：无法识别的层级“省”"),
        ("42019910X,丙镇,420199,镇", "第3行 第1列（区划代码）：区划代码只能是数字"),
        ("4201991011,丙镇,420199,镇", "第3行 第1列（区划代码）：镇/街道的区划代码应为9位"),
        ("420199102,,420199,镇", "第3行 第2列（名称）：不能为空"),
        ("420199102,丁镇,999999,镇", "第3行 第3列（上级代码）：上级代码在文件和系统中都不存在"),
        (
            "420199100200002,网格,420199100,网格",
            "第3行 第3列（上级代码）：上级层级不对（网格的上级应为村/社区）",
        ),
        ("420188100,外镇改名,420188,镇", "第3行 第1列（区划代码）：该区划代码属于您管辖范围以外的区域"),
    ],
)
def test_bad_row_names_row_and_column_and_imports_nothing(world, upload, line, message):
    content = ("区划代码,名称,上级代码,层级\n420199103,好镇,420199,镇\n" + line + "\n").encode()
    before = Region.objects.count()
    response = upload(_hq(world), content, "tree.csv")
    body = response.content.decode()
    assert 'data-status="failed"' in body
    assert message in body
    assert RegionImport.objects.get(file_name="tree.csv").errors == [message]
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="420199103").exists()


def test_duplicate_codes_are_named(world):
    with pytest.raises(RegionFileError) as exc:
        parse_region_table(
            [
                ["code", "name", "parent_code", "level"],
                ["420199101", "a", "420199", "2"],
                ["420199101", "b", "420199", "2"],
            ],
            existing={"420199": 1},
        )
    assert exc.value.errors == ["第3行 第1列（区划代码）：区划代码与第2行重复"]


def test_missing_columns_are_named():
    with pytest.raises(RegionFileError) as exc:
        parse_region_table([["code", "name"], ["1", "x"]], existing={})
    assert exc.value.errors == ["缺少列：上级代码、层级（需要 区划代码、名称、上级代码、层级）"]


def test_binary_garbage_is_refused_in_one_line():
    with pytest.raises(RegionFileError) as exc:
        read_table(b"PK\x03\x04not really a workbook", "t.xlsx")
    assert exc.value.errors[0].startswith("无法读取文件")


def test_only_admin_may_add_a_district(world, upload):
    response = upload(_hq(world), "code,name,parent_code,level\n420177,新区,,区\n".encode(), "t.csv")
    assert "只有系统管理员可以新增区/县" in response.content.decode()


def test_grid_worker_may_not_import(world, upload):
    client = Client()
    client.force_login(world.grid_worker_a)
    assert upload(client, GOOD_CSV.encode(), "tree.csv").status_code == 403
    assert not Region.objects.filter(code="420199101").exists()


def _square(lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_boundaries_are_stored(world, upload):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "420199100"}, "geometry": _square(114.3, 30.5)}
        ],
    }
    response = upload(_hq(world), json.dumps(fc).encode(), "b.geojson", kind="boundaries")
    assert 'data-status="done"' in response.content.decode()
    world.town.refresh_from_db()
    assert world.town.boundary["type"] == "Polygon"


def test_bad_feature_is_named_and_nothing_is_stored(world, upload):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "420199100"}, "geometry": _square(114.3, 30.5)},
            {
                "type": "Feature",
                "properties": {"code": "420199100200"},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
            {"type": "Feature", "properties": {"code": "420188100"}, "geometry": _square(114.3, 30.5)},
        ],
    }
    response = upload(_hq(world), json.dumps(fc).encode(), "b.geojson", kind="boundaries")
    body = response.content.decode()
    assert "第2个要素 geometry：应为 Polygon 或 MultiPolygon" in body
    assert "第3个要素 properties.code：区域不存在" in body  # another district's code is unknown to HQ here
    world.town.refresh_from_db()
    assert world.town.boundary is None


def test_malformed_json_is_refused():
    with pytest.raises(RegionFileError) as exc:
        parse_boundaries(b"{not json", known_codes=set())
    assert exc.value.errors == ["GeoJSON 无法解析：JSONDecodeError"]


def test_wrong_extension_is_refused_before_queueing(world, upload):
    response = upload(_hq(world), b"whatever", "tree.txt")
    assert response.status_code == 400
    assert not RegionImport.objects.filter(file_name="tree.txt").exists()


def test_import_page_of_another_user_is_not_found(world):
    client = Client()
    client.force_login(world.admin)
    assert client.get(reverse("regions:import_detail", args=[world.hq_import.pk])).status_code == 404


def test_a_claimed_import_is_not_processed_twice(world):
    from epigrid.regions.services import region_import_process

    imp = RegionImport.objects.create(
        kind=RegionImport.Kind.TREE, file_name="t.csv", content=GOOD_CSV.encode(), uploaded_by=world.hq
    )
    assert region_import_process(import_id=imp.pk) == RegionImport.Status.DONE
    before = Region.objects.count()
    assert region_import_process(import_id=imp.pk) == RegionImport.Status.DONE
    assert Region.objects.count() == before


def test_an_import_whose_worker_died_is_shown_failed_and_can_be_uploaded_again(world, upload):
    """The task queue never re-runs a task whose worker was killed: an import still "running" 15 minutes
    after its claim wrote nothing (one transaction), and the page says so instead of polling for ever."""
    import datetime as dt

    from django.utils import timezone

    from epigrid.regions.services import ERR_IMPORT_INTERRUPTED

    stale = RegionImport.objects.create(
        kind=RegionImport.Kind.TREE, file_name="t.csv", content=GOOD_CSV.encode(), uploaded_by=world.hq
    )
    fresh = RegionImport.objects.create(
        kind=RegionImport.Kind.TREE, file_name="t.csv", content=GOOD_CSV.encode(), uploaded_by=world.hq
    )
    RegionImport.objects.filter(pk=stale.pk).update(
        status=RegionImport.Status.RUNNING, updated_at=timezone.now() - dt.timedelta(minutes=16)
    )
    RegionImport.objects.filter(pk=fresh.pk).update(
        status=RegionImport.Status.RUNNING, updated_at=timezone.now() - dt.timedelta(minutes=5)
    )
    page = _hq(world).get(reverse("regions:import_detail", args=[stale.pk])).content.decode()
    assert ERR_IMPORT_INTERRUPTED in page
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.errors) == (RegionImport.Status.FAILED, [ERR_IMPORT_INTERRUPTED])
    assert fresh.status == RegionImport.Status.RUNNING  # still within its time: left alone
    again = upload(_hq(world), GOOD_CSV.encode("utf-8-sig"), "tree.csv")
    assert 'data-status="done"' in again.content.decode()


def test_status_fragment_polls_while_queued(world):
    client = _hq(world)
    url = reverse("regions:import_detail", args=[world.hq_import.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<html" not in fragment


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_runs_a_queued_import(django_user_model):
    from epigrid.regions.services import region_create, region_import_submit

    district = region_create(code="420199", name="测试区", level=Level.DISTRICT, parent=None)
    hq = django_user_model.objects.create_user(username="hq2", password="x", role="district_hq")
    from epigrid.regions.services import assignment_add

    assignment_add(user=hq, region=district)
    imp = region_import_submit(actor=hq, kind="tree", file_name="t.csv", content=GOOD_CSV.encode())
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    imp.refresh_from_db()
    assert imp.status == RegionImport.Status.DONE
    assert imp.summary == {"created": 4, "updated": 0}
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_too_large_file_is_refused(world, upload, monkeypatch):
    monkeypatch.setattr("epigrid.regions.forms.MAX_IMPORT_BYTES", 10)
    response = upload(_hq(world), GOOD_CSV.encode(), "tree.csv")
    assert response.status_code == 400
    assert "文件超过 20 MB" in response.content.decode()
    assert not RegionImport.objects.filter(file_name="tree.csv").exists()


def test_a_bug_during_import_marks_it_failed_not_running(world, monkeypatch):
    from epigrid.regions import services

    def boom(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "region_tree_import", boom)
    imp = RegionImport.objects.create(
        kind=RegionImport.Kind.TREE, file_name="t.csv", content=GOOD_CSV.encode(), uploaded_by=world.hq
    )
    with pytest.raises(RuntimeError):
        services.region_import_process(import_id=imp.pk)
    imp.refresh_from_db()
    assert imp.status == RegionImport.Status.FAILED
    assert imp.errors == [services.ERR_IMPORT_INTERNAL]
