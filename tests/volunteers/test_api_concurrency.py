"""The same idempotency key sent at the same moment from one account adds one member, and both calls
succeed (PostgreSQL: the account's row is locked while the key is looked up)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from epigrid.volunteers.models import Volunteer
from tests.api.conftest import API, session_client

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_members_with_one_key_at_once_are_one_member(world):
    clients = [session_client(world.village_leader) for _ in range(2)]
    body = json.dumps({"name": "赵敏", "phone": "13800004444", "idempotency_key": "same"})
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(client) -> None:
        try:
            barrier.wait()
            url = f"{API}/regions/{world.village_a.pk}/volunteers"
            statuses.append(client.post(url, data=body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 201]
    assert Volunteer.objects.count() == 1
