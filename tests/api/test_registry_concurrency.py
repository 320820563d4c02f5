"""The same idempotency key sent at the same moment from one account registers once (PostgreSQL: the
account's row is locked while the key is looked up)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from epigrid.people.models import Person
from epigrid.people.registry_services import household_add, person_add
from epigrid.regions.models import Household

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _at_once(call, n: int = 4) -> list[BaseException]:
    barrier = threading.Barrier(n)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_one_household_for_one_key(world):
    def add() -> None:
        household_add(
            actor=world.grid_worker_a,
            grid=world.grid_a,
            number="C-1",
            address="甲村一组11号",
            idempotency_key="same",
        )

    assert _at_once(add) == []
    assert Household.objects.filter(number="C-1").count() == 1


def test_one_person_for_one_key(world):
    def add() -> None:
        person_add(
            actor=world.grid_worker_a, household=world.hh_a1, name="并发", sex="F", idempotency_key="same"
        )

    assert _at_once(add) == []
    assert Person.objects.filter(name="并发").count() == 1
