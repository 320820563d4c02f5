"""The department-list pages: upload, confirm the columns, follow the linking, read the rows."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from epigrid.lists.files import ERR_NOT_SPREADSHEET
from epigrid.lists.models import ListBatch
from epigrid.lists.tasks import list_batch_run


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(world) -> bytes:
    z = world.zhang
    return f"名单（第5批）\n姓名,证件,电话\n{z.name},{z.id_number},{z.phone}\n新人甲,,13900001111\n".encode()


def test_upload_confirm_and_read_the_outcome(world, django_capture_on_commit_callbacks):
    client = _client(world.hq)
    response = client.post(
        reverse("lists:list"), {"source": "区卫健局", "file": SimpleUploadedFile("a.csv", _csv(world))}
    )
    batch = ListBatch.objects.get(source__name="区卫健局")
    assert response.status_code == 302 and response["Location"] == reverse("lists:detail", args=[batch.pk])
    assert batch.number == 5 and batch.status == ListBatch.Status.UPLOADED

    page = client.get(response["Location"]).content.decode()
    assert "确认各列" in page and "A 姓名" in page and "B 证件" in page
    # "证件" alone is not a sure ID header: the clerk says so by hand.
    mapping = {"col0": "name", "col1": "id_number", "col2": "phone"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(response["Location"], mapping).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ListBatch.Status.QUEUED and batch.mapping == {
        "name": 0,
        "id_number": 1,
        "phone": 2,
    }
    assert "every 1s" in client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()

    queued = DBTaskResult.objects.get(task_path="epigrid.lists.tasks.list_batch_run")
    list_batch_run.call(*queued.args_kwargs["args"])
    page = client.get(response["Location"]).content.decode()
    assert "已匹配" in page and world.zhang.name in page
    assert world.zhang.id_number not in page  # HQ sees identifiers masked
    assert world.zhang.id_number[:6] + "********" in page


def test_a_file_that_is_not_a_list_is_refused_with_the_reason(world):
    response = _client(world.hq).post(
        reverse("lists:list"), {"source": "区卫健局", "file": SimpleUploadedFile("scan.xlsx", b"%PDF-1.4")}
    )
    assert response.status_code == 400
    assert ERR_NOT_SPREADSHEET.split("：")[0] in response.content.decode()
    assert not ListBatch.objects.filter(source__name="区卫健局").exists()


def test_the_same_file_twice_is_the_same_batch(world):
    client = _client(world.hq)
    first = client.post(
        reverse("lists:list"), {"source": "区卫健局", "file": SimpleUploadedFile("a.csv", _csv(world))}
    )
    again = client.post(
        reverse("lists:list"), {"source": "区卫健局", "file": SimpleUploadedFile("b.csv", _csv(world))}
    )
    assert first["Location"] == again["Location"]
    assert ListBatch.objects.filter(source__name="区卫健局").count() == 1


def test_grid_worker_sees_lists_but_cannot_upload(world):
    client = _client(world.grid_worker_a)
    page = client.get(reverse("lists:list")).content.decode()
    assert "上传名单" not in page
    response = client.post(
        reverse("lists:list"), {"source": "x", "file": SimpleUploadedFile("a.csv", _csv(world))}
    )
    assert response.status_code == 403


def test_batches_of_another_district_are_not_found(world):
    client = _client(world.outsider)
    assert client.get(reverse("lists:detail", args=[world.hq_batch.pk])).status_code == 404
    assert "区教育局" not in client.get(reverse("lists:list")).content.decode()


def test_done_batch_rows_can_be_filtered_by_decision(world):
    client = _client(world.town_officer)
    url = reverse("lists:detail", args=[world.hq_batch.pk])
    # The batch was sent to the district, above the town officer's subtree.
    assert client.get(url).status_code == 404
    body = _client(world.hq).get(url, {"decision": "matched"}).content.decode()
    assert world.zhang.name in body
    assert (
        world.zhang.name
        not in _client(world.hq).get(url, {"decision": "new"}).content.decode().split("<tbody>")[-1]
    )


def test_junk_page_numbers_on_list_pages(world):
    client = _client(world.hq)
    assert client.get(reverse("lists:detail", args=[world.hq_batch.pk]), {"page": "x"}).status_code == 200
    assert client.get(reverse("lists:review"), {"page": "9999"}).status_code == 200
