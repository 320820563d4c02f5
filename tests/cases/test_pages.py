"""Case pages: the region list with filters, the person's case panel, the three forms, scope and roles."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.cases.contacts import contact_register
from epigrid.cases.models import CaseStatus, Classification, Contact, Measure
from epigrid.cases.services import classification_set
from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person

C = Classification


def client_for(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def _wang(world) -> Person:
    return Person.objects.get(name="王芳", household=world.hh_a1)


def test_the_region_page_shows_the_four_categories(world, confirmed_zhang):
    contact_register(
        actor=world.hq, case=world.zhang, contact=_wang(world), setting="household",
        last_exposure=timezone.localdate(),
    )  # fmt: skip
    body = client_for(world.hq).get(reverse("regions:detail", args=[world.town.pk])).content.decode()
    assert '<dd data-figure="confirmed">1</dd>' in body
    assert '<dd data-figure="close_contact">1</dd>' in body
    assert '<dd data-figure="suspected">0</dd>' in body
    assert reverse("cases:list", args=[world.town.pk]) in body
    street = client_for(world.hq).get(reverse("regions:detail", args=[world.street.pk])).content.decode()
    assert '<dd data-figure="confirmed">0</dd>' in street


def test_the_region_page_in_english(world, confirmed_zhang):
    client = client_for(world.hq, HTTP_ACCEPT_LANGUAGE="en")
    body = client.get(reverse("regions:detail", args=[world.district.pk])).content.decode()
    assert "Confirmed case" in body and "Close contact" in body and "Four categories" in body


def test_the_case_list_filters_and_logs_the_people_shown(
    world, confirmed_zhang, django_assert_max_num_queries
):
    classification_set(actor=world.hq, person=world.li, to=C.SUSPECTED, reason="发热")
    client = client_for(world.hq)
    url = reverse("cases:list", args=[world.district.pk])
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert "张伟" in body and "李娜" in body
    only = client.get(url, {"classification": "suspected"}).content.decode()
    assert "李娜" in only and "张伟" not in only
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "张伟" not in client.get(url, {"from": future}).content.decode()
    event = AuditEvent.objects.filter(object_type="case_list").latest("id")
    assert set(event.detail["persons"]) <= {world.zhang.pk, world.li.pk}


def test_the_case_list_is_scoped(world, confirmed_zhang):
    client = client_for(world.grid_worker_b)
    assert client.get(reverse("cases:list", args=[world.grid_a.pk])).status_code == 404
    body = client.get(reverse("cases:list", args=[world.grid_b.pk])).content.decode()
    assert "张伟" not in body
    home = client_for(world.grid_worker_a).get(reverse("cases:home"))
    assert home["Location"] == reverse("cases:list", args=[world.grid_a.pk])


def test_the_person_page_shows_classification_history_measures_and_contacts(world, confirmed_zhang):
    wang = _wang(world)
    contact_register(
        actor=world.town_officer, case=world.zhang, contact=wang, setting="meal",
        last_exposure=timezone.localdate(), source="流调报告",
    )  # fmt: skip
    body = (
        client_for(world.town_officer).get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    )
    assert 'data-classification="confirmed"' in body and "核酸检测阳性" in body
    assert "王芳" in body and "共同就餐" in body and "流调报告" in body
    assert reverse("cases:classify", args=[world.zhang.pk]) in body
    wang_page = client_for(world.town_officer).get(reverse("people:detail", args=[wang.pk])).content.decode()
    assert "接触来源" in wang_page and "张伟" in wang_page and "密切接触者" in wang_page
    assert "居家医学观察" in wang_page
    # A grid worker sees the panel but none of the classification and tracing buttons.
    grid = (
        client_for(world.grid_worker_a).get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    )
    assert reverse("cases:classify", args=[world.zhang.pk]) not in grid
    assert reverse("cases:measure", args=[world.zhang.pk]) in grid


def test_a_contact_outside_the_scope_is_shown_without_a_name(world, confirmed_zhang):
    contact_register(
        actor=world.hq, case=world.zhang, contact=world.li, setting="work", last_exposure=timezone.localdate()
    )
    body = (
        client_for(world.grid_worker_a).get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    )
    assert "李娜" not in body and "辖区外人员" in body


def test_the_classify_form_offers_only_allowed_transitions_and_saves(world, confirmed_zhang):
    client = client_for(world.town_officer)
    url = reverse("cases:classify", args=[world.zhang.pk])
    page = client.get(url).content.decode()
    assert 'value="recovered"' in page and 'value="died"' in page and 'value="suspected"' not in page
    response = client.post(url, {"to": "recovered", "reason": "出院", "source": "manual"})
    assert response.status_code == 302
    assert CaseStatus.objects.get(person=world.zhang).classification == C.RECOVERED
    refused = client.post(url, {"to": "suspected", "reason": "误", "source": "manual"})
    assert refused.status_code == 400


def test_the_classify_form_is_refused_to_grid_workers_and_outsiders(world, confirmed_zhang):
    url = reverse("cases:classify", args=[world.zhang.pk])
    assert client_for(world.grid_worker_a).get(url).status_code == 403
    assert client_for(world.outsider).get(url).status_code in (403, 404)
    other_town = client_for(world.town_officer).get(reverse("cases:classify", args=[world.li.pk]))
    assert other_town.status_code == 404


def test_the_measure_form_opens_an_observation(world, confirmed_zhang):
    wang = _wang(world)
    url = reverse("cases:measure", args=[wang.pk])
    response = client_for(world.grid_worker_a).post(
        url, {"kind": "home_observation", "last_exposure": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    measure = Measure.objects.get(person=wang)
    assert measure.episode is not None and measure.episode.status == Episode.Status.OPEN
    bad = client_for(world.grid_worker_a).post(url, {"kind": "other"})
    assert bad.status_code == 400 and "其他" in bad.content.decode()


def test_the_contact_form_registers_a_picked_person(world, confirmed_zhang):
    wang = _wang(world)
    client = client_for(world.town_officer)
    url = reverse("cases:contact", args=[world.zhang.pk])
    assert client.get(url).status_code == 200
    lookup = client.get(reverse("cases:contact_lookup", args=[world.zhang.pk]), {"q": wang.phone})
    assert "王芳" in lookup.content.decode() and f'value="{wang.pk}"' in lookup.content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(url, {"contact_id": wang.pk, "setting": "household", "last_exposure": today})
    assert response.status_code == 302
    assert Contact.objects.filter(case=world.zhang, contact=wang).exists()


def test_the_contact_form_refuses_a_self_contact_and_a_future_date(world, confirmed_zhang):
    client = client_for(world.town_officer)
    url = reverse("cases:contact", args=[world.zhang.pk])
    today = timezone.localdate()
    own = client.post(url, {"contact_id": world.zhang.pk, "setting": "other", "last_exposure": today})
    assert own.status_code == 400 and "一个人不能登记为自己的密切接触者。" in own.content.decode()
    later = (today + dt.timedelta(days=3)).isoformat()
    future = client.post(url, {"name": "新人", "setting": "other", "last_exposure": later})
    assert future.status_code == 400 and "末次接触日期不能晚于今天。" in future.content.decode()
    assert not Contact.objects.exists() and not Person.objects.filter(name="新人").exists()


def test_the_contact_form_registers_a_new_household_member(world, confirmed_zhang):
    client = client_for(world.town_officer)
    url = reverse("cases:contact", args=[world.zhang.pk])
    today = timezone.localdate().isoformat()
    response = client.post(
        url,
        {
            "name": "张小红",
            "sex": "F",
            "same_household": "on",
            "setting": "household",
            "last_exposure": today,
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="张小红")
    assert person.household == world.hh_a1
    assert CaseStatus.objects.get(person=person).classification == C.CLOSE_CONTACT


def test_the_lookup_without_scripts_shows_matches(world, confirmed_zhang):
    client = client_for(world.town_officer)
    body = client.post(
        reverse("cases:contact", args=[world.zhang.pk]), {"q": "王芳", "lookup": "1"}
    ).content.decode()
    assert "王芳" in body and 'name="contact_id"' in body


def test_the_forms_in_english(world, confirmed_zhang):
    client = client_for(world.town_officer, HTTP_ACCEPT_LANGUAGE="en")
    body = client.get(reverse("cases:contact", args=[world.zhang.pk])).content.decode()
    assert "Register a close contact" in body and "Last exposure" in body


def test_the_case_panel_reads_in_a_fixed_number_of_queries_and_logs_the_names_shown(
    world, confirmed_zhang, django_assert_num_queries
):
    from epigrid.cases.selectors import case_panel

    contact_register(
        actor=world.hq, case=world.zhang, contact=_wang(world), setting="household",
        last_exposure=timezone.localdate(),
    )  # fmt: skip
    contact_register(
        actor=world.hq, case=world.zhang, contact=world.li, setting="work", last_exposure=timezone.localdate()
    )
    with django_assert_num_queries(7):  # scope, status, history, measures, named, exposures, audit
        panel = case_panel(user=world.hq, person=world.zhang)
    # Same exposure day: the later registration first.
    assert [line.other.person.name for line in panel.named if line.other] == ["李娜", "王芳"]
    event = AuditEvent.objects.filter(object_type="contact_list").latest("id")
    assert sorted(event.detail["persons"]) == sorted([world.li.pk, Person.objects.get(name="王芳").pk])


def test_the_person_panel_in_english(world, confirmed_zhang):
    client = client_for(world.town_officer, HTTP_ACCEPT_LANGUAGE="en")
    body = client.get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    assert "Case classification" in body and "Confirmed case" in body and "Change classification" in body
