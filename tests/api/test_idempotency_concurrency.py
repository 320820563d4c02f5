"""The same idempotency key sent at the same moment from one account creates once, and both calls
succeed, one 201 and one 200 with the same record: a checkpoint, a public notice, a measure, a
department form (PostgreSQL: the account's row is locked while the key is looked up; the key is unique
per account). Supplies, facilities and volunteers have their own in their apps' tests."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from epigrid.cases.models import Measure
from epigrid.checkpoints.models import Checkpoint
from epigrid.deptforms.models import FormTemplate
from epigrid.monitoring.models import Episode
from epigrid.publicinfo.models import PublicNotice
from tests.api.conftest import API, session_client

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _at_once(user, url: str, body: dict[str, object]) -> list[tuple[int, int]]:
    """POST ``body`` as ``user`` from two clients at the same moment: (status, id) of each answer."""
    clients = [session_client(user) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[tuple[int, int]] = []
    failures: list[BaseException] = []

    def run(client) -> None:
        try:
            barrier.wait()
            response = client.post(API + url, data=json.dumps(body), content_type="application/json")
            answers.append((response.status_code, response.json().get("id")))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(status for status, _id in answers) == [200, 201]
    assert answers[0][1] == answers[1][1]
    return answers


def test_one_checkpoint_for_one_key(world):
    before = Checkpoint.objects.count()
    body = {"name": "甲镇东卡口", "kind": "road", "region_id": world.town.pk, "idempotency_key": "same"}
    _at_once(world.town_officer, "/checkpoints", body)
    assert Checkpoint.objects.count() == before + 1


def test_one_notice_for_one_key(world):
    body = {"region_id": world.district.pk, "kind": "hotline", "title": "区防控指挥部", "phone": "12345",
            "idempotency_key": "same"}  # fmt: skip
    _at_once(world.hq, "/public-notices", body)
    assert PublicNotice.objects.count() == 1


def test_one_measure_and_one_observation_for_one_key(world):
    person = world.zhang
    _at_once(
        world.town_officer,
        f"/persons/{person.pk}/measures",
        {"kind": "home_monitoring", "idempotency_key": "same"},
    )
    assert Measure.objects.filter(person=person).count() == 1
    assert Episode.objects.filter(person=person).count() == 1


def test_one_form_for_one_key(world):
    body = {"name": "keyed-form", "title": "接口表格", "kind": "people", "row_source": "person",
            "columns": ["name"], "idempotency_key": "same"}  # fmt: skip
    _at_once(world.hq, f"/regions/{world.district.pk}/forms", body)
    assert FormTemplate.objects.filter(name="keyed-form").count() == 1
