"""Exports: masking by form and role, formulas neutralised, scope, future days, audit, queries, layout."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from epigrid.core.models import AuditEvent
from epigrid.deptforms.models import FormTemplate
from epigrid.deptforms.services import ERR_FUTURE, FormError, FormInput, form_define, form_export
from epigrid.lib.masking import mask_id_number, mask_phone
from epigrid.people.models import Person, TravelRecord
from tests import factories as f
from tests.deptforms.conftest import export, header_index, table


def _masked_form(world) -> FormTemplate:
    data = FormInput(
        name="plain-register",
        title="人员名单",
        kind="people",
        row_source="journey",
        columns=["name", "id_number", "phone"],
        requires_identifiers=False,
    )
    return form_define(actor=world.hq, region=world.district, data=data)


def _identifiers(ws) -> tuple[str, str]:
    headers = table(ws)[header_index(ws) - 1]
    line = next(r for r in table(ws)[header_index(ws) :] if r[1] == "张伟")
    return line[headers.index("身份证号")], line[headers.index("联系电话")]


@pytest.mark.parametrize(
    ("persona", "full_id", "full_phone"),
    [
        ("town_officer", True, True),  # towns see both in full
        ("village_leader", True, True),
        ("grid_worker_a", False, True),  # grid workers phone people but never need the ID number
        ("hq", False, False),  # HQ steers and counts
        ("department", False, False),
    ],
)
def test_a_form_that_needs_identifiers_shows_them_only_to_roles_that_may_see_them(
    world, records, persona, full_id, full_phone
):
    user = getattr(world, persona)
    region = user.assignments.get().region
    ws, _ = export(user, "returnee-register", region)
    id_number, phone = _identifiers(ws)
    zhang = world.zhang
    assert id_number == (zhang.id_number if full_id else mask_id_number(zhang.id_number))
    assert phone == (zhang.phone if full_phone else mask_phone(zhang.phone))


@pytest.mark.parametrize("persona", ["town_officer", "village_leader", "grid_worker_a", "hq"])
def test_a_form_that_does_not_need_identifiers_masks_them_for_every_role(world, records, persona):
    _masked_form(world)
    user = getattr(world, persona)
    ws, _ = export(user, "plain-register", user.assignments.get().region)
    id_number, phone = _identifiers(ws)
    assert id_number == mask_id_number(world.zhang.id_number)
    assert phone == mask_phone(world.zhang.phone)
    assert world.zhang.id_number not in str(table(ws))


def test_cells_that_would_start_a_formula_are_text(world, records):
    Person.objects.filter(pk=world.zhang.pk).update(name='=HYPERLINK("http://x")')
    TravelRecord.objects.filter(person=world.zhang).update(
        origin="+86武汉", transport_no="@SUM(A1)", companions="-1"
    )
    out = io.BytesIO()
    form = FormTemplate.objects.get(name="returnee-register")
    form_export(
        actor=world.town_officer,
        form=form,
        region=world.town,
        day=timezone.localdate(),
        out=out,
        purpose="核查",
    )
    out.seek(0)
    ws = load_workbook(out).active
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x")' in values
    assert {"'+86武汉", "'@SUM(A1)", "'-1"} <= set(values)
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_a_region_outside_the_scope_is_not_found_and_nothing_is_logged(world, records):
    form = FormTemplate.objects.get(name="returnee-register")
    for user, region in [(world.outsider, world.town), (world.grid_worker_b, world.grid_a)]:
        with pytest.raises(Http404):
            form_export(
                actor=user,
                form=form,
                region=region,
                day=timezone.localdate(),
                out=io.BytesIO(),
                purpose="核查",
            )
    assert not AuditEvent.objects.filter(object_type="dept_form").exists()


def test_a_day_in_the_future_is_refused(world):
    form = FormTemplate.objects.get(name="health-daily")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(FormError) as refused:
        form_export(
            actor=world.hq, form=form, region=world.district, day=tomorrow, out=io.BytesIO(), purpose="核查"
        )
    assert refused.value.errors == {"date": [str(ERR_FUTURE)]}


def test_every_export_is_audited_with_form_version_region_and_count_but_no_personal_value(world, records):
    export(world.town_officer, "returnee-register", world.town)
    event = AuditEvent.objects.get(object_type="dept_form", action=AuditEvent.Action.EXPORT)
    assert event.user == world.town_officer
    assert event.object_id == "returnee-register"
    assert event.region_path == world.town.path
    form = FormTemplate.objects.get(name="returnee-register")
    assert {k: event.detail.pop(k) for k in ("purpose", "columns", "filters", "format")} == {
        "purpose": "报送上级指挥部",
        "columns": [c["key"] for c in form.columns],
        "filters": sorted([*form.filters, "region", "date"]),
        "format": "xlsx",
    }
    assert event.detail == {
        "form": "returnee-register",
        "version": 1,
        "region": world.town.pk,
        "day": timezone.localdate().isoformat(),
        "rows": 1,
        "identifiers": True,
    }
    text = str(event.detail)
    assert (
        world.zhang.name not in text and world.zhang.id_number not in text and world.zhang.phone not in text
    )


def _queries(user, name, region) -> int:
    with CaptureQueriesContext(connection) as ctx:
        export(user, name, region)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["returnee-register", "home-monitoring", "close-contacts"])
def test_the_query_count_does_not_grow_with_the_rows(world, records, name):
    from epigrid.cases.models import Contact
    from epigrid.monitoring.models import Episode

    export(world.town_officer, name, world.town)  # the user's scope is read once, then kept
    few = _queries(world.town_officer, name, world.town)
    for n in range(6):
        person = f.person(world.hh_a2, f"返乡{n}")
        TravelRecord.objects.create(
            person=person, origin="武汉", from_outbreak_area=True, arrived_on=timezone.localdate()
        )
        episode = records["episode"]
        Episode.objects.create(
            person=person,
            district_id=episode.district_id,
            town_id=episode.town_id,
            village_id=episode.village_id,
            grid_id=episode.grid_id,
            kind=episode.kind,
            basis=episode.basis,
            policy=episode.policy,
            started_on=episode.started_on,
            planned_end=episode.planned_end,
        )
        Contact.objects.create(
            case=world.zhang, contact=person, setting="meal", last_exposure=timezone.localdate()
        )
    many = _queries(world.town_officer, name, world.town)
    _, result = export(world.town_officer, name, world.town)
    assert result.rows >= 7
    assert many == few


def test_the_sheet_is_laid_out_for_printing(world, records):
    ws, _ = export(world.town_officer, "returnee-register", world.town)
    columns = len(table(ws)[header_index(ws) - 1])
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$1:$4"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "A1:" + chr(ord("A") + columns - 1) + "1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    assert ws["B4"].font.b and ws["B4"].border.left.style == "thin"
    # CJK characters count double: "车次/航班/车牌" is 7 + 2 * 4 wide, "身份证号" holds 18 digits.
    widths = {
        ws.cell(4, i).value: ws.column_dimensions[chr(ord("A") + i - 1)].width for i in range(1, columns + 1)
    }
    assert widths["车次/航班/车牌"] >= 14
    assert widths["身份证号"] >= 20


def test_a_date_range_filter_keeps_the_returns_of_the_last_days_for_every_row_source(world, records):
    old = f.person(world.hh_a2, "老返乡")
    TravelRecord.objects.create(
        person=old,
        origin="武汉",
        from_outbreak_area=True,
        arrived_on=timezone.localdate() - dt.timedelta(days=30),
    )
    for source in ("journey", "person"):
        form_define(
            actor=world.hq,
            region=world.district,
            data=FormInput(
                name=f"recent-{source}", title="近14天返乡", kind="people", row_source=source,
                columns=["name", "arrived_on"],
                filters={"outbreak": True, "date_field": "arrived_on", "days": 14},
            ),
        )  # fmt: skip
        ws, result = export(world.town_officer, f"recent-{source}", world.town)
        names = [row[1] for row in table(ws)[header_index(ws) :]]
        assert names == ["张伟"], source
        assert result.rows == 1


def test_a_grid_worker_previews_their_own_grid(world, records):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.grid_worker_a)
    body = client.get(reverse("deptforms:detail", args=["home-monitoring"])).content.decode()
    assert f'<option value="{world.grid_a.pk}" selected>' in body
    assert "张伟" in body


def test_grouped_rows_follow_the_unit_codes_and_people_not_placed_that_far_come_last(world, records):
    from epigrid.people.services import person_register_unplaced

    TravelRecord.objects.create(person=world.li, origin="武汉", from_outbreak_area=True)
    unplaced = person_register_unplaced(
        actor=None, region=world.town, name="待落户", source=Person.Source.SENT_DOWN
    )
    TravelRecord.objects.create(person=unplaced, origin="武汉", from_outbreak_area=True)
    ws, result = export(world.hq, "returnee-register", world.district)
    body = [row[:2] for row in table(ws)[header_index(ws) :]]
    assert body == [["乙社区", None], [1, "李娜"], ["甲村", None], [2, "张伟"], ["—", None], [3, "待落户"]]
    assert result.rows == 3


def test_a_title_with_characters_excel_refuses_in_a_sheet_name_still_exports(world, records):
    """ "/" and the like are common in form titles (返乡/来访人员); openpyxl refused them as a sheet name."""
    data = FormInput(
        name="slash-register", title="返乡/来访人员[一]:统计?*", kind="people", row_source="journey",
        columns=["name"],
    )  # fmt: skip
    form_define(actor=world.hq, region=world.district, data=data)
    ws, result = export(world.hq, "slash-register", world.district)
    assert ws.title == "返乡 来访人员 一  统计"
    assert result.rows >= 1
