"""The review queue: a person decides rows the linker was unsure about; every decision is audited."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListRow
from epigrid.people.models import Person


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_review_queue_lists_rows_waiting_in_scope(world):
    body = _client(world.hq).get(reverse("lists:review")).content.decode()
    assert "张玮" in body
    assert "张玮" not in _client(world.outsider).get(reverse("lists:review")).content.decode()


def test_reviewer_sees_the_row_beside_its_candidate_and_links_them(world):
    client = _client(world.hq)
    url = reverse("lists:review_row", args=[world.hq_review_row.pk])
    page = client.get(url).content.decode()
    assert "张玮" in page and "张伟" in page and "同音" in page
    response = client.post(url, {"action": str(world.zhang.pk)})
    assert response.status_code == 302
    row = ListRow.objects.get(pk=world.hq_review_row.pk)
    assert (row.decision, row.person_id, row.decided_by) == ("matched", world.zhang.pk, world.hq)
    assert AuditEvent.objects.filter(object_type="list_row", object_id=str(row.pk), action="update").exists()


def test_reviewer_makes_a_new_person_when_no_candidate_fits(world):
    before = Person.objects.count()
    _client(world.hq).post(reverse("lists:review_row", args=[world.hq_review_row.pk]), {"action": "new"})
    row = ListRow.objects.get(pk=world.hq_review_row.pk)
    assert row.decision == "new" and Person.objects.count() == before + 1
    assert (row.person.name, row.person.source, row.person.district_id) == (
        "张玮",
        "sent_down",
        world.district.pk,
    )


def test_a_person_outside_the_candidates_cannot_be_forced_on_a_row(world):
    url = reverse("lists:review_row", args=[world.hq_review_row.pk])
    _client(world.hq).post(url, {"action": str(world.li.pk)})
    assert ListRow.objects.get(pk=world.hq_review_row.pk).decision == "review"


def test_read_only_and_out_of_scope_users_cannot_decide(world):
    url = reverse("lists:review_row", args=[world.hq_review_row.pk])
    assert _client(world.department).post(url, {"action": "new"}).status_code == 403
    assert _client(world.grid_worker_a).post(url, {"action": "new"}).status_code == 404
    assert ListRow.objects.get(pk=world.hq_review_row.pk).decision == "review"


def test_every_list_field_has_a_translated_label():
    from epigrid.lists.columns import FIELDS
    from epigrid.lists.templatetags.linkage_labels import FIELD_LABELS

    assert set(FIELDS) <= set(FIELD_LABELS)
