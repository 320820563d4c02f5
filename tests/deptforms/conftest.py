"""Helpers for the department form tests: records to fill the forms, and reading an export back."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from epigrid.cases.models import CaseStatus, Classification, Contact
from epigrid.deptforms.models import FormTemplate
from epigrid.deptforms.services import ExportResult, form_export
from epigrid.people.models import TravelRecord

TODAY = dt.date(2020, 2, 3)


@pytest.fixture(autouse=True)
def before_the_cutoff(request):
    """Run every test (and build its world) at 10:00 Beijing time of today: an export is "as of the
    day's 18:00 cut-off", so records made after 18:00 would belong to tomorrow's form and the tests'
    expectations would depend on the hour CI runs. The live server's tests keep real time."""
    if "live_server" in request.fixturenames:
        yield
        return
    morning = dt.datetime.combine(timezone.localdate(), dt.time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=True):
        yield


def export(user, name: str, region, day: dt.date | None = None) -> tuple[Worksheet, ExportResult]:
    """Export a form and read the workbook back."""
    out = io.BytesIO()
    form = FormTemplate.objects.get(name=name)
    result = form_export(
        actor=user,
        form=form,
        region=region,
        day=day or timezone.localdate(),
        out=out,
        purpose="报送上级指挥部",
    )
    out.seek(0)
    return load_workbook(out).active, result


def table(ws: Worksheet) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def header_index(ws: Worksheet) -> int:
    """Return the 1-based row of the column headers (the frozen row's predecessor)."""
    return int(ws.freeze_panes[1:]) - 1


@pytest.fixture
def records(world):
    """张伟 back from 武汉 under home observation, his wife a close contact of his, 李娜 a suspect."""
    today = timezone.localdate()
    TravelRecord.objects.create(
        person=world.zhang, origin="湖北武汉", from_outbreak_area=True, left_on=today - dt.timedelta(days=3),
        arrived_on=today - dt.timedelta(days=2), transport="train", transport_no="G1234",
    )  # fmt: skip
    episode = world.episode_zhang
    wife = world.zhang.household.members.get(name="王芳")
    CaseStatus.objects.create(
        person=world.zhang, classification=Classification.CONFIRMED, since=timezone.now(),
        district_id=world.district.pk, town_id=world.town.pk, village_id=world.village_a.pk,
        grid_id=world.grid_a.pk,
    )  # fmt: skip
    CaseStatus.objects.create(
        person=world.li, classification=Classification.SUSPECTED, since=timezone.now(),
        district_id=world.district.pk, town_id=world.street.pk, village_id=world.village_b.pk,
        grid_id=world.grid_b.pk,
    )  # fmt: skip
    contact = Contact.objects.create(
        case=world.zhang, contact=wife, setting=Contact.Setting.HOUSEHOLD, last_exposure=today
    )
    return {"episode": episode, "wife": wife, "contact": contact}
