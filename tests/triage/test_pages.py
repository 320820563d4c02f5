"""The triage pages: the region's 发热就诊 list (query count bounded, masked, audited, scoped), the
clinic's registration page (a visit, the refusals, the candidates), its day list, one visit and the ID
lookup while typing."""

from __future__ import annotations

import pytest
from django.test import Client

from epigrid.core.models import AuditEvent
from epigrid.triage.models import FeverVisit
from epigrid.triage.services import VisitInput, fever_visit_record


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _visits(world, n: int) -> None:
    for i in range(n):
        person = world.zhang if i % 2 else world.li
        data = VisitInput(temperature="37.9", disposition="excluded", doctor="刘医生", person_id=person.pk)
        fever_visit_record(actor=world.clinic, facility=world.facility_a, data=data)


def test_the_region_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    _visits(world, 2)
    client = _client(world.hq)
    client.get("/triage/")
    _visits(world, 10)
    with django_assert_max_num_queries(14):
        response = client.get("/triage/")
    body = response.content.decode()
    assert response.status_code == 200 and body.count('data-visit="') == 12
    assert "今日 12 人次" in body
    assert world.zhang.phone not in body  # HQ reads phones masked
    assert AuditEvent.objects.filter(object_type="fever_visit_list", user=world.hq).exists()


def test_the_village_sees_its_residents_at_once_with_the_label(world):
    for person, facility in ((world.zhang, world.fever_room_a), (world.li, world.facility_a)):
        data = VisitInput(
            temperature="38.4", disposition="fever_unexcluded", doctor="陈医生", person_id=person.pk
        )
        fever_visit_record(actor=world.clinic, facility=facility, data=data)
    body = _client(world.village_leader).get("/triage/").content.decode()
    assert "张伟" in body and "社区发热待查" in body
    assert "李娜" not in body  # 乙社区's resident: another village
    grid_b = _client(world.grid_worker_b).get("/triage/").content.decode()
    assert "李娜" in grid_b and "医院发热待查" in grid_b and world.li.phone in grid_b


def test_register_a_visit_on_the_page(world):
    client = _client(world.clinic)
    page = client.get(f"/triage/facilities/{world.facility_a.pk}/new/")
    assert page.status_code == 200 and 'hx-get="/triage/facilities/' in page.content.decode()
    form = {
        "key": "page-1", "name": "张伟", "id_number": world.zhang.id_number, "temperature": "38.6",
        "symptoms": ["cough"], "case_contact": "1", "disposition": "fever_unexcluded", "doctor": "刘医生",
    }  # fmt: skip
    response = client.post(f"/triage/facilities/{world.facility_a.pk}/new/", form)
    visit = FeverVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/triage/visits/{visit.pk}/"
    assert (visit.person, visit.case_contact, visit.symptoms) == (world.zhang, True, ["cough"])
    again = client.post(f"/triage/facilities/{world.facility_a.pk}/new/", form)
    assert again.status_code == 302 and FeverVisit.objects.count() == 1
    detail = client.get(f"/triage/visits/{visit.pk}/").content.decode()
    assert "医院发热待查" in detail and world.zhang.id_number in detail  # the clinic reads it in full


def test_refusals_on_the_page_write_nothing(world):
    client = _client(world.clinic)
    url = f"/triage/facilities/{world.facility_a.pk}/new/"
    response = client.post(url, {"name": "张伟", "temperature": "", "disposition": "", "doctor": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写体温。" in body and "请选择处置结果。" in body and "请填写首诊医生。" in body
    assert not FeverVisit.objects.exists()


def test_candidates_are_offered_and_the_choice_registers(world):
    client = _client(world.clinic)
    url = f"/triage/facilities/{world.facility_a.pk}/new/"
    form = {"name": "张玮", "phone": world.zhang.phone, "temperature": "38", "disposition": "excluded",
            "doctor": "刘医生", "key": "c1"}  # fmt: skip
    response = client.post(url, form)
    body = response.content.decode()
    assert response.status_code == 400 and f'value="{world.zhang.pk}"' in body and 'value="new"' in body
    assert not FeverVisit.objects.exists()
    assert client.post(url, {**form, "person": str(world.zhang.pk)}).status_code == 302
    assert FeverVisit.objects.get().person == world.zhang


def test_the_clinic_day_list_and_the_lookup(world):
    _visits(world, 3)
    client = _client(world.clinic)
    day = client.get(f"/triage/facilities/{world.facility_a.pk}/").content.decode()
    assert day.count('data-visit="') == 3 and "排除 3" in day
    found = client.get(
        f"/triage/facilities/{world.facility_a.pk}/lookup/", {"id_number": world.zhang.id_number}
    )
    assert "已在册：张伟" in found.content.decode()
    assert AuditEvent.objects.filter(object_type="triage_lookup", object_id=str(world.zhang.pk)).exists()
    bad = client.get(f"/triage/facilities/{world.facility_a.pk}/lookup/", {"id_number": "123"})
    assert "身份证号" in bad.content.decode()


@pytest.mark.parametrize("persona", ["village_leader", "grid_worker_a", "department", "police", "checkpoint"])
def test_only_triage_roles_open_the_registration_page(world, persona):
    response = _client(getattr(world, persona)).get(f"/triage/facilities/{world.facility_a.pk}/new/")
    # The police station is refused the whole triage area (403) before the facility is looked up.
    assert response.status_code == (403 if persona == "police" else 404)


def test_a_village_leader_elsewhere_gets_404_for_the_visit(world):
    from epigrid.core.roles import Role
    from tests import factories as f

    visit = world.fever_visit_a
    other = f.user("leader_b", Role.VILLAGE_LEADER, world.village_b)
    assert _client(other).get(f"/triage/visits/{visit.pk}/").status_code == 404
    assert _client(world.outsider).get(f"/triage/visits/{visit.pk}/").status_code == 404
    mine = _client(world.village_leader).get(f"/triage/visits/{visit.pk}/")
    assert mine.status_code == 200 and "张伟" in mine.content.decode()
    assert AuditEvent.objects.filter(
        object_type="fever_visit", action="read", user=world.village_leader
    ).exists()


def test_grid_worker_reads_the_id_number_masked(world):
    visit = world.fever_visit_a
    body = _client(world.grid_worker_a).get(f"/triage/visits/{visit.pk}/").content.decode()
    assert world.zhang.id_number not in body and world.zhang.id_number[:6] in body
