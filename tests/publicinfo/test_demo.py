"""The demo's public information: hotlines, guidance and the last three days' bulletins of the demo
district (numbered 1-3) and one of the demo town, all through the services' personal-data check; the
public page shows figures and no registered person's name."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from epigrid.cases.models import CaseStatus
from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.epidemic import demo_epidemic_load
from epigrid.demo.generator import generate
from epigrid.demo.publicinfo import demo_publicinfo_load
from epigrid.publicinfo.models import Bulletin


@pytest.mark.django_db(transaction=True)
def test_demo_public_information():
    generate(size="small")
    demo_accounts_ensure()
    demo_epidemic_load(actor=User.objects.get(username="hq"))
    result = demo_publicinfo_load()
    assert (result.hotlines, result.guidance, result.bulletins) == (4, 3, 4)
    numbers = sorted(Bulletin.objects.filter(region__level=1).values_list("number", flat=True))
    assert numbers == [1, 2, 3]
    page = Client().get(result.public_path)
    body = page.content.decode()
    assert page.status_code == 200 and "第3期" in body and "12320" in body
    names = CaseStatus.objects.values_list("person__name", flat=True)[:50]
    assert not [name for name in names if name in body]
    feed = json.loads(Client().get(result.public_path + "feed.json").content)
    assert feed["figures"]["confirmed_total"] > 0 and feed["bulletin"]["number"] == 3
    assert demo_publicinfo_load().bulletins == 0  # loaded once
