"""A household's self-report QR sheet: one card per person under observation, new links each time."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from epigrid.monitoring.checks import link_resolve
from epigrid.monitoring.models import ReportLink
from epigrid.people.models import Person


def test_sheet_makes_one_live_link_per_person_and_revokes_older_ones(world, open_episode):
    wang = Person.objects.get(name="王芳")
    mine, hers = open_episode(world.zhang), open_episode(wang)
    client = Client()
    client.force_login(world.grid_worker_a)
    url = reverse("monitoring:household_sheet", args=[world.hh_a1.pk])
    page = client.get(url).content.decode()
    assert "张伟" in page and "王芳" in page and "<svg" not in page  # asks before making links
    first = client.post(url).content.decode()
    assert first.count("<svg") == 2 and "/r/" in first
    second = client.post(url).content.decode()
    assert second.count("<svg") == 2
    assert ReportLink.objects.filter(episode__in=[mine, hers], revoked_at__isnull=True).count() == 2
    assert ReportLink.objects.filter(episode__in=[mine, hers]).count() == 4
    token = first.split("/r/")[1].split("/")[0]
    assert link_resolve(token) is None  # the first sheet's links no longer work


def test_sheet_is_scoped_and_needs_write(world, open_episode):
    open_episode(world.zhang)
    url = reverse("monitoring:household_sheet", args=[world.hh_a1.pk])
    client = Client()
    client.force_login(world.grid_worker_b)
    assert client.post(url).status_code == 404
    client.force_login(world.department)
    assert client.get(url).status_code == 403
    assert not ReportLink.objects.exists()
