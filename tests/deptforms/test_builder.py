"""Defining and revising forms: every problem named at once, versions kept, only HQ and departments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.deptforms.models import FormRevision, FormTemplate
from epigrid.deptforms.services import (
    ERR_BUILTIN,
    ERR_CONTACT_ONLY,
    ERR_NAME_TAKEN,
    ERR_NO_COLUMNS,
    ERR_TITLE,
    ERR_UNKNOWN_COLUMNS,
    FormError,
    FormInput,
    form_define,
    form_revise,
    form_validate,
)


def _input(**changes) -> FormInput:
    base = {
        "name": "school-returnees",
        "title": "学校返校人员名单",
        "kind": "people",
        "row_source": "journey",
        "columns": ["name", "sex", "origin", "arrived_on"],
        "filters": {"outbreak": True},
    }
    return FormInput(**{**base, **changes})


def test_a_valid_definition_has_no_problem(db):
    assert form_validate(_input()) == {}


def test_every_problem_is_named_at_once(db):
    errors = form_validate(
        _input(name="returnee-register", title=" ", columns=["name", "password", "salary"])
    )
    assert errors == {
        "title": [str(ERR_TITLE)],
        "name": [str(ERR_NAME_TAKEN)],
        "columns": [str(ERR_UNKNOWN_COLUMNS) % {"keys": "password、salary"}],
    }


def test_no_columns_and_a_contact_field_outside_a_contact_register_are_refused(db):
    assert form_validate(_input(columns=[]))["columns"] == [str(ERR_NO_COLUMNS)]
    assert form_validate(_input(columns=["name", "contact_case"]))["columns"] == [
        str(ERR_CONTACT_ONLY) % {"label": "关联病例"}
    ]


def test_figures_forms_take_indicator_keys_only(db):
    figures = _input(
        kind="figures", row_source="", columns=["confirmed", "name"], filters={"header": ["nope"]}
    )
    errors = form_validate(figures)
    assert errors["columns"] == [str(ERR_UNKNOWN_COLUMNS) % {"keys": "name"}]
    assert "header" in errors["filters"][0]


def test_hq_defines_a_form_for_its_district_and_a_revision_is_a_new_version(world):
    form = form_define(actor=world.hq, region=world.district, data=_input())
    assert (form.version, form.region, form.builtin) == (1, world.district, False)
    assert [c["label"] for c in form.columns] == ["姓名", "性别", "从何地返回", "返回日期"]
    revised = form_revise(
        actor=world.department, form=form, data=_input(columns=["name", "phone"], title="新名单")
    )
    assert revised.version == 2
    assert list(
        FormRevision.objects.filter(template=form).values_list("version", flat=True).order_by("version")
    ) == [1, 2]
    assert FormRevision.objects.get(template=form, version=1).definition["columns"][1]["key"] == "sex"
    actions = list(
        AuditEvent.objects.filter(object_type="dept_form").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["create", "update"]


def test_only_roles_that_define_forms_may_and_only_in_their_scope(world):
    with pytest.raises(PermissionDenied):
        form_define(actor=world.town_officer, region=world.town, data=_input())
    with pytest.raises(Http404):
        form_define(actor=world.hq, region=world.other_district, data=_input())
    assert not FormTemplate.objects.filter(name="school-returnees").exists()


def test_a_builtin_form_is_copied_not_edited(world):
    builtin = FormTemplate.objects.get(name="returnee-register")
    with pytest.raises(FormError) as refused:
        form_revise(actor=world.hq, form=builtin, data=_input(name=builtin.name))
    assert refused.value.errors == {"": [str(ERR_BUILTIN)]}


def _post(**extra) -> dict[str, object]:
    data = {
        "title": "学校返校人员名单",
        "name": "school-returnees",
        "kind": "people",
        "row_source": "journey",
        "grouping": "village",
        "col_key": ["name", "sex", "phone", "origin"],
        "col_on": ["name", "phone", "origin"],
        "col_order_name": "2",
        "col_order_phone": "3",
        "col_order_origin": "1",
        "col_label_origin": "返校前所在地",
        "f_outbreak": "1",
    }
    return {**data, **extra}


def test_the_builder_page_saves_a_form_with_the_columns_in_the_order_typed(world):
    client = Client()
    client.force_login(world.department)
    assert client.get(reverse("deptforms:new")).status_code == 200
    response = client.post(reverse("deptforms:new"), _post())
    assert response.status_code == 302
    form = FormTemplate.objects.get(name="school-returnees")
    assert form.columns == [
        {"key": "origin", "label": "返校前所在地"},
        {"key": "name", "label": "姓名"},
        {"key": "phone", "label": "联系电话"},
    ]
    assert (form.filters, form.grouping, form.region) == ({"outbreak": True}, "village", world.district)


def test_the_builder_page_shows_the_problems_and_keeps_what_was_typed(world):
    client = Client()
    client.force_login(world.hq)
    response = client.post(reverse("deptforms:new"), _post(title="", name="health-daily", col_on=["evil"]))
    body = response.content.decode()
    assert response.status_code == 400
    assert str(ERR_TITLE) in body and str(ERR_NAME_TAKEN) in body
    assert str(ERR_UNKNOWN_COLUMNS) % {"keys": "evil"} in body
    assert 'value="health-daily"' in body
    assert not FormTemplate.objects.filter(builtin=False).exists()


def test_the_builder_is_refused_to_roles_that_do_not_define_forms(world):
    client = Client()
    client.force_login(world.town_officer)
    assert client.get(reverse("deptforms:new")).status_code == 403
    assert client.post(reverse("deptforms:new"), _post()).status_code == 403
    assert not FormTemplate.objects.filter(builtin=False).exists()


def test_copying_a_builtin_form_prefills_the_builder_and_editing_makes_version_two(world):
    client = Client()
    client.force_login(world.hq)
    body = client.get(reverse("deptforms:new") + "?from=close-contacts").content.decode()
    assert 'name="col_on" value="contact_case" checked' in body
    client.post(reverse("deptforms:new"), _post())
    response = client.post(
        reverse("deptforms:edit", args=["school-returnees"]), _post(title="改名", col_on=["name"])
    )
    assert response.status_code == 302
    form = FormTemplate.objects.get(name="school-returnees")
    assert (form.title, form.version, [c["key"] for c in form.columns]) == ("改名", 2, ["name"])
    builtin_edit = client.get(reverse("deptforms:edit", args=["health-daily"]))
    assert builtin_edit.status_code == 302
