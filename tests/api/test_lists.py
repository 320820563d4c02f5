"""Department lists over the API: upload and confirm, progress, rows by decision, review decisions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from epigrid.core.models import AuditEvent
from epigrid.lib.masking import mask_id_number
from epigrid.lists.files import ERR_NOT_SPREADSHEET
from epigrid.lists.models import ListBatch, ListRow
from epigrid.lists.tasks import list_batch_run
from epigrid.people.models import Person
from tests.api.conftest import API, api_events, session_client, token_client


def _csv(world) -> bytes:
    z = world.zhang
    return f"名单（第5批）\n姓名,证件,电话\n{z.name},{z.id_number},{z.phone}\n新人甲,,13900001111\n".encode()


def _upload(client, content: bytes, name: str = "a.csv", **data):
    return client.post(
        f"{API}/lists/batches", {"source": "区卫健局", **data, "file": SimpleUploadedFile(name, content)}
    )


def test_upload_confirm_process_and_read_rows(world, django_capture_on_commit_callbacks):
    client = token_client(world.department)  # a department's system pushing its list
    response = _upload(client, _csv(world))
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["created"] is True and batch["status"] == "uploaded" and batch["number"] == 5
    assert batch["headers"] == ["姓名", "证件", "电话"] and batch["region_id"] == world.district.pk
    assert world.zhang.id_number not in response.content.decode()  # no sample rows over the API

    again = _upload(client, _csv(world))
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["id"] == batch["id"]

    url = f"{API}/lists/batches/{batch['id']}"
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(
            f"{url}/confirm",
            {"mapping": {"name": 0, "id_number": 1, "phone": 2}},
            content_type="application/json",
        )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "queued"
    assert ListBatch.objects.get(pk=batch["id"]).mapping == {"name": 0, "id_number": 1, "phone": 2}
    progress = client.get(f"{url}/progress").json()
    assert progress == {"status": "queued", "rows_total": 2, "rows_done": 0, "percent": 0, "finished": False}

    queued = DBTaskResult.objects.get(task_path="epigrid.lists.tasks.list_batch_run")
    list_batch_run.call(*queued.args_kwargs["args"])
    assert client.get(f"{url}/progress").json()["percent"] == 100
    done = client.get(url).json()
    assert done["status"] == "done" and done["counts"]["matched"] == 1 and done["counts"]["new"] == 1

    rows = client.get(f"{url}/rows").json()
    assert [r["decision"] for r in rows["items"]] == ["matched", "new"]
    assert rows["items"][0]["person_id"] == world.zhang.pk
    assert rows["items"][0]["id_number"] == mask_id_number(world.zhang.id_number)  # departments: masked
    matched = client.get(f"{url}/rows", {"decision": "matched"}).json()
    assert matched["count"] == 1
    event = api_events("list_row", AuditEvent.Action.EXPORT)[-1]
    assert event.object_id == str(batch["id"]) and event.detail["ids"] == [matched["items"][0]["id"]]
    assert client.post(f"{url}/confirm", {}, content_type="application/json").status_code == 409


def test_confirm_without_mapping_accepts_the_proposal(world):
    client = session_client(world.hq)
    batch = _upload(client, "姓名,身份证号\n张三,\n".encode()).json()
    response = client.post(f"{API}/lists/batches/{batch['id']}/confirm", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["mapping"]["name"] == 0


@pytest.mark.parametrize(
    ("mapping", "loc"),
    [
        ({"name": 5}, ["body", "payload", "mapping", "name"]),
        ({"name": 0, "shoe_size": 1}, ["body", "payload", "mapping", "shoe_size"]),
        ({"phone": 1}, ["body", "payload", "mapping"]),
        ({"name": 0, "phone": 0}, ["body", "payload", "mapping"]),
        ({"name": "A"}, ["body", "payload", "mapping", "name"]),
        ([1], ["body", "payload", "mapping"]),
    ],
)
def test_bad_mapping_is_422_naming_the_field(world, mapping, loc):
    client = session_client(world.hq)
    batch = _upload(client, "姓名,身份证号\n张三,\n".encode()).json()
    response = client.post(
        f"{API}/lists/batches/{batch['id']}/confirm", {"mapping": mapping}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert ListBatch.objects.get(pk=batch["id"]).status == ListBatch.Status.UPLOADED


def test_malformed_json_is_a_client_error_not_a_500(world):
    client = session_client(world.hq)
    batch = _upload(client, "姓名,身份证号\n张三,\n".encode()).json()
    response = client.post(
        f"{API}/lists/batches/{batch['id']}/confirm", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    unknown = client.get(f"{API}/persons/abc")
    assert unknown.status_code == 404 and unknown["Content-Type"].startswith("application/json")


def test_file_that_is_not_a_list_is_422_with_the_reason(world):
    response = _upload(session_client(world.hq), b"%PDF-1.4", name="scan.xlsx")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["form", "file"] and error["msg"] == ERR_NOT_SPREADSHEET
    assert not ListBatch.objects.filter(file_name="scan.xlsx").exists()


def test_missing_parts_of_the_upload_are_422(world):
    client = session_client(world.hq)
    no_file = client.post(f"{API}/lists/batches", {"source": "区卫健局"})
    assert no_file.status_code == 422 and no_file.json()["detail"][0]["loc"][-1] == "file"
    no_source = client.post(f"{API}/lists/batches", {"file": SimpleUploadedFile("a.csv", b"x")})
    assert no_source.status_code == 422 and no_source.json()["detail"][0]["loc"][-1] == "source"
    wrong_type = _upload(client, b"x", name="list.docx")
    assert wrong_type.status_code == 422 and wrong_type.json()["detail"][0]["loc"] == ["form", "file"]


def test_upload_to_a_region_outside_scope_is_404(world):
    response = _upload(session_client(world.town_officer), _csv(world), region_id=world.street.pk)
    assert response.status_code == 404
    assert not ListBatch.objects.filter(source__name="区卫健局").exists()


def test_town_uploads_to_its_town(world):
    response = _upload(session_client(world.town_officer), _csv(world))
    assert response.status_code == 201 and response.json()["region_id"] == world.town.pk


@pytest.mark.parametrize("persona", ["grid_worker_a", "village_leader", "checkpoint"])
def test_roles_without_upload_lists_get_403(world, persona):
    client = session_client(getattr(world, persona))
    assert _upload(client, _csv(world)).status_code == 403
    confirm = client.post(
        f"{API}/lists/batches/{world.hq_batch.pk}/confirm", {}, content_type="application/json"
    )
    assert confirm.status_code == 403
    assert not ListBatch.objects.filter(source__name="区卫健局").exists()


def test_batches_are_scoped(world):
    assert session_client(world.hq).get(f"{API}/lists/batches").json()["count"] == 1
    for persona in ("grid_worker_a", "town_officer", "outsider"):
        client = session_client(getattr(world, persona))
        assert client.get(f"{API}/lists/batches").json()["count"] == 0
        assert client.get(f"{API}/lists/batches/{world.hq_batch.pk}").status_code == 404
        assert client.get(f"{API}/lists/batches/{world.hq_batch.pk}/rows").status_code == 404
        assert client.get(f"{API}/lists/rows/{world.hq_review_row.pk}").status_code == 404
    assert [s["name"] for s in session_client(world.hq).get(f"{API}/lists/sources").json()] == ["区教育局"]
    assert session_client(world.outsider).get(f"{API}/lists/sources").json() == []


def test_batch_filters_validate(world):
    client = session_client(world.hq)
    assert client.get(f"{API}/lists/batches", {"status": "done"}).json()["count"] == 1
    assert client.get(f"{API}/lists/batches", {"status": "uploaded"}).json()["count"] == 0
    assert client.get(f"{API}/lists/batches", {"status": "bogus"}).status_code == 422
    assert client.get(f"{API}/lists/batches/{world.hq_batch.pk}/rows", {"decision": "x"}).status_code == 422


def test_row_detail_shows_masked_candidates_and_is_audited(world):
    row = session_client(world.hq).get(f"{API}/lists/rows/{world.hq_review_row.pk}").json()
    assert row["decision"] == "review"
    (candidate,) = row["candidates"]
    assert candidate["person_id"] == world.zhang.pk and candidate["fields"]["phone"] == "exact"
    assert candidate["id_number"] == mask_id_number(world.zhang.id_number)
    (event,) = api_events("list_row", AuditEvent.Action.READ)
    assert event.detail["candidates"] == [world.zhang.pk]
    review = session_client(world.hq).get(f"{API}/lists/review").json()
    assert [r["id"] for r in review["items"]] == [world.hq_review_row.pk]


def test_link_to_a_candidate(world):
    client = session_client(world.hq)
    response = client.post(
        f"{API}/lists/rows/{world.hq_review_row.pk}/link",
        {"person_id": world.zhang.pk},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["decision"] == "matched"
    row = ListRow.objects.get(pk=world.hq_review_row.pk)
    assert row.person == world.zhang and row.decided_by == world.hq
    assert AuditEvent.objects.filter(object_type="list_row", action="update", user=world.hq).exists()
    again = client.post(
        f"{API}/lists/rows/{row.pk}/link", {"person_id": world.zhang.pk}, content_type="application/json"
    )
    assert again.status_code == 409


def test_link_to_someone_not_a_candidate_is_422(world):
    response = session_client(world.hq).post(
        f"{API}/lists/rows/{world.hq_review_row.pk}/link",
        {"person_id": world.li.pk},
        content_type="application/json",
    )
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "person_id"]
    assert response.status_code == 422
    assert ListRow.objects.get(pk=world.hq_review_row.pk).decision == "review"


def test_new_person_decision_creates_the_person(world):
    before = Person.objects.count()
    response = session_client(world.hq).post(f"{API}/lists/rows/{world.hq_review_row.pk}/new-person")
    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "new" and Person.objects.count() == before + 1
    person = Person.objects.get(pk=body["person_id"])
    assert person.name == "张玮" and person.source == Person.Source.SENT_DOWN


def test_department_may_not_decide_reviews(world):
    client = session_client(world.department)
    assert client.post(f"{API}/lists/rows/{world.hq_review_row.pk}/new-person").status_code == 403
    link = client.post(
        f"{API}/lists/rows/{world.hq_review_row.pk}/link",
        {"person_id": world.zhang.pk},
        content_type="application/json",
    )
    assert link.status_code == 403
    assert ListRow.objects.get(pk=world.hq_review_row.pk).decision == "review"
